"""One question being answered: the plan, the calls made, the evidence and facts gathered."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

from opslens.agent.answer import Fact
from opslens.agent.plan import Plan
from opslens.agent.response import Evidence, IncidentRecord, QueryRecord
from opslens.agent.toolbox import SERVERS, Budget, CallOutcome, Toolbox, ToolCall
from opslens_mcp.contract import Backend, envelope_of


def native_query(outcome: CallOutcome) -> str:
    """The exact backend query a tool result reports, as text a person can rerun."""
    if outcome.model is None or outcome.call.server not in SERVERS:
        return ""
    server = cast(Backend, outcome.call.server)
    return envelope_of(server, outcome.model).native_text()


@dataclass
class Run:
    """Everything one question accumulates while its steps run."""

    question: str
    plan: Plan
    now: datetime
    toolbox: Toolbox
    session_id: str | None = None
    budget: Budget | None = None
    outcomes: list[CallOutcome] = field(default_factory=list)
    facts: list[Fact] = field(default_factory=list)
    evidence: Evidence = field(default_factory=Evidence)
    incidents: list[IncidentRecord] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    backend_wall_ms: float = 0.0

    @property
    def language(self) -> str:
        return self.plan.language

    def window(self) -> dict[str, str]:
        """The plan's window as absolute ISO times (OpenSearch and Kubernetes tools)."""
        return {"start": self.plan.start.isoformat(), "end": self.plan.end.isoformat()}

    def prometheus_window(self) -> dict[str, str]:
        """The plan's window as a Prometheus duration ending at an absolute time."""
        seconds = max(int(self.plan.window.total_seconds()), 60)
        return {"window": f"{seconds}s", "at": self.plan.end.isoformat()}

    async def call(
        self,
        server: str,
        tool: str,
        params: dict[str, Any],
        purpose: str,
        about: dict[str, str] | None = None,
    ) -> CallOutcome:
        [outcome] = await self.call_all([ToolCall(server, tool, params, purpose, about or {})])
        return outcome

    async def call_all(self, calls: list[ToolCall]) -> list[CallOutcome]:
        """Run calls concurrently and record each; failures are noted as missing evidence."""
        started = time.perf_counter()
        outcomes = await self.toolbox.run_all(calls, self.session_id, self.budget)
        self.backend_wall_ms += (time.perf_counter() - started) * 1000
        for outcome in outcomes:
            self.outcomes.append(outcome)
            if not outcome.ok:
                reason = (outcome.error or {}).get("message", "failed")
                call = outcome.call
                self.missing.append(f"{call.describe()} ({call.server})")
                what = f"{call.describe(self.language)} ({call.server})"
                self.facts.append(Fact("missing", {"what": what, "reason": reason}))
        return outcomes

    def say(self, key: str, **values: Any) -> None:
        self.facts.append(Fact(key, values))

    def queries(self) -> list[QueryRecord]:
        return [
            QueryRecord(
                backend=outcome.call.server,
                tool=outcome.call.tool,
                params=outcome.call.params,
                native=native_query(outcome) if outcome.ok else "",
                ok=outcome.ok,
                ms=round(outcome.ms, 1),
                error=None if outcome.ok else str((outcome.error or {}).get("message")),
            )
            for outcome in self.outcomes
        ]

    def backend_ms(self) -> float:
        """Wall time spent waiting for tool calls (parallel calls count once)."""
        return round(self.backend_wall_ms, 1)
