"""The same tools over MCP (the SDK client, Streamable HTTP): same answers as over /rpc."""

from __future__ import annotations

import pytest
from mcp import Client

from opslens_eval.prometheus.generate import NAMESPACE
from tests.prometheus.conftest import Promtest, iso
from tests.prometheus.rpc import call

pytestmark = pytest.mark.integration


async def test_mcp_and_rpc_give_the_same_answer(server_url: str, promtest: Promtest) -> None:
    params = {"namespace": NAMESPACE, "window": "15m", "at": iso(promtest.end)}
    over_rpc = call(server_url, "red_summary", params)

    async with Client(f"{server_url}/mcp") as client:
        tools = {tool.name: tool for tool in (await client.list_tools()).tools}
        result = await client.call_tool("red_summary", params)
        failed = await client.call_tool("query", {"promql": "sum(rate(up[5m])"})

    assert tools["red_summary"].annotations is not None
    assert tools["red_summary"].annotations.read_only_hint is True
    assert result.is_error is not True
    assert result.structured_content == over_rpc
    assert failed.is_error is True
    assert "parse error" in failed.content[0].text  # type: ignore[union-attr]
