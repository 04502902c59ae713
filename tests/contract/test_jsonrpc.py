"""JSON-RPC 2.0 conformance of the protocol core, over real HTTP."""

from __future__ import annotations

import json

import httpx
import pytest

from tests.contract.conftest import TOKEN


def rpc(base_url: str, payload: object, **kwargs: object) -> httpx.Response:
    return httpx.post(f"{base_url}/rpc", json=payload, timeout=10, **kwargs)  # type: ignore[arg-type]


def test_single_call_returns_result_and_request_id(base_url: str) -> None:
    response = rpc(
        base_url, {"jsonrpc": "2.0", "method": "echo", "params": {"text": "안녕"}, "id": 7}
    )
    assert response.status_code == 200
    assert response.json() == {
        "jsonrpc": "2.0",
        "result": {"text": "안녕", "session_id": None},
        "id": 7,
    }
    assert "안녕" in response.text  # not escaped into \uXXXX
    assert response.headers["x-request-id"]


def test_caller_request_id_is_echoed(base_url: str) -> None:
    response = rpc(
        base_url,
        {"jsonrpc": "2.0", "method": "server_info", "id": 1},
        headers={"X-Request-ID": "trace-me-42"},
    )
    assert response.headers["x-request-id"] == "trace-me-42"


def test_session_header_reaches_the_tool(base_url: str) -> None:
    response = rpc(
        base_url,
        {"jsonrpc": "2.0", "method": "echo", "params": {"text": "x"}, "id": 1},
        headers={"X-Opslens-Session": "s-1"},
    )
    assert response.json()["result"]["session_id"] == "s-1"


def test_parse_error(base_url: str) -> None:
    response = httpx.post(f"{base_url}/rpc", content=b'{"jsonrpc": "2.0", "method"', timeout=10)
    body = response.json()
    assert body["error"]["code"] == -32700
    assert body["id"] is None


def test_invalid_utf8_is_a_parse_error(base_url: str) -> None:
    response = httpx.post(f"{base_url}/rpc", content=b'{"a": "\xff\xfe"}', timeout=10)
    assert response.json()["error"]["code"] == -32700


@pytest.mark.parametrize(
    "payload",
    [
        {"method": "echo", "id": 1},
        {"jsonrpc": "1.0", "method": "echo", "id": 1},
        {"jsonrpc": "2.0", "method": 5, "id": 1},
        {"jsonrpc": "2.0", "method": "echo", "params": "text", "id": 1},
        {"jsonrpc": "2.0", "method": "echo", "id": {"nested": True}},
        "just a string",
        42,
    ],
)
def test_invalid_request(base_url: str, payload: object) -> None:
    body = rpc(base_url, payload).json()
    assert body["error"]["code"] == -32600
    assert body["jsonrpc"] == "2.0"


def test_empty_batch_is_invalid(base_url: str) -> None:
    body = rpc(base_url, []).json()
    assert body["error"]["code"] == -32600
    assert body["id"] is None


def test_method_not_found_lists_the_tools(base_url: str) -> None:
    body = rpc(base_url, {"jsonrpc": "2.0", "method": "drop_index", "id": 3}).json()
    assert body["error"]["code"] == -32601
    assert "echo" in body["error"]["data"]["available"]


def test_invalid_params_carry_validation_detail(base_url: str) -> None:
    body = rpc(
        base_url, {"jsonrpc": "2.0", "method": "sleep", "params": {"seconds": "x"}, "id": 4}
    ).json()
    assert body["error"]["code"] == -32602
    assert body["error"]["data"][0]["loc"] == ["seconds"]


def test_positional_params_are_refused_with_a_reason(base_url: str) -> None:
    body = rpc(base_url, {"jsonrpc": "2.0", "method": "echo", "params": ["x"], "id": 4}).json()
    assert body["error"]["code"] == -32602
    assert "by name" in body["error"]["message"]


def test_internal_error_leaks_nothing(base_url: str) -> None:
    body = rpc(base_url, {"jsonrpc": "2.0", "method": "broken", "id": 5}).json()
    assert body["error"]["code"] == -32603
    assert "secret internals" not in json.dumps(body)
    assert "Traceback" not in json.dumps(body)
    assert body["error"]["data"]["request_id"]


def test_backend_error_shape(base_url: str) -> None:
    body = rpc(base_url, {"jsonrpc": "2.0", "method": "unreachable", "id": 6}).json()
    error = body["error"]
    assert -32099 <= error["code"] <= -32000
    assert error["data"] == {
        "backend": "testbackend",
        "status": None,
        "detail": "connection refused",
    }


def test_call_timeout_reports_elapsed_time(base_url: str) -> None:
    body = rpc(
        base_url, {"jsonrpc": "2.0", "method": "sleep", "params": {"seconds": 5}, "id": 8}
    ).json()
    error = body["error"]
    assert -32099 <= error["code"] <= -32000
    assert error["data"]["timeout_s"] == 0.5
    assert 450 <= error["data"]["elapsed_ms"] < 2000


def test_mixed_batch_is_answered_per_member(base_url: str) -> None:
    batch = [
        {"jsonrpc": "2.0", "method": "echo", "params": {"text": "a"}, "id": "a"},
        {"jsonrpc": "2.0", "method": "echo", "params": {"text": "note"}},  # notification
        {"jsonrpc": "2.0", "method": "missing", "id": "b"},
        {"jsonrpc": "2.0", "method": "echo", "params": {}, "id": "c"},
        1,
    ]
    answers = rpc(base_url, batch).json()
    by_id = {answer["id"]: answer for answer in answers if answer["id"] is not None}
    assert len(answers) == 4
    assert by_id["a"]["result"]["text"] == "a"
    assert by_id["b"]["error"]["code"] == -32601
    assert by_id["c"]["error"]["code"] == -32602
    assert next(a for a in answers if a["id"] is None)["error"]["code"] == -32600


def test_notification_gets_no_body(base_url: str) -> None:
    response = rpc(base_url, {"jsonrpc": "2.0", "method": "echo", "params": {"text": "x"}})
    assert response.status_code == 204
    assert response.content == b""


def test_batch_of_notifications_gets_204(base_url: str) -> None:
    notes = [{"jsonrpc": "2.0", "method": "echo", "params": {"text": str(i)}} for i in range(3)]
    assert rpc(base_url, notes).status_code == 204


def test_batch_over_the_limit_is_refused(base_url: str) -> None:
    batch = [{"jsonrpc": "2.0", "method": "server_info", "id": i} for i in range(11)]
    body = rpc(base_url, batch).json()
    assert body["error"]["code"] == -32600
    assert "limit" in body["error"]["message"]


def test_oversize_body_is_413(base_url: str) -> None:
    big = {"jsonrpc": "2.0", "method": "echo", "params": {"text": "x" * 70_000}, "id": 1}
    assert rpc(base_url, big).status_code == 413


def test_oversize_chunked_body_is_413(base_url: str) -> None:
    def chunks():  # no content-length: the limit holds while streaming
        yield b'{"jsonrpc": "2.0", "method": "echo", "params": {"text": "'
        for _ in range(100):
            yield b"y" * 1024
        yield b'"}, "id": 1}'

    response = httpx.post(f"{base_url}/rpc", content=chunks(), timeout=10)
    assert response.status_code == 413


def test_list_tools_gives_schemas(base_url: str) -> None:
    body = rpc(base_url, {"jsonrpc": "2.0", "method": "list_tools", "id": 1}).json()
    tools = {tool["name"]: tool for tool in body["result"]["tools"]}
    assert {"echo", "sleep", "server_info"} <= set(tools)
    assert tools["echo"]["inputSchema"]["properties"]["text"]["type"] == "string"
    assert tools["echo"]["outputSchema"]["type"] == "object"
    assert all(tool["readOnly"] for tool in tools.values())


def test_mcp_method_names_work_over_plain_json_rpc(base_url: str) -> None:
    listed = rpc(base_url, {"jsonrpc": "2.0", "method": "tools/list", "id": 1}).json()
    assert {"echo", "sleep"} <= {tool["name"] for tool in listed["result"]["tools"]}
    call = {"name": "echo", "arguments": {"text": "지연"}}
    body = rpc(base_url, {"jsonrpc": "2.0", "method": "tools/call", "params": call, "id": 2})
    assert body.json()["result"] == {"text": "지연", "session_id": None}
    unknown = {"name": "drop_index", "arguments": {}}
    body = rpc(base_url, {"jsonrpc": "2.0", "method": "tools/call", "params": unknown, "id": 3})
    assert body.json()["error"]["code"] == -32601
    for params in ({"arguments": {}}, {"name": "echo", "arguments": [1]}, ["echo"]):
        body = rpc(base_url, {"jsonrpc": "2.0", "method": "tools/call", "params": params, "id": 4})
        assert body.json()["error"]["code"] == -32602, params


def test_metrics_count_calls_by_method_and_outcome(base_url: str) -> None:
    rpc(base_url, {"jsonrpc": "2.0", "method": "unreachable", "id": 1})
    text = httpx.get(f"{base_url}/metrics", timeout=10).text
    assert 'opslens_rpc_requests_total{method="unreachable",outcome="backend_error"}' in text
    assert "opslens_rpc_request_duration_seconds_bucket" in text


def test_health_and_readiness(base_url: str) -> None:
    assert httpx.get(f"{base_url}/healthz", timeout=10).json()["status"] == "ok"
    assert httpx.get(f"{base_url}/readyz", timeout=10).json()["status"] == "ready"


def test_auth_required_everywhere_but_health(authed_url: str) -> None:
    call = {"jsonrpc": "2.0", "method": "server_info", "id": 1}
    assert httpx.post(f"{authed_url}/rpc", json=call, timeout=10).status_code == 401
    wrong = {"Authorization": "Bearer nope"}
    assert httpx.post(f"{authed_url}/rpc", json=call, headers=wrong, timeout=10).status_code == 401
    assert httpx.get(f"{authed_url}/metrics", timeout=10).status_code == 401
    assert httpx.post(f"{authed_url}/mcp", json=call, timeout=10).status_code == 401
    assert httpx.get(f"{authed_url}/healthz", timeout=10).status_code == 200
    assert httpx.get(f"{authed_url}/readyz", timeout=10).status_code == 200
    good = {"Authorization": f"Bearer {TOKEN}"}
    response = httpx.post(f"{authed_url}/rpc", json=call, headers=good, timeout=10)
    assert response.status_code == 200
    assert TOKEN not in response.text
