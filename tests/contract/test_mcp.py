"""MCP conformance: the official SDK client over Streamable HTTP and stdio, on each revision."""

from __future__ import annotations

import json
import os
import sys
from typing import Any

import httpx
import pytest
from mcp import Client
from mcp.client.stdio import StdioServerParameters

HANDSHAKE_REVISIONS = ("2025-06-18", "2025-11-25")
MODERN_REVISION = "2026-07-28"


def _sse_json(response: httpx.Response) -> dict[str, Any]:
    if response.headers["content-type"].startswith("application/json"):
        return dict(response.json())
    for line in response.text.splitlines():
        if line.startswith("data:"):
            return dict(json.loads(line[5:]))
    raise AssertionError(f"no JSON-RPC message in {response.text!r}")


async def test_sdk_client_modern_revision(base_url: str) -> None:
    async with Client(f"{base_url}/mcp", mode=MODERN_REVISION) as client:
        assert client.protocol_version == MODERN_REVISION
        listed = await client.list_tools()
        tools = {tool.name: tool for tool in listed.tools}
        assert tools["echo"].annotations is not None
        assert tools["echo"].annotations.read_only_hint is True
        assert tools["echo"].output_schema is not None
        result = await client.call_tool("echo", {"text": "지연 트레이스"})
        assert result.is_error is not True
        assert result.structured_content == {"text": "지연 트레이스", "session_id": None}


async def test_sdk_client_handshake_revision(base_url: str) -> None:
    async with Client(f"{base_url}/mcp", mode="legacy") as client:
        assert client.protocol_version == "2025-11-25"
        names = [tool.name for tool in (await client.list_tools()).tools]
        assert "server_info" in names
        result = await client.call_tool("server_info", {})
        assert result.structured_content is not None
        assert result.structured_content["server"] == "protocol-test"


async def test_tool_failure_is_an_error_result(base_url: str) -> None:
    async with Client(f"{base_url}/mcp", mode=MODERN_REVISION) as client:
        result = await client.call_tool("unreachable", {})
        assert result.is_error is True
        text = result.content[0].text  # type: ignore[union-attr]
        assert "testbackend is unreachable" in text
        invalid = await client.call_tool("sleep", {"seconds": "soon"})
        assert invalid.is_error is True


@pytest.mark.parametrize("revision", HANDSHAKE_REVISIONS)
def test_raw_handshake_on_each_revision(base_url: str, revision: str) -> None:
    headers = {"Accept": "application/json, text/event-stream"}
    with httpx.Client(base_url=base_url, headers=headers, timeout=10) as http:
        init = http.post(
            "/mcp",
            json={
                "jsonrpc": "2.0",
                "id": 1,
                "method": "initialize",
                "params": {
                    "protocolVersion": revision,
                    "capabilities": {},
                    "clientInfo": {"name": "raw-test", "version": "1"},
                },
            },
        )
        assert _sse_json(init)["result"]["protocolVersion"] == revision
        session = {
            "mcp-session-id": init.headers["mcp-session-id"],
            "mcp-protocol-version": revision,
        }
        note = http.post(
            "/mcp", json={"jsonrpc": "2.0", "method": "notifications/initialized"}, headers=session
        )
        assert note.status_code == 202
        listed = _sse_json(
            http.post(
                "/mcp", json={"jsonrpc": "2.0", "id": 2, "method": "tools/list"}, headers=session
            )
        )
        assert "echo" in [tool["name"] for tool in listed["result"]["tools"]]
        called = _sse_json(
            http.post(
                "/mcp",
                json={
                    "jsonrpc": "2.0",
                    "id": 3,
                    "method": "tools/call",
                    "params": {"name": "echo", "arguments": {"text": "hi"}},
                },
                headers=session,
            )
        )
        assert called["result"]["structuredContent"]["text"] == "hi"


def _stdio_server(server: str) -> StdioServerParameters:
    env = {**os.environ, "OPSLENS_LOG_LEVEL": "WARNING"}
    return StdioServerParameters(
        command=sys.executable, args=["-m", "opslens.cli", "mcp", server, "--stdio"], env=env
    )


@pytest.mark.parametrize("mode", ["legacy", MODERN_REVISION])
async def test_stdio_server(mode: str) -> None:
    async with Client(_stdio_server("prometheus"), mode=mode) as client:
        names = [tool.name for tool in (await client.list_tools()).tools]
        assert "server_info" in names
        result = await client.call_tool("server_info", {})
        assert result.structured_content is not None
        assert result.structured_content["server"] == "prometheus"
