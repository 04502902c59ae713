"""``server_info``: a tool every server has, saying what it is and which backend it serves."""

from __future__ import annotations

import time

from mcp_types.version import SUPPORTED_PROTOCOL_VERSIONS
from pydantic import BaseModel, ConfigDict, Field

from opslens_mcp import __version__
from opslens_mcp.core.tools import ToolRegistry


class ServerInfoParams(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ServerInfo(BaseModel):
    server: str = Field(description="Which opslens server this is.")
    version: str
    backend: str = Field(description="What it reads from, e.g. the Prometheus base URL.")
    tools: list[str]
    mcp_protocol_versions: list[str]
    uptime_s: float


def add_server_info(registry: ToolRegistry, server: str, backend: str) -> None:
    """Register ``server_info`` on ``registry`` (call it after the other tools)."""
    started = time.monotonic()

    @registry.tool(
        description="Describe this server: its name, version, backend, tools and the MCP "
        "protocol revisions it speaks. Cheap; use it to check a connection."
    )
    async def server_info(params: ServerInfoParams) -> ServerInfo:
        return ServerInfo(
            server=server,
            version=__version__,
            backend=backend,
            tools=registry.names(),
            mcp_protocol_versions=list(SUPPORTED_PROTOCOL_VERSIONS),
            uptime_s=round(time.monotonic() - started, 1),
        )
