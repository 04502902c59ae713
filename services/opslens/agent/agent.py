"""The agent facade: one question in, an :class:`AskResponse` out (or a stream of steps)."""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

from langchain_core.runnables import RunnableConfig
from langgraph.graph.state import CompiledStateGraph

from opslens.agent.answer import phrase, word
from opslens.agent.graph import AgentDeps, QuestionContext
from opslens.agent.response import AskRequest, AskResponse, StepEvent, Timings
from opslens.agent.toolbox import Budget

STEP_NAMES = ("understand", "plan", "execute", "correlate", "answer")


def _local_now() -> datetime:
    return datetime.now().astimezone().replace(microsecond=0)


class Agent:
    """Runs the compiled graph with ``deps`` as its context; sessions are LangGraph threads in
    the checkpointer. Each question's tool calls share a budget of ``question_budget_s`` (none
    when ``None``)."""

    def __init__(
        self,
        graph: CompiledStateGraph[Any, QuestionContext, Any, Any],
        deps: AgentDeps,
        question_budget_s: float | None = None,
    ) -> None:
        self.graph = graph
        self.deps = deps
        self.question_budget_s = question_budget_s

    def _input(self, request: AskRequest) -> tuple[dict[str, Any], RunnableConfig, QuestionContext]:
        session_id = request.session_id or uuid.uuid4().hex
        now = request.now or _local_now()
        filters = (
            request.filters.model_dump(mode="json", exclude_none=True) if request.filters else None
        )
        state = {
            "question": request.question,
            "now": now.isoformat(),
            "session_id": session_id,
            "filters": filters,
        }
        config: RunnableConfig = {"configurable": {"thread_id": session_id}}
        budget = (
            Budget.starting_now(self.question_budget_s)
            if self.question_budget_s is not None
            else None
        )
        return state, config, QuestionContext(self.deps, budget)

    async def ask(self, request: AskRequest) -> AskResponse:
        state, config, context = self._input(request)
        started = time.perf_counter()
        final: dict[str, Any] = await self.graph.ainvoke(state, config, context=context)
        return to_response(final, (time.perf_counter() - started) * 1000)

    async def stream(self, request: AskRequest) -> AsyncIterator[tuple[str, dict[str, Any]]]:
        """``("step", {...})`` as each node finishes, then ``("result", response)``."""
        state, config, context = self._input(request)
        started = time.perf_counter()
        started_step = StepEvent(step="understand", status="started", detail=request.question)
        yield "step", started_step.model_dump()
        language = "en"
        async for update in self.graph.astream(
            state, config, context=context, stream_mode="updates"
        ):
            for node, values in update.items():
                plan = (values or {}).get("plan")
                language = plan.get("language", language) if plan else language
                detail = step_detail(node, values, language)
                yield "step", StepEvent(step=node, status="done", detail=detail).model_dump()
        snapshot = await self.graph.aget_state(config)
        total_ms = (time.perf_counter() - started) * 1000
        yield "result", to_response(snapshot.values, total_ms).model_dump(mode="json")


def step_detail(node: str, values: dict[str, Any] | None, language: str) -> str:
    """What a finished step found, in the question's language (streamed to the UI)."""
    values = values or {}
    if node == "understand" and values.get("plan"):
        plan = values["plan"]
        services = ", ".join(plan["services"]) or word("*", language)
        what = word(plan["intent"], language)
        return phrase("step.understood", language, what=what, services=services)
    if node in ("execute", "correlate"):
        return phrase("step.queries", language, count=len(values.get("queries") or []))
    return ""


def to_response(state: dict[str, Any], total_ms: float) -> AskResponse:
    """The final graph state as the wire response."""
    timings = dict(state.get("timings") or {})
    timings["backend_ms"] = state.get("backend_ms", 0.0)
    timings["total_ms"] = round(total_ms, 2)
    plan = state["plan"]
    return AskResponse(
        session_id=state["session_id"],
        question=state["question"],
        language=plan.get("language", "en"),
        plan=plan,
        queries=state.get("queries") or [],
        evidence=state.get("evidence") or {},
        correlation=state.get("correlation") or {},
        incidents=state.get("incidents") or [],
        answer=state.get("answer", ""),
        missing=state.get("missing") or [],
        timings=Timings(**{k: v for k, v in timings.items() if k in Timings.model_fields}),
        llm={k: v for k, v in (state.get("llm") or {}).items()},
    )
