"""The agent's LangGraph: understand -> plan -> execute -> correlate -> answer, wired in one place.

Nodes are small async functions returning partial state updates; everything they need (the
toolbox, the planner's catalog, an optional chat model) comes from :class:`AgentDeps`, passed to
:func:`build_graph`. Nothing is compiled at import time.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from langchain_core.language_models import BaseChatModel
from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.graph import END, START, StateGraph
from langgraph.graph.state import CompiledStateGraph

from opslens.agent.answer import Fact, render_answer
from opslens.agent.catalog import CatalogCache, catalog_gap_fact
from opslens.agent.correlate import slow_services
from opslens.agent.llm import LLM_TIMEOUT_S, LlmPlanner, LlmSummarizer, LlmUsage
from opslens.agent.plan import Plan
from opslens.agent.response import CorrelationRecord, Evidence, IncidentRecord, SlowServiceRecord
from opslens.agent.state import AgentState
from opslens.agent.steps.anomaly import gather_anomalies, support_first_incident
from opslens.agent.steps.correlation import correlation_record, gather_correlation
from opslens.agent.steps.kubernetes import gather_kubernetes
from opslens.agent.steps.latency import asks_why_slow, gather_latency_correlation
from opslens.agent.steps.logs import gather_logs
from opslens.agent.steps.metrics import gather_metrics
from opslens.agent.steps.run import Run
from opslens.agent.steps.traces import gather_traces
from opslens.agent.toolbox import Budget, Toolbox
from opslens.agent.understanding import OfflinePlanner
from opslens.reports.settings import ReportSettings

GATHER: dict[str, Callable[[Run], Awaitable[None]]] = {
    "logs": gather_logs,
    "traces": gather_traces,
    "metrics": gather_metrics,
    "k8s": gather_kubernetes,
}
"""Gathering steps by intent; ``anomaly`` is added per graph (it needs the detection settings)."""
BUDGET_KEY = "question_budget"
"""The run config's ``configurable`` entry holding the question's :class:`Budget`, if any."""


@dataclass
class AgentDeps:
    toolbox: Toolbox
    catalog: CatalogCache
    timezone: str | None = None
    model: BaseChatModel | None = None
    llm_mode: str = "fallback"
    llm_min_confidence: float = 0.6
    llm_timeout_s: float = LLM_TIMEOUT_S
    detection: ReportSettings = field(default_factory=ReportSettings)


def _elapsed(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 2)


def _budget(config: RunnableConfig) -> Budget | None:
    budget = (config.get("configurable") or {}).get(BUDGET_KEY)
    return budget if isinstance(budget, Budget) else None


def _run(state: AgentState, deps: AgentDeps, config: RunnableConfig) -> Run:
    run = Run(
        budget=_budget(config),
        question=state["question"],
        plan=Plan.model_validate(state["plan"]),
        now=datetime.fromisoformat(state["now"]),
        toolbox=deps.toolbox,
        session_id=state.get("session_id"),
        evidence=Evidence.model_validate(state.get("evidence") or {}),
        incidents=[IncidentRecord.model_validate(item) for item in state.get("incidents", [])],
    )
    run.facts = [Fact(item["key"], item["values"]) for item in state.get("facts", [])]
    return run


def _updates(run: Run, state: AgentState) -> dict[str, Any]:
    return {
        "facts": [{"key": fact.key, "values": fact.values} for fact in run.facts],
        "queries": list(state.get("queries", [])) + [q.model_dump() for q in run.queries()],
        "evidence": run.evidence.model_dump(mode="json"),
        "incidents": [incident.model_dump(mode="json") for incident in run.incidents],
        "missing": list(state.get("missing", [])) + run.missing,
        "backend_ms": round(state.get("backend_ms", 0.0) + run.backend_ms(), 1),
    }


def _instant(value: Any) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))


def _with_filters(plan: Plan, update: dict[str, Any], one_sided: str) -> Plan:
    """``plan`` with the sidebar's values. A time filter on one side that falls outside the
    question's window would invert it: the window shrinks to that instant (nothing matches)."""
    merged = {**plan.model_dump(), **update}
    if _instant(merged["end"]) < _instant(merged["start"]):
        other = "start" if one_sided == "end" else "end"
        merged[other] = merged[one_sided]
    return Plan.model_validate(merged)


def build_graph(
    deps: AgentDeps, checkpointer: BaseCheckpointSaver[Any] | None = None
) -> CompiledStateGraph[Any, Any, Any, Any]:
    """Compile the agent graph over ``deps``."""

    async def gather_anomaly(run: Run) -> None:
        await gather_anomalies(run, deps.detection)

    gathers = {**GATHER, "anomaly": gather_anomaly}

    async def understand(state: AgentState, config: RunnableConfig) -> dict[str, Any]:
        started = time.perf_counter()
        now = datetime.fromisoformat(state["now"])
        catalog = await deps.catalog.get(now, _budget(config))
        planner = OfflinePlanner(
            catalog.services, catalog.namespaces, deps.timezone, complete=catalog.complete
        )
        previous = Plan.model_validate(state["plan"]) if state.get("plan") else None
        plan = planner.plan(state["question"], now=now, previous=previous)
        usage = LlmUsage()
        wants_model = deps.llm_mode == "always" or (
            deps.llm_mode == "fallback"
            and (plan.confidence < deps.llm_min_confidence or plan.intent == "unknown")
        )
        if deps.model is not None and wants_model:
            plan = await LlmPlanner(deps.model, deps.llm_timeout_s).refine(
                state["question"], plan, catalog.services, now, usage
            )
        gap = catalog_gap_fact(catalog.gap, plan.language) if catalog.gap else None
        return {
            "plan": plan.model_dump(mode="json"),
            "known_services": catalog.services,
            "facts": [{"key": gap.key, "values": gap.values}] if gap else [],
            "queries": [],
            "evidence": {},
            "correlation": {},
            "incidents": [],
            "missing": [f"{catalog.gap.call.describe()} (opensearch)"] if catalog.gap else [],
            "backend_ms": 0.0,
            "llm": usage.as_dict(),
            "timings": {"understand_ms": _elapsed(started)},
        }

    async def plan_step(state: AgentState) -> dict[str, Any]:
        plan = Plan.model_validate(state["plan"])
        update: dict[str, Any] = {}
        filters = state.get("filters") or {}
        for name in ("services", "level", "namespace", "start", "end"):
            if filters.get(name):
                update[name] = filters[name]
        if update:
            plan = _with_filters(plan, update, one_sided="end" if filters.get("end") else "start")
        return {"plan": plan.model_dump(mode="json")}

    def route(state: AgentState) -> Literal["execute", "answer"]:
        plan = state["plan"]
        if plan["intent"] == "unknown" or (plan["unknown_services"] and not plan["services"]):
            return "answer"
        return "execute"

    async def execute(state: AgentState, config: RunnableConfig) -> dict[str, Any]:
        started = time.perf_counter()
        run = _run(state, deps, config)
        gather = gathers.get(run.plan.intent)
        if gather is not None:
            await gather(run)
        return {
            **_updates(run, state),
            "timings": {**state["timings"], "execute_ms": _elapsed(started)},
        }

    async def correlate_step(state: AgentState, config: RunnableConfig) -> dict[str, Any]:
        started = time.perf_counter()
        run = _run(state, deps, config)
        record = CorrelationRecord()
        if asks_why_slow(run.plan):
            record = await gather_latency_correlation(run)
        elif run.plan.intent == "correlate":
            record = correlation_record(await gather_correlation(run))
        elif run.plan.intent == "anomaly":
            supporting = await support_first_incident(run)
            if supporting is not None:
                record = correlation_record(supporting)
        elif run.evidence.traces and run.evidence.traces.trees:
            record.slow_services = [
                SlowServiceRecord(service=s.service, self_ms=s.self_ms, share=s.share)
                for s in slow_services(run.evidence.traces.trees)
            ]
        timings = {**state["timings"], "correlate_ms": _elapsed(started)}
        return {**_updates(run, state), "correlation": record.model_dump(), "timings": timings}

    async def answer(state: AgentState) -> dict[str, Any]:
        started = time.perf_counter()
        plan = Plan.model_validate(state["plan"])
        facts = [Fact(item["key"], item["values"]) for item in state.get("facts", [])]
        known = ", ".join(state.get("known_services", [])) or "-"
        if plan.unknown_services and not plan.services:
            facts.insert(
                0,
                Fact(
                    "unknown_services", {"names": ", ".join(plan.unknown_services), "known": known}
                ),
            )
        elif plan.intent == "unknown":
            facts.insert(0, Fact("unknown_question", {"known": known}))
        else:
            facts.insert(
                0,
                Fact(
                    "scope",
                    {
                        "what": "latency" if asks_why_slow(plan) else plan.intent,
                        "start": plan.start.isoformat(timespec="minutes"),
                        "end": plan.end.isoformat(timespec="minutes"),
                    },
                ),
            )
        if plan.unexpressed:
            said = ", ".join(f"'{words}'" for words in plan.unexpressed)
            facts.insert(1, Fact("unexpressed", {"words": said}))
        text = render_answer(facts, plan.language)
        usage = LlmUsage(**{k: v for k, v in (state.get("llm") or {}).items()})
        if deps.model is not None and plan.intent != "unknown":
            evidence = {
                "facts": [fact.render(plan.language) for fact in facts],
                "correlation": state.get("correlation"),
            }
            summary = await LlmSummarizer(deps.model, deps.llm_timeout_s).summarize(
                state["question"], plan.language, evidence, usage
            )
            if summary:
                text = summary
        return {
            "answer": text,
            "llm": usage.as_dict(),
            "timings": {**state["timings"], "answer_ms": _elapsed(started)},
        }

    graph = StateGraph(AgentState)
    graph.add_node("understand", understand)
    graph.add_node("plan", plan_step)
    graph.add_node("execute", execute)
    graph.add_node("correlate", correlate_step)
    graph.add_node("answer", answer)
    graph.add_edge(START, "understand")
    graph.add_edge("understand", "plan")
    graph.add_conditional_edges("plan", route)
    graph.add_edge("execute", "correlate")
    graph.add_edge("correlate", "answer")
    graph.add_edge("answer", END)
    return graph.compile(checkpointer=checkpointer)
