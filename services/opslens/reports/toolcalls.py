"""Tool calls of the collectors: bounded concurrency, counted per signal, failures recorded.

A report is still useful when one backend is down, so a failed call is noted in the signal's
status (shown in the report) and returns ``None`` instead of raising. Messages never carry
credentials: they come from the servers' error answers.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable
from typing import Any, TypeVar, cast

from pydantic import BaseModel

from opslens.reports.models import Evidence, Server, SignalStatus
from opslens.reports.times import iso, parse_iso

__all__ = ["ToolCaller", "iso", "parse_iso", "request_text"]
from opslens.rpc_client import RpcClient, RpcError
from opslens.tool_client import ServerNotConfigured, Tools
from opslens_mcp.contract.opensearch import Envelope

MAX_CONCURRENT_CALLS = 8
R = TypeVar("R", bound=BaseModel)


def request_text(result: Envelope | None) -> str:
    """The native OpenSearch request(s) of a tool result as text (``METHOD path`` + body)."""
    parts = []
    for request in result.requests if result else []:
        body = json.dumps(request.body, ensure_ascii=False)
        parts.append(f"{request.method} {request.path}\n{body}")
    return "\n".join(parts)


class ToolCaller:
    """Calls tools on the MCP servers by name (``prometheus``, ``opensearch``, ``kubernetes``)."""

    def __init__(
        self, clients: dict[str, RpcClient], concurrency: int = MAX_CONCURRENT_CALLS
    ) -> None:
        self.clients = clients
        self._slots = asyncio.Semaphore(concurrency)
        self.tools = Tools(self._typed_invoke)
        """Typed calls through :meth:`invoke`; run each with :meth:`attempt`."""

    async def _typed_invoke(self, server: str, tool: str, params: dict[str, Any]) -> dict[str, Any]:
        if server not in self.clients:
            raise ServerNotConfigured(server, tool)
        return await self.invoke(cast(Server, server), tool, params)

    async def attempt(self, status: SignalStatus, call: Awaitable[R]) -> R | None:
        """A typed call's result (``await caller.attempt(status, caller.tools.x.y(params))``),
        or ``None`` after noting why it failed in ``status``."""
        status.calls += 1
        async with self._slots:
            try:
                return await call
            except ServerNotConfigured as exc:
                _note(status, exc.message)
            except RpcError as exc:
                _note(status, f"{exc.server}.{exc.method}: {exc.message}")
        return None

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
