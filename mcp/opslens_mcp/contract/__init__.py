"""The contract the servers and their callers share: every tool's params and result models,
by server and tool name, and one envelope (:mod:`opslens_mcp.contract.envelope`) over results.

The models are defined next to the tools that produce them and re-exported here, so a caller
imports ``opslens_mcp.contract.opensearch.SearchLogsResult`` and never a tool module.
"""

from __future__ import annotations

from pydantic import BaseModel

from opslens_mcp.contract import kubernetes, opensearch, prometheus
from opslens_mcp.contract.envelope import (
    Backend,
    NativeQuery,
    ResultEnvelope,
    Window,
    envelope_of,
)

TOOLS: dict[str, dict[str, tuple[type[BaseModel], type[BaseModel]]]] = {
    "opensearch": opensearch.TOOLS,
    "prometheus": prometheus.TOOLS,
    "kubernetes": kubernetes.TOOLS,
}


def result_model(server: str, tool: str) -> type[BaseModel] | None:
    """The result model of ``server``'s ``tool``, or None for a tool outside the contract."""
    found = TOOLS.get(server, {}).get(tool)
    return found[1] if found else None


def params_model(server: str, tool: str) -> type[BaseModel] | None:
    """The params model of ``server``'s ``tool``, or None for a tool outside the contract."""
    found = TOOLS.get(server, {}).get(tool)
    return found[0] if found else None


__all__ = [
    "TOOLS",
    "Backend",
    "NativeQuery",
    "ResultEnvelope",
    "Window",
    "envelope_of",
    "params_model",
    "result_model",
]
