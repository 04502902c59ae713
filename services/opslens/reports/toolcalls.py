"""Tool calls of the collectors: bounded concurrency, counted per signal, failures recorded.

A report is still useful when one backend is down, so a failed call is noted in the signal's
status (shown in the report) and returns ``None`` instead of raising. Messages never carry
credentials: they come from the servers' error answers.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from opslens.reports.models import Evidence, Server, SignalStatus
from opslens.reports.times import iso, parse_iso

__all__ = ["ToolCaller", "iso", "parse_iso", "request_text"]
from opslens.rpc_client import RpcClient, RpcError

MAX_CONCURRENT_CALLS = 8


def request_text(result: dict[str, Any]) -> str:
    """The native OpenSearch request(s) of a tool result as text (``METHOD path`` + body)."""
    parts = []
    for request in result.get("requests") or []:
        body = json.dumps(request.get("body"), ensure_ascii=False)
        parts.append(f"{request.get('method')} {request.get('path')}\n{body}")
    return "\n".join(parts)


class ToolCaller:
    """Calls tools on the MCP servers by name (``prometheus``, ``opensearch``, ``kubernetes``)."""

    def __init__(
        self, clients: dict[str, RpcClient], concurrency: int = MAX_CONCURRENT_CALLS
    ) -> None:
        self.clients = clients
        self._slots = asyncio.Semaphore(concurrency)

    async def call(
        self, server: Server, tool: str, params: dict[str, Any], status: SignalStatus
    ) -> dict[str, Any] | None:
        """The tool's result, or ``None`` after noting why it failed in ``status``."""
        status.calls += 1
        if server not in self.clients:
            _note(status, f"no {server} server configured")
            return None
        async with self._slots:
            try:
                return await self.invoke(server, tool, params)
            except RpcError as exc:
                _note(status, f"{server}.{tool}: {exc.message}")
                return None

    async def invoke(self, server: Server, tool: str, params: dict[str, Any]) -> dict[str, Any]:
        """One call to a configured server; raises :class:`RpcError` (subclasses may record)."""
        return await self.clients[server].call(tool, params)

    @staticmethod
    def evidence(server: Server, tool: str, params: dict[str, Any], query: str) -> Evidence:
        return Evidence(server=server, tool=tool, params=params, query=query)


def _note(status: SignalStatus, message: str) -> None:
    if message not in status.failures and len(status.failures) < 20:
        status.failures.append(message[:300])
