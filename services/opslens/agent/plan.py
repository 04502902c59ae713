"""The plan: what a question asks for, as structured fields every later step reads.

A plan is produced by the offline planner (:mod:`opslens.agent.understanding`) or refined by a
model, travels in every response, and drives which tools run with which arguments. It holds
values only, never query syntax: the tools build and escape their own queries.

Example::

    >>> from opslens.agent.understanding import OfflinePlanner
    >>> planner = OfflinePlanner(["order-service"], timezone="Asia/Seoul")
    >>> plan = planner.plan("order-service 에러 로그 지난 3시간", datetime(2026, 11, 25, 14, 30))
    >>> plan.intent, plan.services, plan.level, plan.window
    ('logs', ['order-service'], 'error', datetime.timedelta(seconds=10800))
    >>> plan.model_dump(mode="json")["start"]  # ISO-8601 with the configured zone's offset
    '2026-11-25T11:30:00+09:00'
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Literal, get_args

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_serializer, model_validator

from opslens.shared.language import Language

Intent = Literal["logs", "traces", "metrics", "k8s", "correlate", "anomaly", "unknown"]
"""What kind of answer is asked for.

``correlate`` is logs and traces together (root cause, "what happened"); ``anomaly`` is an
open question about the whole platform ("is anything wrong?")."""

Level = Literal["error", "warn", "info", "debug"]
"""Log severity, least to most severe: debug, info, warn, error."""

Metric = Literal[
    "cpu",
    "memory",
    "network",
    "request_rate",
    "error_rate",
    "latency_p50",
    "latency_p90",
    "latency_p95",
    "latency_p99",
    "latency_avg",
    "restarts",
]
"""The metric asked for. A latency without a percentile means ``latency_p95``; a success rate
is answered as ``error_rate``; ``network`` is bytes received and sent."""


GroupBy = Literal["service"]
"""A breakdown asked for: "which services ...", "per service", "서비스별"."""

Order = Literal["desc", "asc"]
"""How a breakdown is ranked: highest/most first (``desc``) or lowest/least first (``asc``)."""

ThresholdUnit = Literal["percent", "ms", "count", "req/s"]


class Threshold(BaseModel):
    """A limit a value must pass: "above 5%", "over 300 ms", "more than 100 errors"."""

    model_config = ConfigDict(extra="forbid")

    comparison: Literal["above", "below"] = "above"
    value: float = Field(ge=0)
    unit: ThresholdUnit

    def passes(self, value: float) -> bool:
        """Whether ``value`` (in the threshold's own unit) passes."""
        return value > self.value if self.comparison == "above" else value < self.value


INTENTS: tuple[Intent, ...] = get_args(Intent)
LEVELS: tuple[Level, ...] = get_args(Level)
METRICS: tuple[Metric, ...] = get_args(Metric)


class Plan(BaseModel):
    """One question understood: intent, scope, time window and filters.

    ``start``/``end`` are timezone-aware and serialize as ISO-8601 with an offset
    (``2026-11-25T10:00:00+09:00``). ``window_defaulted`` says the question gave no time and
    the window is the intent's default; ``slow`` says "slow" was asked without a number, so the
    threshold is the service's own p95 (computed by whoever runs the plan).
    """

    model_config = ConfigDict(extra="forbid")

    intent: Intent = "unknown"
    services: list[str] = Field(default_factory=list, description="Known services asked about.")
    namespace: str | None = None
    pod: str | None = None
    level: Level | None = None
    start: AwareDatetime
    end: AwareDatetime
    window_defaulted: bool = False
    text: str | None = Field(default=None, description="Text to search for, verbatim.")
    trace_id: str | None = None
    min_duration_ms: float | None = Field(default=None, ge=0)
    slow: bool = False
    root_cause: bool = Field(
        default=False,
        description="A correlated question asking for the root cause or what happened "
        "('root cause', '원인', '무슨 일'): the answer ranks the causes as the reports do.",
    )
    metric: Metric | None = None
    group_by: GroupBy | None = Field(
        default=None, description="Break the answer down per service (a fleet question)."
    )
    order: Order | None = Field(default=None, description="Rank of the breakdown.")
    top: int | None = Field(
        default=None, ge=1, le=100, description="Only the first N of the ranking: 'top 3'."
    )
    threshold: Threshold | None = Field(
        default=None, description="Keep only what passes it (metrics and per-service counts)."
    )
    baseline_start: AwareDatetime | None = Field(
        default=None, description="Start of the window to compare with ('than 3 hours ago')."
    )
    baseline_end: AwareDatetime | None = None
    operation: str | None = Field(
        default=None, description="Endpoint or route, verbatim: 'POST /api/checkout'."
    )
    status: str | None = Field(
        default=None, description="HTTP status or class asked about: '503', '5xx'."
    )
    unexpressed: list[str] = Field(
        default_factory=list,
        description="Words of the question no plan field took (a threshold, a comparison, ...).",
    )
    language: Language = "en"
    follow_up: bool = Field(default=False, description="Context came from the previous plan.")
    confidence: float = Field(default=0.5, ge=0, le=1)
    unknown_services: list[str] = Field(
        default_factory=list, description="Names that look like services but match none known."
    )
    notes: list[str] = Field(default_factory=list, description="For the user, in their language.")

    @model_validator(mode="after")
    def _window_is_ordered(self) -> Plan:
        if self.end.astimezone(UTC) < self.start.astimezone(UTC):
            raise ValueError("end is before start")
        return self

    @model_validator(mode="after")
    def _baseline_is_whole(self) -> Plan:
        if (self.baseline_start is None) != (self.baseline_end is None):
            raise ValueError("a baseline needs both baseline_start and baseline_end")
        if self.baseline_start and self.baseline_end and self.baseline_end < self.baseline_start:
            raise ValueError("baseline_end is before baseline_start")
        return self

    @field_serializer("start", "end", "baseline_start", "baseline_end", when_used="json")
    def _iso_with_offset(self, value: datetime | None) -> str | None:
        return value.isoformat() if value is not None else None

    @property
    def window(self) -> timedelta:
        """``end - start`` as elapsed time (correct across daylight-saving changes)."""
        return self.end.astimezone(UTC) - self.start.astimezone(UTC)
