"""The agent's access to the three MCP servers: parallel tool calls, each timed and recorded.

Every call's outcome is kept, success or failure, so the response can show each query that ran
and say plainly what is missing when a backend is down. A question's calls share one
:class:`Budget`: each waits at most the tool timeout or what is left of the budget, whichever is
shorter, so a question with hung backends still ends in a bounded time; after one of its calls
to a server timed out, the question sends that server no more. Params are validated against
the tool's params model (:mod:`opslens_mcp.contract`) before they are sent, so a call outside
the contract fails here, named, without a round trip; a result is validated into its tool's
result model as it arrives, and steps read it typed.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from opslens.agent.answer import purpose_text
from opslens.rpc_client import RpcClient, RpcError
from opslens.tool_client import contract_problems, read_result, wire_params
from opslens_mcp.contract import params_model, result_model
from opslens_mcp.core.errors import INVALID_PARAMS, BackendTimeout

SERVERS = ("opensearch", "prometheus", "kubernetes")
TIMEOUT_CODE = BackendTimeout.code
R = TypeVar("R", bound=BaseModel)


@dataclass(frozen=True)
class Budget:
    """The time one question may spend waiting for its tool calls, and the servers that
    already let one of them time out: the question's later calls to those are not sent, so a
    hung backend costs one wait and the time left goes to the backends that answer."""

    seconds: float
    ends_at: float
    silent: set[str] = field(default_factory=set, compare=False)

    @classmethod
    def starting_now(cls, seconds: float) -> Budget:
        return cls(seconds, time.monotonic() + seconds)

    def left_s(self) -> float:
        return self.ends_at - time.monotonic()


@dataclass(frozen=True)
class ToolCall:
    """One tool call the agent means to make, and why: ``purpose`` is English text with
    ``{names}`` that ``about`` fills in, and the key of its other languages' wording."""

    server: str
    tool: str
    params: dict[str, Any]
    purpose: str
    about: dict[str, str] = field(default_factory=dict)

    def describe(self, language: str = "en") -> str:
        return purpose_text(self.purpose, self.about, language)

    def wire(self) -> dict[str, Any]:
        """The params as sent, validated against the tool's params model (a ValidationError
        when they are outside the contract); tools outside the contract pass them as given."""
        model = params_model(self.server, self.tool)
        return wire_params(model.model_validate(self.params)) if model else self.params

    def as_dict(self) -> dict[str, Any]:
        return {
            "server": self.server,
            "tool": self.tool,
            "params": self.params,
            "purpose": self.describe(),
        }


@dataclass
class CallOutcome:
    call: ToolCall
    ok: bool
    ms: float
    result: dict[str, Any] = field(default_factory=dict)
    error: dict[str, Any] | None = None
    model: BaseModel | None = None

    def typed(self, model: type[R]) -> R:
        """The result as its tool's ``model`` (a TypeError for a failed call or another tool)."""
        if not isinstance(self.model, model):
            raise TypeError(f"{self.call.server}.{self.call.tool} has no {model.__name__} result")
        return self.model

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

    async def run(
        self, call: ToolCall, session_id: str | None = None, budget: Budget | None = None
    ) -> CallOutcome:
        client = self.clients.get(call.server)
        started = time.perf_counter()
        if client is None:
            return CallOutcome(
                call, False, 0.0, error={"message": f"no {call.server} server configured"}
            )
        if budget is not None and call.server in budget.silent:
            silent = f"not run: {call.server} did not answer an earlier call of this question"
            return CallOutcome(call, False, 0.0, error={"code": TIMEOUT_CODE, "message": silent})
        timeout_s = self.timeout_s
        timed_out = f"{call.server} did not answer in {self.timeout_s:g}s"
        left_s = budget.left_s() if budget is not None else timeout_s
        if budget is not None and left_s < timeout_s:
            timeout_s = left_s
            timed_out = f"{call.server} did not answer within the question's {budget.seconds:g}s"
            if timeout_s <= 0:
                spent = f"not run: the question's {budget.seconds:g}s were spent"
                return CallOutcome(call, False, 0.0, error={"code": TIMEOUT_CODE, "message": spent})
        try:
            params = call.wire()
        except ValidationError as exc:
            error = {"code": INVALID_PARAMS, "message": _outside_contract(call, exc)}
            return CallOutcome(call, False, 0.0, error=error)
        try:
            async with asyncio.timeout(timeout_s):
                result = await client.call(call.tool, params, session_id=session_id)
            model = result_model(call.server, call.tool)
            typed = read_result(model, call.server, call.tool, result) if model else None
        except RpcError as exc:
            error = {"code": exc.code, "message": exc.message, "data": exc.data}
            return CallOutcome(call, False, (time.perf_counter() - started) * 1000, error=error)
        except TimeoutError:
            if budget is not None and timeout_s == self.timeout_s:  # not cut by the budget
                budget.silent.add(call.server)
            error = {"code": TIMEOUT_CODE, "message": timed_out}
            return CallOutcome(call, False, (time.perf_counter() - started) * 1000, error=error)
        ms = (time.perf_counter() - started) * 1000
        return CallOutcome(call, True, ms, result=result, model=typed)

    async def run_all(
        self, calls: list[ToolCall], session_id: str | None = None, budget: Budget | None = None
    ) -> list[CallOutcome]:
        """Run independent calls concurrently; outcomes in the order of ``calls``."""
        return list(await asyncio.gather(*(self.run(call, session_id, budget) for call in calls)))


def _outside_contract(call: ToolCall, exc: ValidationError) -> str:
    problems = contract_problems(exc)
    return f"not sent: {call.server}.{call.tool} params outside its contract ({problems})"
