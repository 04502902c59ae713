"""The wire models of the agent service: what a question sends and what an answer carries.

The UI, the JSON-RPC/MCP ``ask`` tool and ``opslens ask --json`` all return
:class:`AskResponse`, so every caller sees the plan, the queries with their native text, the
evidence, the correlation and the timings, not only the answer.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from opslens.agent.plan import Plan

Level = Literal["error", "warn", "info", "debug"]
YEARS = range(1970, 9000)


def _in_range(moment: datetime) -> datetime:
    # Window arithmetic near year 1 or 9999 overflows Python's datetime.
    if moment.year not in YEARS:
        raise ValueError(f"the year must be between {YEARS.start} and {YEARS.stop - 1}")
    return moment


Moment = Annotated[
    AwareDatetime,
    AfterValidator(_in_range),
    Field(json_schema_extra={"pattern": r"^(19[7-9][0-9]|[2-8][0-9]{3})-"}),
]


class Filters(BaseModel):
    """Sidebar filters that override what the question said."""

    model_config = ConfigDict(extra="forbid")

    services: list[str] | None = Field(default=None, max_length=50)
    level: Level | None = None
    namespace: str | None = Field(default=None, max_length=253)
    start: Moment | None = None
    end: Moment | None = None

    @model_validator(mode="after")
    def _window_is_ordered(self) -> Filters:
        if self.start and self.end and self.end <= self.start:
            raise ValueError("end must be after start")
        return self


class AskRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    question: str = Field(min_length=1, max_length=2000, description="In English or Korean.")
    session_id: str | None = Field(
        default=None,
        max_length=128,
        pattern=r"^[A-Za-z0-9._:-]+$",
        description="Conversation id: follow-ups reuse the previous question's services and time.",
    )
    now: Moment | None = Field(
        default=None, description="Pin 'the current time' for reproducible answers."
    )
    filters: Filters | None = None


class QueryRecord(BaseModel):
    backend: str
    tool: str
    params: dict[str, Any]
    native: str = Field(description="The exact query: OpenSearch request, PromQL or API call.")
    ok: bool
    ms: float
    error: str | None = None


class LogRecord(BaseModel):
    timestamp: str
    service: str | None = None
    level: str | None = None
    message: str
    pod: str | None = None
    namespace: str | None = None
    trace_id: str | None = None
    span_id: str | None = None


class ServiceCount(BaseModel):
    service: str
    count: int


class PatternRecord(BaseModel):
    template: str
    count: int
    example: str | None = None


class LogEvidence(BaseModel):
    records: list[LogRecord] = Field(default_factory=list)
    total: int = 0
    truncated: bool = False
    by_service: list[ServiceCount] = Field(default_factory=list)
    patterns: list[PatternRecord] = Field(default_factory=list)


class TraceSummaryRecord(BaseModel):
    trace_id: str
    root_service: str | None = None
    root_operation: str | None = None
    start: str | None = None
    duration_ms: float
    span_count: int
    error_count: int
    services: list[str] = Field(default_factory=list)


class SpanRecord(BaseModel):
    span_id: str
    parent_id: str | None = None
    service: str
    name: str
    start: str
    duration_ms: float
    self_ms: float
    error: bool
    status_message: str | None = None
    peer: str | None = Field(default=None, description="The remote side of a client span.")


class TraceTreeRecord(BaseModel):
    trace_id: str
    spans: list[SpanRecord]
    critical_path: list[str] = Field(default_factory=list, description="Span ids, root first.")

    @property
    def error_spans(self) -> list[SpanRecord]:
        return [span for span in self.spans if span.error]


class TraceEvidence(BaseModel):
    summaries: list[TraceSummaryRecord] = Field(default_factory=list)
    trees: list[TraceTreeRecord] = Field(default_factory=list)
    truncated: bool = False
    threshold_ms: float | None = None


class SeriesRecord(BaseModel):
    name: str
    labels: dict[str, str] = Field(default_factory=dict)
    points: list[tuple[float, float]] = Field(default_factory=list)
    promql: str
    unit: str = ""


class WindowMark(BaseModel):
    start: str
    end: str
    label: str


class ServiceMeasureRecord(BaseModel):
    """One service's value of the measure a fleet question ranks."""

    service: str
    value: float | None = Field(description="In the measure's unit (ratio 0..1, ms, req/s).")
    passes: bool = Field(default=True, description="Passes the question's threshold, if any.")


class FleetRecord(BaseModel):
    """Every service ranked by one measure over the window, with the threshold applied."""

    measure: str
    unit: str
    order: Literal["desc", "asc"] = "desc"
    threshold: str | None = Field(default=None, description="As asked, e.g. 'above 5%'.")
    services: list[ServiceMeasureRecord] = Field(default_factory=list, description="Ranked.")
    top: int | None = Field(default=None, description="How many of the ranking were asked for.")
    promql: str = ""


class WindowComparisonRecord(BaseModel):
    """One measure of one service (or all) in the question's window and in the baseline."""

    service: str = Field(description="'*' for all services together.")
    measure: str
    unit: str
    current: float | None
    baseline: float | None
    change_percent: float | None = None
    significant: bool = Field(description="Big enough to matter, not noise.")
    start: AwareDatetime
    end: AwareDatetime
    baseline_start: AwareDatetime
    baseline_end: AwareDatetime


class MetricEvidence(BaseModel):
    series: list[SeriesRecord] = Field(default_factory=list)
    anomaly_windows: list[WindowMark] = Field(default_factory=list)
    fleet: FleetRecord | None = None
    comparisons: list[WindowComparisonRecord] = Field(default_factory=list)


class PodRecord(BaseModel):
    namespace: str
    name: str
    status: str
    restarts: int
    last_termination_reason: str | None = None
    node: str | None = None
    service: str | None = None


class EventRecord(BaseModel):
    namespace: str
    object: str
    reason: str
    message: str
    type: str
    count: int
    last_seen: str | None = None


class FindingRecord(BaseModel):
    object: str
    kind: str
    severity: str
    title: str
    explanation: str


class KubeEvidence(BaseModel):
    pods: list[PodRecord] = Field(default_factory=list)
    events: list[EventRecord] = Field(default_factory=list)
    findings: list[FindingRecord] = Field(default_factory=list)


class Evidence(BaseModel):
    logs: LogEvidence | None = None
    traces: TraceEvidence | None = None
    metrics: MetricEvidence | None = None
    k8s: KubeEvidence | None = None


class OriginRecord(BaseModel):
    service: str
    traces: int
    operation: str
    message: str | None = None
    dependency: str | None = None


class SlowServiceRecord(BaseModel):
    service: str
    self_ms: float
    share: float


class LinkRecord(BaseModel):
    source: str
    target: str
    relation: str


class CorrelationRecord(BaseModel):
    trace_ids_from_logs: list[str] = Field(default_factory=list)
    traces_found: int = 0
    traces_missing: list[str] = Field(default_factory=list)
    origins: list[OriginRecord] = Field(default_factory=list)
    root_cause: str | None = None
    slow_services: list[SlowServiceRecord] = Field(default_factory=list)
    links: list[LinkRecord] = Field(default_factory=list)


class AnomalyRecord(BaseModel):
    """One abnormal measure of an incident, as the report detectors found it."""

    signal: str = Field(description="metrics, logs, traces or kubernetes.")
    kind: str = Field(description="error_ratio, latency_p95, memory, new_error_type, ...")
    service: str | None = None
    subject: str | None = Field(default=None, description="Pod, operation or template.")
    what: str = Field(description="The measure, in the answer's language.")
    peak: str | None = Field(default=None, description="Its most abnormal value, with unit.")
    normal: str | None = Field(default=None, description="Its usual value, with unit.")
    start: AwareDatetime
    end: AwareDatetime
    score: float = Field(description="Above 1.0 is anomalous.")
    query: str = Field(default="", description="The native query to reproduce it.")


class CandidateRecord(BaseModel):
    """One possible root cause of an incident, most likely first."""

    service: str
    rank: int
    score: float
    cause: str = Field(
        default="", description="What in it moved: 'payment-service: CPU', the code, the network."
    )
    evidence: str = Field(
        description="The numbers that ranked it: 'error ratio 38.0% (normal 0.1%, score 23.0)'."
    )
    numbers: list[str] = Field(default_factory=list, description="The same, one per finding.")
    reasons: list[str] = Field(default_factory=list, description="Why it ranks here.")


class IncidentRecord(BaseModel):
    """Anomalies that overlap in time, with their services and ranked root-cause candidates."""

    id: str
    start: AwareDatetime
    end: AwareDatetime
    ongoing: bool = Field(description="Still abnormal at the end of the window.")
    services: list[str]
    signals: list[str] = Field(description="Signals that saw it: metrics, logs, traces, ...")
    root_cause: str | None = None
    candidates: list[CandidateRecord] = Field(default_factory=list)
    anomalies: list[AnomalyRecord] = Field(default_factory=list, description="Strongest first.")
    trace_id: str | None = Field(default=None, description="A failing or slow trace of it.")


class Timings(BaseModel):
    understand_ms: float = 0.0
    execute_ms: float = 0.0
    correlate_ms: float = 0.0
    answer_ms: float = 0.0
    backend_ms: float = 0.0
    total_ms: float = 0.0


class LlmRecord(BaseModel):
    calls: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    fallbacks: list[str] = Field(default_factory=list)


class AskResponse(BaseModel):
    session_id: str
    question: str
    language: Literal["en", "ko"]
    plan: Plan = Field(description="What the question was understood to ask, field by field.")
    queries: list[QueryRecord] = Field(default_factory=list)
    evidence: Evidence = Field(default_factory=Evidence)
    correlation: CorrelationRecord = Field(default_factory=CorrelationRecord)
    incidents: list[IncidentRecord] = Field(
        default_factory=list, description="What the anomaly check found, most recent first."
    )
    answer: str
    missing: list[str] = Field(default_factory=list)
    timings: Timings = Field(default_factory=Timings)
    llm: LlmRecord = Field(default_factory=LlmRecord)


class StepEvent(BaseModel):
    """One step of the agent, streamed while it works (``event: step`` of ``/v1/ask/stream``)."""

    step: str = Field(description="The graph's node, e.g. understand, execute, correlate.")
    status: Literal["started", "done"]
    detail: str = Field(default="", description="What the step found, in the question's language.")


class ServiceCatalog(BaseModel):
    """Services and namespaces the backends know (``/v1/services``)."""

    services: list[str]
    namespaces: list[str]


class BackendStatus(BaseModel):
    """One MCP server's readiness as the agent sees it."""

    status: Literal["ready", "unavailable"]
    url: str
    detail: str | None = Field(default=None, description="Why, when not ready.")


class AgentStatus(BaseModel):
    """The agent's connection status (``/v1/status``)."""

    agent: Literal["ok"] = "ok"
    backends: dict[str, BackendStatus]
