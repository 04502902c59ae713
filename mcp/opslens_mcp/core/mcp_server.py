"""The MCP front end: the same tools served to MCP clients over Streamable HTTP and stdio.

Built on the official MCP Python SDK's low-level ``Server``, so protocol revisions
2024-11-05 through 2026-07-28 (handshake era and the modern per-request era) are negotiated by
the SDK. A tool's failure is an ``isError`` result the model can read; an unknown tool name is
a protocol error.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager, AsyncExitStack
from typing import Any

import anyio
import mcp_types as types
from mcp.server.lowlevel import Server
from mcp.server.stdio import stdio_server
from mcp.shared.exceptions import MCPError

from opslens_mcp import __version__
from opslens_mcp.core.errors import ToolError
from opslens_mcp.core.executor import ToolExecutor, UnknownTool
from opslens_mcp.core.logs import get_logger
from opslens_mcp.core.safejson import json_text
from opslens_mcp.core.tools import CallContext

log = get_logger("opslens.mcp")


def _header(request: Any, name: str) -> str | None:
    headers = getattr(request, "headers", None)
    return headers.get(name) if headers is not None else None


def _tool_error_text(exc: ToolError) -> str:
    detail = {"error": exc.message, "code": exc.code}
    if exc.data is not None:
        detail["data"] = exc.data
    return json.dumps(detail, ensure_ascii=False)


def build_mcp_server(name: str, executor: ToolExecutor, instructions: str | None = None) -> Server:
    """An SDK ``Server`` whose tools/list and tools/call are backed by ``executor``."""

    # The tools and their JSON Schemas are fixed once the server is built: build them once.
    # Since 2026-07-28 the SDK checks every call's arguments against the input schema; without
    # the lookup it would run tools/list (every schema again) on each call.
    tools = [
        types.Tool(
            name=tool.name,
            title=tool.title,
            description=tool.description,
            input_schema=tool.input_schema(),
            output_schema=tool.output_schema(),
            annotations=types.ToolAnnotations(
                read_only_hint=tool.read_only,
                destructive_hint=False,
                idempotent_hint=True,
                open_world_hint=False,
            ),
        )
        for tool in executor.registry
    ]
    input_schemas = {tool.name: tool.input_schema for tool in tools}

    async def list_tools(
        ctx: Any, params: types.PaginatedRequestParams | None
    ) -> types.ListToolsResult:
        return types.ListToolsResult(tools=tools)

    async def call_tool(ctx: Any, params: types.CallToolRequestParams) -> types.CallToolResult:
        request = getattr(ctx, "request", None)
        context = CallContext(
            request_id=_header(request, "x-request-id") or str(ctx.request_id),
            session_id=_header(request, "x-opslens-session") or _header(request, "mcp-session-id"),
            transport="mcp",
        )
        try:
            result = await executor.call(params.name, dict(params.arguments or {}), context)
        except UnknownTool as exc:
            raise MCPError(code=-32602, message=f"Unknown tool: {params.name}") from exc
        except ToolError as exc:
            return types.CallToolResult(
                content=[types.TextContent(type="text", text=_tool_error_text(exc))],
                is_error=True,
            )
        except Exception:  # noqa: BLE001 - logged by the executor; no detail leaks
            return types.CallToolResult(
                content=[
                    types.TextContent(
                        type="text",
                        text=f"Internal error (request id {context.request_id})",
                    )
                ],
                is_error=True,
            )
        structured = result.model_dump(mode="json", by_alias=True)
        return types.CallToolResult(
            content=[types.TextContent(type="text", text=json_text(structured))],
            structured_content=structured,
        )

    return Server(
        name,
        version=__version__,
        instructions=instructions,
        get_tool_input_schema=input_schemas.get,
        on_list_tools=list_tools,
        on_call_tool=call_tool,
    )


def run_stdio(
    server: Server, resources: Callable[[], AbstractAsyncContextManager[None]] | None = None
) -> None:
    """Serve ``server`` over stdin/stdout until the client closes the pipe.

    ``resources`` (the service's clients) are opened first and closed at the end.
    """

    async def main() -> None:
        async with AsyncExitStack() as stack:
            if resources is not None:
                await stack.enter_async_context(resources())
            read_stream, write_stream = await stack.enter_async_context(stdio_server())
            await server.run(read_stream, write_stream, server.create_initialization_options())

    anyio.run(main)
