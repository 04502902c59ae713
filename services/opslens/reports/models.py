"""What a report is made of: anomalies with their evidence, incidents, ranked causes.

These are the stored and returned shapes (pydantic, JSON-safe); Korean text stays as is.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

Signal = Literal["metrics", "logs", "traces", "kubernetes"]
Server = Literal["prometheus", "opensearch", "kubernetes"]
Direction = Literal["up", "down"]
BaselineMode = Literal["trailing", "seasonal", "reference", "self", "none"]


class Chart(BaseModel):
    """A series to draw, with the band of normal values around it."""

    timestamps: list[float] = Field(description="Unix seconds.")
    values: list[float | None]
    band_low: list[float | None] = Field(default_factory=list)
    band_high: list[float | None] = Field(default_factory=list)
    unit: str = ""


class Evidence(BaseModel):
    """How to reproduce a finding: the tool call and the native query it ran."""

    server: Server
    tool: str
    params: dict[str, Any] = Field(description="The tool's arguments, to rerun it with opslens.")
    query: str = Field(description="PromQL, OpenSearch request or Kubernetes API request.")
    details: list[str] = Field(default_factory=list, description="Facts worth quoting.")
    chart: Chart | None = None


class Anomaly(BaseModel):
    """Something abnormal in one signal of one service, with a score above 1.0."""

    id: str
    signal: Signal
    kind: str = Field(description="error_ratio, latency_p95, memory, restarts, slo_burn, ...")
    service: str | None
    subject: str | None = Field(default=None, description="Pod, operation or template id.")
    score: float = Field(description="Normalised: above 1.0 means anomalous.")
    direction: Direction = "up"
    start: datetime
    end: datetime
    peak_at: datetime | None = None
    value: float | None = Field(default=None, description="Value at the peak.")
    baseline: float | None = Field(default=None, description="Typical value (median).")
    unit: str = ""
    baseline_mode: BaselineMode = "none"
    label: str = Field(default="", description="Short free text (template, finding, error).")
    facts: dict[str, float] = Field(
        default_factory=dict, description="Numbers behind the score, e.g. origin_spans."
    )
    evidence: Evidence

    @staticmethod
    def make_id(*parts: object) -> str:
        text = "|".join(str(part) for part in parts)
        return hashlib.blake2b(text.encode(), digest_size=6).hexdigest()


CauseArea = Literal["resource", "network", "code", "operation", "service", "kubernetes"]


class CauseEvidence(BaseModel):
    """One number that ranked a candidate, against its baseline, and what in the service moved.

    ``area`` is the fine-grained cause: a ``resource`` (``subject``: CPU, memory, a metric), the
    ``network`` to it (``subject``: the calling service), a ``code`` path (``subject``: the
    statement or span that stopped or appeared, in ``operation``), an ``operation``'s latency or
    errors (``subject``: the operation), the ``service`` as a whole, or ``kubernetes``."""

    signal: Signal
    kind: str = Field(description="cpu, error_ratio, call_gap, statement_stopped, ...")
    area: CauseArea
    subject: str = ""
    operation: str = ""
    value: float | None = None
    baseline: float | None = None
    unit: str = ""
    score: float = Field(description="Normalised: above 1.0 is anomalous, 2.0 convincing.")
    example: str = ""
    anomaly_id: str | None = None


class Candidate(BaseModel):
    """One possible root cause of an incident, ranked, with the evidence that ranked it
    (strongest first: the first is the fine-grained cause)."""

    service: str
    rank: int
    onset: datetime | None = None
    depth: int = Field(description="Call depth from the entry services (0: entry).")
    explained_by: list[str] = Field(
        default_factory=list, description="Anomalous callees that explain its symptoms."
    )
    reasons: list[str] = Field(description="Why it ranks here (codes; rendered per language).")
    anomaly_ids: list[str]
    score: float
    evidence: list[CauseEvidence] = Field(default_factory=list)

    @property
    def cause(self) -> CauseEvidence | None:
        return self.evidence[0] if self.evidence else None


class LogTemplate(BaseModel):
    service: str
    template: str
    count: int
    baseline_count: int
    new: bool | None
    example: str
    first_seen: datetime | None = None


class TraceExample(BaseModel):
    trace_id: str
    root_service: str | None
    root_operation: str | None
    duration_ms: float
    error_count: int
    critical_path: list[dict[str, Any]] = Field(description="service, operation, duration_ms.")
    errors: list[dict[str, Any]] = Field(description="service, operation, message, origin.")
    evidence: Evidence


class Incident(BaseModel):
    id: str
    start: datetime
    end: datetime
    services: list[str]
    anomalies: list[Anomaly]
    candidates: list[Candidate]
    raised_by: Literal["detectors", "findings"] = Field(
        default="detectors",
        description="detectors: anomalies with impact; findings: no detector alarmed, but what "
        "the window's requests or resources do moved convincingly against the baseline periods.",
    )
    log_templates: list[LogTemplate] = Field(default_factory=list)
    trace_example: TraceExample | None = None

    @property
    def root_cause(self) -> str | None:
        return self.candidates[0].service if self.candidates else None


class SignalStatus(BaseModel):
    """What a signal's collection did: the calls made and the failures met."""

    calls: int = 0
    failures: list[str] = Field(default_factory=list)
    baseline_mode: BaselineMode = "none"
    warnings: list[str] = Field(default_factory=list)
    """What could not be judged because the signal was missing or empty (not an error)."""


class Report(BaseModel):
    id: str
    schedule: str | None = None
    created_at: datetime
    window_start: datetime
    window_end: datetime
    baseline_start: datetime
    namespaces: list[str]
    language: Literal["en", "ko"]
    incidents: list[Incident]
    summary: str
    summary_source: Literal["llm", "template"]
    signals: dict[str, SignalStatus]
    duration_ms: float
    edges: list[tuple[str, str]] = Field(default_factory=list, description="caller -> callee.")

    @property
    def root_causes(self) -> list[str]:
        return [i.root_cause for i in self.incidents if i.root_cause]
