"""The agent's graph state: one question in, one answer with its evidence out.

A conversation is a LangGraph thread: the checkpointer keeps the state between questions, so
the next question's planner sees the previous ``plan`` and a follow-up ("그 서비스의 메모리는?")
reuses its services and window. Every other field is reset when a new question starts.
"""

from __future__ import annotations

from typing import Any, TypedDict


class AskInput(TypedDict, total=False):
    """What a caller provides for one question."""

    question: str
    now: str  # ISO-8601 with offset; pins "the current time"
    session_id: str | None
    filters: dict[str, Any] | None  # sidebar overrides of the plan (services, level, ...)


class AgentState(AskInput, total=False):
    plan: dict[str, Any]  # the Plan (JSON-safe); the previous question's until `understand`
    known_services: list[str]
    facts: list[dict[str, Any]]  # {key, values}: what the evidence established
    queries: list[dict[str, Any]]  # QueryRecord dumps, in the order the calls were made
    evidence: dict[str, Any]  # Evidence dump: logs / traces / metrics / k8s
    correlation: dict[str, Any]  # CorrelationRecord dump
    incidents: list[dict[str, Any]]  # IncidentRecord dumps (anomaly questions)
    missing: list[str]  # what could not be fetched (backend down, ...)
    backend_ms: float  # wall time spent waiting for tool calls
    answer: str
    timings: dict[str, float]  # milliseconds per step
    llm: dict[str, Any]  # model calls and tokens
