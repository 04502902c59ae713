"""The agent's toolbox checks each call's params against its tool's contract before sending:
a call outside it fails, named, and never reaches the server."""

from __future__ import annotations

import asyncio

import httpx

from opslens.agent.toolbox import CallOutcome, Toolbox, ToolCall
from opslens.rpc_client import RpcClient
from opslens_mcp.core.errors import INVALID_PARAMS


def test_params_outside_the_contract_are_not_sent() -> None:
    sent: list[httpx.Request] = []

    def record(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(500)

    client = RpcClient(
        "http://opensearch.invalid", name="opensearch", transport=httpx.MockTransport(record)
    )
    toolbox = Toolbox({"opensearch": client}, timeout_s=5)
    call = ToolCall("opensearch", "search_logs", {"service": ["cart"], "limit": 0}, "log lines")

    outcome = asyncio.run(toolbox.run(call))

    assert not outcome.ok and sent == []
    assert outcome.error is not None and outcome.error["code"] == INVALID_PARAMS
    message = outcome.error["message"]
    assert message.startswith("not sent: opensearch.search_logs params outside its contract")
    assert "limit: Input should be greater than or equal to 1" in message


def test_params_inside_the_contract_are_sent_as_the_tool_reads_them() -> None:
    call = ToolCall(
        "opensearch",
        "search_logs",
        {"service": ["cart"], "start": "2026-03-01T10:00:00+09:00", "limit": 5},
        "log lines",
    )
    # Only the fields the caller set, in the JSON form the tool reads.
    assert call.wire() == {
        "service": ["cart"],
        "start": "2026-03-01T10:00:00+09:00",
        "limit": 5,
    }


def test_a_malformed_point_is_outside_the_contract() -> None:
    """MCP clients see points as plain arrays; our side still types each one."""
    answer = {
        "result_type": "matrix",
        "series": [{"labels": {"service": "cart"}, "timestamps": [1.0, 2.0], "values": [0.5, "x"]}],
        "total_series": 1,
        "truncated": False,
        "summarized": False,
        "promql": "rate(x[1m])",
        "start": "2026-03-01T10:00:00Z",
        "end": "2026-03-01T10:01:00Z",
        "step": "15s",
        "step_seconds": 15.0,
    }

    def answer_with(result: dict[str, object]) -> httpx.MockTransport:
        body = {"jsonrpc": "2.0", "id": 1, "result": result}
        return httpx.MockTransport(lambda request: httpx.Response(200, json=body))

    def run(result: dict[str, object]) -> CallOutcome:
        client = RpcClient(
            "http://prometheus.invalid", name="prometheus", transport=answer_with(result)
        )
        toolbox = Toolbox({"prometheus": client}, timeout_s=5)
        call = ToolCall("prometheus", "query_range", {"promql": "rate(x[1m])"}, "a rate")
        return asyncio.run(toolbox.run(call))

    refused = run(answer)
    assert not refused.ok and refused.error is not None
    assert "prometheus.query_range answered outside its contract" in refused.error["message"]
    assert "series.0.values.1" in refused.error["message"]

    answer["series"][0]["values"] = [0.5, None]  # type: ignore[index]
    accepted = run(answer)
    assert accepted.ok and accepted.model is not None
