"""The agent's access to the three MCP servers: parallel tool calls, each timed and recorded.

Every call's outcome is kept, success or failure, so the response can show each query that ran
and say plainly what is missing when a backend is down.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import Any

from opslens.rpc_client import RpcClient, RpcError

SERVERS = ("opensearch", "prometheus", "kubernetes")


@dataclass(frozen=True)
class ToolCall:
    """One tool call the agent means to make, and why."""

    server: str
    tool: str
    params: dict[str, Any]
    purpose: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "server": self.server,
            "tool": self.tool,
            "params": self.params,
            "purpose": self.purpose,
        }


@dataclass
class CallOutcome:
    call: ToolCall
    ok: bool
    ms: float
    result: dict[str, Any] = field(default_factory=dict)
    error: dict[str, Any] | None = None

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {**self.call.as_dict(), "ok": self.ok, "ms": round(self.ms, 1)}
        if self.ok:
            data["result"] = self.result
        else:
            data["error"] = self.error
        return data


class Toolbox:
    """RPC clients of the three servers, created once and shared by every question."""

    def __init__(self, clients: dict[str, RpcClient], timeout_s: float) -> None:
        self.clients = clients
        self.timeout_s = timeout_s
        self._known: tuple[float, dict[str, list[str]]] | None = None

    async def aclose(self) -> None:
        await asyncio.gather(*(client.aclose() for client in self.clients.values()))

    async def run(self, call: ToolCall, session_id: str | None = None) -> CallOutcome:
        client = self.clients.get(call.server)
        started = time.perf_counter()
        if client is None:
            return CallOutcome(
                call, False, 0.0, error={"message": f"no {call.server} server configured"}
            )
        try:
            async with asyncio.timeout(self.timeout_s):
                result = await client.call(call.tool, call.params, session_id=session_id)
        except RpcError as exc:
            error = {"code": exc.code, "message": exc.message, "data": exc.data}
            return CallOutcome(call, False, (time.perf_counter() - started) * 1000, error=error)
        except TimeoutError:
            error = {
                "code": -32002,
                "message": f"{call.server} did not answer in {self.timeout_s:g}s",
            }
            return CallOutcome(call, False, (time.perf_counter() - started) * 1000, error=error)
        return CallOutcome(call, True, (time.perf_counter() - started) * 1000, result=result)

    async def run_all(
        self, calls: list[ToolCall], session_id: str | None = None
    ) -> list[CallOutcome]:
        """Run independent calls concurrently; outcomes in the order of ``calls``."""
        return list(await asyncio.gather(*(self.run(call, session_id) for call in calls)))
