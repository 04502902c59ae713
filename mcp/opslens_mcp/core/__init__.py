"""The protocol core every opslens server shares: tools, errors, JSON-RPC, MCP, the app."""

from opslens_mcp.core.errors import (
    BackendError,
    BackendTimeout,
    BackendUnavailable,
    CallTimeout,
    InvalidParams,
    ToolError,
)
from opslens_mcp.core.tools import CallContext, Tool, ToolRegistry, current_call

__all__ = [
    "BackendError",
    "BackendTimeout",
    "BackendUnavailable",
    "CallContext",
    "CallTimeout",
    "InvalidParams",
    "Tool",
    "ToolError",
    "ToolRegistry",
    "current_call",
]
