"""Fuzzing ``/rpc`` of the three MCP servers over real HTTP, on the seeded demo backends.

Random JSON, wrong types, batches, huge and deeply nested bodies, bytes that are not UTF-8,
wrong content types: every answer is a JSON-RPC 2.0 response of the right shape and code,
never an HTTP 500, never an internal error, and always within the client's timeout.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from opslens_mcp.core.settings import ServerSettings
from tests.conftest import DemoServers
from tests.hardening.jsonrpc_spec import (
    INVALID_PARAMS,
    INVALID_REQUEST,
    METHOD_NOT_FOUND,
    PARSE_ERROR,
    check_response,
    check_undecided,
    expected_outcome,
)

pytestmark = pytest.mark.integration

TIMEOUT = httpx.Timeout(30.0)
LIMITS = ServerSettings()  # what the demo servers run with
MAX_BODY = LIMITS.max_body_bytes
FUZZ = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@pytest.fixture(scope="module", params=["opensearch", "prometheus", "kubernetes"])
def server(request: pytest.FixtureRequest, demo_servers: DemoServers) -> Iterator[Server]:
    with httpx.Client(base_url=getattr(demo_servers, request.param), timeout=TIMEOUT) as http:
        yield Server(http)


class Server:
    """One MCP server's ``/rpc`` and the tools (with their parameter names) it lists."""

    def __init__(self, http: httpx.Client) -> None:
        self.http = http
        listed = self.post(b'{"jsonrpc": "2.0", "method": "list_tools", "id": 0}').json()
        self.params = {
            tool["name"]: sorted(tool["inputSchema"].get("properties", {}))
            for tool in listed["result"]["tools"]
        }

    def post(self, body: bytes, content_type: str | None = "application/json") -> httpx.Response:
        headers = {"content-type": content_type} if content_type else {}
        response = self.http.post("/rpc", content=body, headers=headers)
        assert response.status_code < 500, response.text
        return response

    def answer(self, payload: Any) -> tuple[int, Any]:
        response = self.post(json.dumps(payload).encode())
        if response.status_code == 204:
            assert response.content == b""
            return 204, None
        assert response.status_code == 200 and response.headers["content-type"].startswith(
            "application/json"
        ), response.text
        return 200, response.json()

    def error(self, body: bytes, content_type: str | None = "application/json") -> dict[str, Any]:
        answer = self.post(body, content_type).json()
        check_response(answer)
        assert "error" in answer, answer
        return answer


# --- strategies --------------------------------------------------------------------------

SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30)
)
JSON = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)


@st.composite
def requests(draw: st.DrawFn, tools: dict[str, list[str]]) -> Any:
    """Mostly request-shaped objects with a wrong member here and there; sometimes anything."""
    if draw(st.integers(0, 9)) == 0:
        return draw(JSON)
    method = draw(
        st.one_of(
            st.sampled_from(sorted(tools)),
            st.sampled_from(sorted(tools)),
            st.sampled_from(
                ["list_tools", "rpc.discover", "tools/list", "tools/call", "drop_index", ""]
            ),
            JSON,
        )
    )
    known = tools.get(method, []) if isinstance(method, str) else []
    params = draw(
        st.dictionaries(st.sampled_from(known) | st.text(max_size=6), JSON, max_size=4)
        if known
        else JSON
    )
    request: dict[str, Any] = {
        "jsonrpc": draw(
            st.one_of(st.just("2.0"), st.just("2.0"), st.sampled_from(["1.0", 2]), JSON)
        ),
        "method": method,
        "params": params,
        "id": draw(st.integers(-(2**40), 2**40) | st.text(max_size=12) | JSON),
    }
    for member in draw(st.sets(st.sampled_from(sorted(request)), max_size=2)):
        del request[member]  # no id: a notification; no jsonrpc, no method: invalid
    return request


def _protocol_code(answer: dict[str, Any]) -> int | None:
    code = answer.get("error", {}).get("code")
    return code if code in (INVALID_REQUEST, METHOD_NOT_FOUND) else None


def _tools(server: Server) -> set[str]:
    return set(server.params)


def check_answer(server: Server, request: Any, answer: Any) -> None:
    answered, reply_id, code = expected_outcome(request, _tools(server))
    assert answered, f"a notification was answered: {answer}"
    check_response(answer)
    assert answer["id"] == reply_id, (request, answer)
    if code is None:
        check_undecided(answer)
    else:
        assert answer["error"]["code"] == code, (request, answer)


# --- property tests ------------------------------------------------------------------------


@FUZZ
@given(data=st.data())
def test_any_single_request_gets_the_answer_the_spec_calls_for(
    server: Server, data: st.DataObject
) -> None:
    request = data.draw(requests(server.params).filter(lambda drawn: not isinstance(drawn, list)))
    status, answer = server.answer(request)
    if status == 204:
        assert not expected_outcome(request, _tools(server))[0], request
    else:
        check_answer(server, request, answer)


@FUZZ
@given(data=st.data())
def test_any_batch_gets_one_answer_per_request_that_is_not_a_notification(
    server: Server, data: st.DataObject
) -> None:
    batch = data.draw(st.lists(requests(server.params), min_size=1, max_size=6))
    status, answers = server.answer(batch)
    expected = [expected_outcome(request, _tools(server)) for request in batch]
    owed = [(reply_id, code) for answered, reply_id, code in expected if answered]
    if status == 204:
        assert not owed
        return
    assert isinstance(answers, list) and len(answers) == len(owed), (batch, answers)
    for answer in answers:
        check_response(answer)
        if _protocol_code(answer) is None:
            check_undecided(answer)
    # Answers may come in any order: compare (id, protocol error) as multisets.
    got = Counter((answer["id"], _protocol_code(answer)) for answer in answers)
    assert got == Counter(owed), (batch, answers)


@FUZZ
@given(body=st.binary(max_size=200))
def test_any_bytes_are_a_parse_error_or_a_spec_answer(server: Server, body: bytes) -> None:
    response = server.post(body)
    if response.status_code == 204:
        return  # the bytes happened to be a notification
    answer = response.json()
    for item in answer if isinstance(answer, list) else [answer]:
        check_response(item)
        if "error" in item:
            assert item["error"]["code"] != -32603, item


# --- hand-picked hostile bodies --------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(b"", id="empty"),
        pytest.param(b"   \n", id="whitespace"),
        pytest.param(b'{"jsonrpc": "2.0", "method"', id="truncated"),
        pytest.param(b'{"jsonrpc": "2.0", "method": "list_tools", "id": NaN}', id="nan"),
        pytest.param(b'{"jsonrpc": "2.0", "method": "list_tools", "id": 1e400}', id="inf"),
        pytest.param(b'{"jsonrpc": "2.0", "method": "x", "id": ' + b"9" * 5000 + b"}", id="bigint"),
        pytest.param(b"[" * 100_000 + b"]" * 100_000, id="100k-nested-arrays"),
        pytest.param(b'{"a":' * 100_000 + b"1" + b"}" * 100_000, id="100k-nested-objects"),
        pytest.param(b'{"jsonrpc": "2.0", "method": "\xff\xfe", "id": 1}', id="invalid-utf8"),
        pytest.param(b'{"jsonrpc": "2.0", "method": "\xed\xa0\x80", "id": 1}', id="cesu-surrogate"),
        pytest.param(b'{"jsonrpc": "2.0", "method": "\xe2\x82", "id": 1}', id="cut-utf8"),
        pytest.param(
            '{"jsonrpc": "2.0", "method": "list_tools", "id": 1}'.encode("utf-16"), id="utf16"
        ),
        pytest.param(b'{"jsonrpc": "2.0", "method": "\\ud800", "id": 1}', id="lone-surrogate"),
        pytest.param(b'{"jsonrpc": "2.0", "method": "x", "id": "\\udfff"}', id="surrogate-id"),
    ],
)
def test_unparsable_bodies_are_parse_errors_with_null_id(server: Server, body: bytes) -> None:
    answer = server.error(body)
    assert answer["error"]["code"] == PARSE_ERROR
    assert answer["id"] is None


def test_deep_but_parsable_params_are_invalid_params(server: Server) -> None:
    tool = next(name for name, params in server.params.items() if params)
    nested = "[" * 500 + "]" * 500
    body = f'{{"jsonrpc": "2.0", "method": "{tool}", "params": {{"{server.params[tool][0]}": '
    answer = server.error(f'{body}{nested}}}, "id": 7}}'.encode())
    assert answer["error"]["code"] == INVALID_PARAMS and answer["id"] == 7


@pytest.mark.parametrize("size", [3 * MAX_BODY, MAX_BODY + 1])
def test_huge_bodies_are_refused_with_a_jsonrpc_error(server: Server, size: int) -> None:
    text = "x" * size
    body = json.dumps({"jsonrpc": "2.0", "method": "list_tools", "params": {"t": text}, "id": 1})
    response = server.http.post("/rpc", content=body.encode())
    assert response.status_code == 413
    answer = response.json()
    check_response(answer)
    assert answer["error"]["code"] == INVALID_REQUEST and answer["id"] is None


def test_huge_chunked_bodies_are_refused_while_streaming(server: Server) -> None:
    def chunks() -> Iterator[bytes]:  # no content-length: the limit holds while reading
        yield b'{"jsonrpc": "2.0", "method": "list_tools", "params": {"t": "'
        for _ in range(MAX_BODY // 1024 + 64):
            yield b"y" * 1024
        yield b'"}, "id": 1}'

    response = server.http.post("/rpc", content=chunks())
    assert response.status_code == 413
    assert response.json()["error"]["code"] == INVALID_REQUEST


def test_a_batch_over_the_count_limit_is_refused_whole(server: Server) -> None:
    batch = [
        {"jsonrpc": "2.0", "method": "server_info", "id": i} for i in range(LIMITS.max_batch + 1)
    ]
    body = json.dumps(batch).encode()
    assert len(body) < MAX_BODY
    answer = server.error(body)
    assert answer["error"]["code"] == INVALID_REQUEST and answer["id"] is None


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("text/plain", b'{"jsonrpc": "2.0", "method": "drop_index", "id": "t"}'),
        ("application/x-www-form-urlencoded", b"jsonrpc=2.0&method=list_tools&id=1"),
        ("multipart/form-data; boundary=x", b'--x\r\nContent-Disposition: form-data; name="a"'),
        ("application/xml", b"<methodCall><methodName>list_tools</methodName></methodCall>"),
        (None, b'{"jsonrpc": "2.0", "method": "drop_index", "id": "t"}'),
    ],
)
def test_the_content_type_does_not_change_the_protocol(
    server: Server, content_type: str | None, body: bytes
) -> None:
    answer = server.error(body, content_type)
    if body.startswith(b"{"):
        assert answer["error"]["code"] == METHOD_NOT_FOUND and answer["id"] == "t"
    else:
        assert answer["error"]["code"] == PARSE_ERROR and answer["id"] is None


def test_empty_batch_is_one_invalid_request(server: Server) -> None:
    answer = server.error(b"[]")
    assert answer["error"]["code"] == INVALID_REQUEST and answer["id"] is None


def test_batch_of_non_objects_is_one_invalid_request_each(server: Server) -> None:
    status, answers = server.answer([1, "x", None, [], {}])
    assert status == 200 and len(answers) == 5
    for answer in answers:
        check_response(answer)
        assert answer["error"]["code"] == INVALID_REQUEST and answer["id"] is None


def test_mixed_batch_answers_each_request_and_skips_notifications(server: Server) -> None:
    batch = [
        {"jsonrpc": "2.0", "method": "server_info", "id": "ok"},
        {"jsonrpc": "2.0", "method": "server_info"},
        {"jsonrpc": "2.0", "method": "drop_index", "id": "missing"},
        {"jsonrpc": "2.0", "method": "server_info", "params": ["positional"], "id": "params"},
        {"jsonrpc": "2.0", "method": "drop_index", "params": ["positional"], "id": "unknown"},
        {"jsonrpc": "1.0", "method": "server_info", "id": "version"},
        {"jsonrpc": "2.0", "method": "drop_index"},
    ]
    status, answers = server.answer(batch)
    by_id = {answer["id"]: answer for answer in answers}
    assert status == 200 and len(answers) == 5
    assert "result" in by_id["ok"]
    assert by_id["missing"]["error"]["code"] == METHOD_NOT_FOUND
    assert by_id["params"]["error"]["code"] == INVALID_PARAMS
    assert by_id["unknown"]["error"]["code"] == METHOD_NOT_FOUND  # not found before params
    assert by_id["version"]["error"]["code"] == INVALID_REQUEST


def test_a_batch_of_notifications_gets_no_body(server: Server) -> None:
    notes = [
        {"jsonrpc": "2.0", "method": "server_info"},
        {"jsonrpc": "2.0", "method": "drop_index", "params": {"index": "*"}},
        {"jsonrpc": "2.0", "method": "server_info", "params": {"unknown": [1, 2]}},
    ]
    assert server.answer(notes) == (204, None)
    assert server.answer(notes[1]) == (204, None)
