"""The agent's LangGraph: understand -> plan -> execute -> correlate -> answer, wired in one place.

Nodes are module-level async functions returning partial state updates. Everything they need
(the toolbox, the planner's catalog, an optional chat model, the detection settings:
:class:`AgentDeps`) and the question's tool budget are the graph's run context,
:class:`QuestionContext`, given to each invocation (``graph.ainvoke(state, config,
context=...)``) and read by the nodes from their :class:`~langgraph.runtime.Runtime`.
:func:`route` is a pure function of the state, and :func:`build_graph` only wires. Nothing is
compiled at import time.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from langchain_core.language_models import BaseChatModel
from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.graph import END, START, StateGraph
from langgraph.graph.state import CompiledStateGraph
from langgraph.runtime import Runtime

from opslens.agent.answer import Fact, render_answer
from opslens.agent.catalog import CatalogCache, catalog_gap_fact
from opslens.agent.correlate import slow_services
from opslens.agent.llm import LlmPlanner
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
from opslens.reports.detection import DetectionSettings
from opslens.shared.llm import LLM_TIMEOUT_S, LlmSummarizer, LlmUsage


@dataclass
class AgentDeps:
    """What the nodes need: the graph's run context."""

    toolbox: Toolbox
    catalog: CatalogCache
    timezone: str | None = None
    model: BaseChatModel | None = None
    llm_mode: str = "fallback"
    llm_min_confidence: float = 0.6
    llm_timeout_s: float = LLM_TIMEOUT_S
    detection: DetectionSettings = field(default_factory=DetectionSettings)


@dataclass(frozen=True)
class QuestionContext:
    """One invocation's run context: the agent's dependencies and the question's budget."""

    deps: AgentDeps
    budget: Budget | None = None


GATHER: dict[str, Callable[[Run, AgentDeps], Awaitable[None]]] = {
    "logs": lambda run, _: gather_logs(run),
    "traces": lambda run, _: gather_traces(run),
    "metrics": lambda run, _: gather_metrics(run),
    "k8s": lambda run, _: gather_kubernetes(run),
    "anomaly": lambda run, deps: gather_anomalies(run, deps.detection),
}
"""Gathering steps by intent."""


def _elapsed(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 2)


def _run(state: AgentState, context: QuestionContext) -> Run:
    run = Run(
        budget=context.budget,
        question=state["question"],
        plan=Plan.model_validate(state["plan"]),
        now=datetime.fromisoformat(state["now"]),
        toolbox=context.deps.toolbox,
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


async def understand(state: AgentState, runtime: Runtime[QuestionContext]) -> dict[str, Any]:
    """The question as a plan: the offline planner, refined by the model when it is unsure."""
    deps = runtime.context.deps
    started = time.perf_counter()
    now = datetime.fromisoformat(state["now"])
    catalog = await deps.catalog.get(now, runtime.context.budget)
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


async def apply_filters(state: AgentState) -> dict[str, Any]:
    """The plan with the sidebar's filters (services, level, namespace, start, end) applied."""
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
    """Straight to the answer when there is nothing to run (unknown question or services)."""
    plan = state["plan"]
    if plan["intent"] == "unknown" or (plan["unknown_services"] and not plan["services"]):
        return "answer"
    return "execute"


async def execute(state: AgentState, runtime: Runtime[QuestionContext]) -> dict[str, Any]:
    """The plan's gathering step: the tool calls its intent needs."""
    started = time.perf_counter()
    run = _run(state, runtime.context)
    gather = GATHER.get(run.plan.intent)
    if gather is not None:
        await gather(run, runtime.context.deps)
    return {
        **_updates(run, state),
        "timings": {**state["timings"], "execute_ms": _elapsed(started)},
    }


async def correlate(state: AgentState, runtime: Runtime[QuestionContext]) -> dict[str, Any]:
    """What ties the evidence together: slow services, error logs to their traces, the ranked
    root cause, the first incident's supporting evidence."""
    started = time.perf_counter()
    run = _run(state, runtime.context)
    record = CorrelationRecord()
    if asks_why_slow(run.plan):
        record = await gather_latency_correlation(run)
    elif run.plan.intent == "correlate":
        record = correlation_record(await gather_correlation(run))
        if run.plan.root_cause:  # ranked as the reports rank it, with its evidence
            run.say("anomaly.ranked")
            await gather_anomalies(run, runtime.context.deps.detection, known_problem=True)
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


def _leading_facts(state: AgentState, plan: Plan) -> list[Fact]:
    """The state's facts after what the answer says first: the scope, or why nothing ran."""
    facts = [Fact(item["key"], item["values"]) for item in state.get("facts", [])]
    known = ", ".join(state.get("known_services", [])) or "-"
    if plan.unknown_services and not plan.services:
        names = ", ".join(plan.unknown_services)
        facts.insert(0, Fact("unknown_services", {"names": names, "known": known}))
    elif plan.intent == "unknown":
        facts.insert(0, Fact("unknown_question", {"known": known}))
    else:
        scope = {
            "what": "latency" if asks_why_slow(plan) else plan.intent,
            "start": plan.start.isoformat(timespec="minutes"),
            "end": plan.end.isoformat(timespec="minutes"),
        }
        facts.insert(0, Fact("scope", scope))
    if plan.unexpressed:
        said = ", ".join(f"'{words}'" for words in plan.unexpressed)
        facts.insert(1, Fact("unexpressed", {"words": said}))
    return facts


async def answer(state: AgentState, runtime: Runtime[QuestionContext]) -> dict[str, Any]:
    """The answer in the question's language: the template over the facts, or the model's
    summary when one is configured and its numbers are grounded."""
    deps = runtime.context.deps
    started = time.perf_counter()
    plan = Plan.model_validate(state["plan"])
    facts = _leading_facts(state, plan)
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


def build_graph(
    checkpointer: BaseCheckpointSaver[Any] | None = None,
) -> CompiledStateGraph[AgentState, QuestionContext, Any, Any]:
    """Compile the agent graph; each invocation gets a :class:`QuestionContext` as ``context``."""
    graph = StateGraph(AgentState, context_schema=QuestionContext)
    graph.add_node("understand", understand)
    graph.add_node("plan", apply_filters)
    graph.add_node("execute", execute)
    graph.add_node("correlate", correlate)
    graph.add_node("answer", answer)
    graph.add_edge(START, "understand")
    graph.add_edge("understand", "plan")
    graph.add_conditional_edges("plan", route)
    graph.add_edge("execute", "correlate")
    graph.add_edge("correlate", "answer")
    graph.add_edge("answer", END)
    return graph.compile(checkpointer=checkpointer)
