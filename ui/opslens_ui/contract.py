"""The agent service's HTTP contract as the UI reads it: requests, answers, progress, status.

Models are lenient on purpose (unknown fields are ignored, most fields have defaults) so a newer
agent that adds fields does not break an older UI. Timestamps stay ISO-8601 strings here; the
views parse them where they draw on a time axis.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

LogLevel = Literal["error", "warn", "info", "debug"]
Backend = Literal["opensearch", "prometheus", "kubernetes"]


class WireModel(BaseModel):
    model_config = ConfigDict(extra="ignore")


class Filters(WireModel):
    """Sidebar refinements applied on top of what the question says (None = as asked)."""

    services: list[str] | None = None
    level: LogLevel | None = None
    namespace: str | None = None
    start: str | None = None
    end: str | None = None

    @property
    def is_empty(self) -> bool:
        return not any(self.model_dump().values())


class AskRequest(WireModel):
    question: str
    session_id: str | None = None
    now: str | None = None
    filters: Filters | None = None


class Plan(WireModel):
    intent: str | None = None
    services: list[str] = Field(default_factory=list)
    namespace: str | None = None
    pod: str | None = None
    level: str | None = None
    start: str | None = None
    end: str | None = None
    window_defaulted: bool = False
    text: str | None = None
    trace_id: str | None = None
    min_duration_ms: float | None = None
    slow: bool = False
    metric: str | None = None
    language: str | None = None
    follow_up: bool = False
    confidence: float | None = None
    unknown_services: list[str] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)


class QueryRun(WireModel):
    """One tool call the agent made, with the exact native query so a person can rerun it."""

    backend: str
    tool: str
    params: dict[str, Any] = Field(default_factory=dict)
    native: str = ""
    ok: bool = True
    ms: float = 0.0
    error: str | None = None


class LogRecord(WireModel):
    timestamp: str
    service: str | None = None
    level: str | None = None
    message: str = ""
    pod: str | None = None
    namespace: str | None = None
    trace_id: str | None = None
    span_id: str | None = None


class ServiceCount(WireModel):
    service: str
    count: int


class LogPattern(WireModel):
    template: str
    count: int
    example: str | None = None


class LogEvidence(WireModel):
    records: list[LogRecord] = Field(default_factory=list)
    total: int = 0
    truncated: bool = False
    by_service: list[ServiceCount] = Field(default_factory=list)
    patterns: list[LogPattern] = Field(default_factory=list)


class TraceSummary(WireModel):
    trace_id: str
    root_service: str | None = None
    root_operation: str | None = None
    start: str | None = None
    duration_ms: float = 0.0
    span_count: int = 0
    error_count: int = 0
    services: list[str] = Field(default_factory=list)


class SpanRecord(WireModel):
    span_id: str
    parent_id: str | None = None
    service: str = ""
    name: str = ""
    start: str
    duration_ms: float = 0.0
    self_ms: float | None = None
    error: bool = False
    status_message: str | None = None
    peer: str | None = None  # the remote side of a client span, e.g. postgres


class TraceTree(WireModel):
    trace_id: str
    spans: list[SpanRecord] = Field(default_factory=list)
    critical_path: list[str] = Field(default_factory=list)


class TraceEvidence(WireModel):
    summaries: list[TraceSummary] = Field(default_factory=list)
    trees: list[TraceTree] = Field(default_factory=list)
    truncated: bool = False
    threshold_ms: float | None = None


class MetricSeries(WireModel):
    name: str
    labels: dict[str, str] = Field(default_factory=dict)
    points: list[tuple[float, float | None]] = Field(default_factory=list)
    promql: str = ""
    unit: str | None = None


class AnomalyWindow(WireModel):
    start: str
    end: str
    label: str | None = None


class ServiceMeasure(WireModel):
    service: str
    value: float | None = None
    passes: bool = True


class Fleet(WireModel):
    """Every service ranked by one measure, the threshold applied (a fleet question)."""

    measure: str
    unit: str = ""
    order: str = "desc"
    threshold: str | None = None
    services: list[ServiceMeasure] = Field(default_factory=list)
    top: int | None = None
    promql: str = ""

    @property
    def shown(self) -> list[ServiceMeasure]:
        """The ranking as asked: its first ``top`` services when the question named a number."""
        return self.services[: self.top] if self.top else self.services


class WindowComparison(WireModel):
    """One measure in the question's window beside the baseline window."""

    service: str
    measure: str
    unit: str = ""
    current: float | None = None
    baseline: float | None = None
    change_percent: float | None = None
    significant: bool = False
    start: str
    end: str
    baseline_start: str
    baseline_end: str


class MetricEvidence(WireModel):
    series: list[MetricSeries] = Field(default_factory=list)
    anomaly_windows: list[AnomalyWindow] = Field(default_factory=list)
    fleet: Fleet | None = None
    comparisons: list[WindowComparison] = Field(default_factory=list)


class PodRecord(WireModel):
    namespace: str | None = None
    name: str
    status: str | None = None
    restarts: int = 0
    last_termination_reason: str | None = None
    node: str | None = None
    service: str | None = None


class EventRecord(WireModel):
    namespace: str | None = None
    object: str | None = None
    reason: str | None = None
    message: str | None = None
    type: str | None = None
    count: int | None = None
    last_seen: str | None = None


class Finding(WireModel):
    object: str | None = None
    kind: str | None = None
    severity: str | None = None
    title: str = ""
    explanation: str | None = None


class KubeEvidence(WireModel):
    pods: list[PodRecord] = Field(default_factory=list)
    events: list[EventRecord] = Field(default_factory=list)
    findings: list[Finding] = Field(default_factory=list)


class Evidence(WireModel):
    logs: LogEvidence | None = None
    traces: TraceEvidence | None = None
    metrics: MetricEvidence | None = None
    k8s: KubeEvidence | None = None


class Origin(WireModel):
    service: str
    traces: int = 0
    operation: str | None = None
    message: str | None = None
    dependency: str | None = None


class SlowService(WireModel):
    service: str
    self_ms: float = 0.0
    share: float = 0.0


class Link(WireModel):
    source: str
    target: str
    relation: str = ""


class Correlation(WireModel):
    trace_ids_from_logs: list[str] = Field(default_factory=list)
    traces_found: int = 0
    traces_missing: list[str] = Field(default_factory=list)
    origins: list[Origin] = Field(default_factory=list)
    root_cause: str | None = None
    slow_services: list[SlowService] = Field(default_factory=list)
    links: list[Link] = Field(default_factory=list)


class IncidentAnomaly(WireModel):
    """One abnormal measure of an incident (texts in the answer's language)."""

    signal: str = ""
    kind: str = ""
    service: str | None = None
    subject: str | None = None
    what: str = ""
    peak: str | None = None
    normal: str | None = None
    start: str | None = None
    end: str | None = None
    score: float = 0.0
    query: str = ""


class IncidentCandidate(WireModel):
    """A possible root cause, with what points at it."""

    service: str
    rank: int = 0
    score: float = 0.0
    cause: str = ""
    evidence: str = ""
    reasons: list[str] = Field(default_factory=list)


class Incident(WireModel):
    """What an anomaly check found: when, which services, and the likely root cause."""

    id: str = ""
    start: str | None = None
    end: str | None = None
    ongoing: bool = False
    services: list[str] = Field(default_factory=list)
    signals: list[str] = Field(default_factory=list)
    root_cause: str | None = None
    candidates: list[IncidentCandidate] = Field(default_factory=list)
    anomalies: list[IncidentAnomaly] = Field(default_factory=list)
    trace_id: str | None = None


class LlmUsage(WireModel):
    calls: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    fallbacks: list[str] = Field(default_factory=list)


class AskResponse(WireModel):
    """One answered question with everything behind it."""

    session_id: str
    question: str
    language: str = "en"
    plan: Plan = Field(default_factory=Plan)
    queries: list[QueryRun] = Field(default_factory=list)
    evidence: Evidence = Field(default_factory=Evidence)
    correlation: Correlation = Field(default_factory=Correlation)
    incidents: list[Incident] = Field(default_factory=list)  # older agents send none
    answer: str = ""
    missing: list[str] = Field(default_factory=list)
    timings: dict[str, float] = Field(default_factory=dict)
    llm: LlmUsage = Field(default_factory=LlmUsage)


class StepEvent(WireModel):
    """Progress of one step of the agent, streamed while it works (e.g. ``understand``)."""

    step: str
    status: Literal["started", "done"]
    detail: str = ""


class ServiceCatalog(WireModel):
    services: list[str] = Field(default_factory=list)
    namespaces: list[str] = Field(default_factory=list)


class BackendStatus(WireModel):
    status: str
    url: str | None = None
    detail: str | None = None


class AgentStatus(WireModel):
    agent: str
    backends: dict[str, BackendStatus] = Field(default_factory=dict)


class ReportSummary(WireModel):
    id: str
    created_at: str | None = None
    window_start: str | None = None
    window_end: str | None = None
    title: str = ""
    incidents: int = 0
    language: str | None = None


class ReportList(WireModel):
    reports: list[ReportSummary] = Field(default_factory=list)


class AlertInvestigation(WireModel):
    """One alert group's investigation, as the reports server keeps it."""

    id: str
    alertname: str = ""
    labels: dict[str, str] = Field(default_factory=dict)
    fingerprints: list[str] = Field(default_factory=list)
    state: str = ""
    starts_at: str | None = None
    received_at: str | None = None
    finished_at: str | None = None
    report_id: str | None = None
    root_cause: str | None = None
    error: str | None = None
    resolved_at: str | None = None
    duration_s: float | None = None


class AlertInvestigationList(WireModel):
    investigations: list[AlertInvestigation] = Field(default_factory=list)
    total: int = 0
