"""Ground truth: what the scenario wrote into each backend, counted as it was written.

``truth.json`` holds per-service, per-minute counts (requests and 5xx as written to
Prometheus, log lines per level in each log index, spans), the duration of every written
trace per service it touched, every failed trace, the pods' restarts and the events. Helper
methods sum any minute-aligned window, so tests and evaluations compute their expected
numbers instead of typing them in::

    truth = GroundTruth.load(out_dir / "truth.json")
    truth.error_logs("order-service", truth.now - timedelta(hours=3), truth.now)
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field

LogSink = Literal["container", "otel"]
Level = Literal["ERROR", "WARN", "INFO"]
LEVELS: tuple[Level, ...] = ("ERROR", "WARN", "INFO")
SINKS: tuple[LogSink, ...] = ("container", "otel")


class FaultTruth(BaseModel):
    type: str
    root_cause_service: str
    dependency: str | None = None
    pod: str | None = None
    start: dt.datetime
    end: dt.datetime
    affected_services: list[str]
    note: str = ""


class FailedTrace(BaseModel):
    trace_id: str
    minute: int
    root_service: str
    root_operation: str
    request_failed: bool = Field(description="False when only an optional call failed.")
    origin_service: str | None = Field(description="Where the errors start (the one to blame).")
    origin_dependency: str | None = Field(description="The unreachable dependency, if any.")
    error_services: list[str] = Field(description="Services with an error span in the trace.")


class ServiceSeries(BaseModel):
    """Per-minute counts of one service (index ``i`` is minute ``start + i``).

    Log lines count in the minute of their timestamp; spans and traces in the minute their
    trace started (a request's spans and logs stay inside the minute it started in).
    """

    requests: list[int] = Field(description="Requests it served (istio, reporter=destination).")
    errors: list[int] = Field(description="Of those, answered 5xx.")
    latency_sum_ms: list[float]
    latency_buckets: list[list[int]] = Field(description="Cumulative counts per ``le``.")
    logs: dict[str, dict[str, list[int]]] = Field(description="sink -> level -> lines.")
    spans: list[int]
    trace_durations_ns: list[tuple[int, int]] = Field(
        description="(minute, longest span of this service) for every written trace touching it."
    )


class PodTruth(BaseModel):
    name: str
    service: str
    node: str
    exists: bool
    restarts: int
    last_termination_reason: str | None
    state: str = Field(description="Running or CrashLoopBackOff at now.")
    ready: bool
    restart_times: list[dt.datetime]


class EventTruth(BaseModel):
    namespace: str
    object_kind: str
    object_name: str
    reason: str
    message: str
    type: str
    count: int
    first: dt.datetime
    last: dt.datetime


Moment = dt.datetime | int


class GroundTruth(BaseModel):
    scenario: str
    namespace: str
    seed: int
    now: dt.datetime
    start: dt.datetime
    minutes: int
    metrics_step_s: int
    services: list[str]
    calls: list[tuple[str, str]]
    indices: dict[str, str] = Field(description="Kind -> index pattern written.")
    documents: dict[str, int] = Field(description="Index -> documents written.")
    bucket_le: list[str]
    faults: list[FaultTruth]
    series: dict[str, ServiceSeries]
    root_durations_ns: list[tuple[int, int]] = Field(description="(minute, trace duration).")
    failed_traces: list[FailedTrace]
    pods: list[PodTruth]
    events: list[EventTruth]

    @classmethod
    def load(cls, path: Path) -> GroundTruth:
        return cls.model_validate_json(Path(path).read_bytes())

    # ------------------------------------------------------------------ windows

    def minute_of(self, moment: Moment) -> int:
        """Minute index of a minute-aligned time (datetime or epoch ms), clamped to history."""
        if isinstance(moment, dt.datetime):
            moment = int(moment.timestamp() * 1000)
        offset = moment - int(self.start.timestamp() * 1000)
        if offset % 60_000:
            raise ValueError("ground-truth windows must start and end on whole minutes")
        return max(0, min(self.minutes, offset // 60_000))

    def window(self, start: Moment | None = None, end: Moment | None = None) -> range:
        """Minute indices of ``[start, end)`` (default: the whole history)."""
        first = 0 if start is None else self.minute_of(start)
        last = self.minutes if end is None else self.minute_of(end)
        return range(first, last)

    def _sum(self, values: list[int], start: Moment | None, end: Moment | None) -> int:
        return sum(values[i] for i in self.window(start, end))

    # ------------------------------------------------------------------ helpers

    def requests(self, service: str, start: Moment | None = None, end: Moment | None = None) -> int:
        return self._sum(self.series[service].requests, start, end)

    def errors(self, service: str, start: Moment | None = None, end: Moment | None = None) -> int:
        """5xx responses of ``service`` in the window."""
        return self._sum(self.series[service].errors, start, end)

    def logs(
        self,
        service: str,
        level: Level,
        start: Moment | None = None,
        end: Moment | None = None,
        sink: LogSink = "container",
    ) -> int:
        return self._sum(self.series[service].logs[sink][level], start, end)

    def error_logs(
        self,
        service: str,
        start: Moment | None = None,
        end: Moment | None = None,
        sink: LogSink = "container",
    ) -> int:
        """ERROR lines of ``service`` in the container-log (or OTel-log) index."""
        return self.logs(service, "ERROR", start, end, sink)

    def slow_traces(
        self,
        service: str | None,
        min_ms: float,
        start: Moment | None = None,
        end: Moment | None = None,
    ) -> int:
        """Written traces with a span of ``service`` (any span if None) lasting >= ``min_ms``."""
        minutes = self.window(start, end)
        rows = (
            self.root_durations_ns if service is None else self.series[service].trace_durations_ns
        )
        threshold = round(min_ms * 1_000_000)
        return sum(1 for minute, ns in rows if ns >= threshold and minute in minutes)

    def failed_trace_ids(
        self,
        service: str | None = None,
        start: Moment | None = None,
        end: Moment | None = None,
        origin: str | None = None,
    ) -> list[str]:
        """Trace ids with an error span (of ``service`` if given; errors starting at ``origin``)."""
        minutes = self.window(start, end)
        return [
            t.trace_id
            for t in self.failed_traces
            if t.minute in minutes
            and (service is None or service in t.error_services)
            and (origin is None or t.origin_service == origin)
        ]

    def spans(self, service: str, start: Moment | None = None, end: Moment | None = None) -> int:
        return self._sum(self.series[service].spans, start, end)

    def pod(self, name: str) -> PodTruth:
        return next(p for p in self.pods if p.name == name)

    def restarted_pods(self) -> list[PodTruth]:
        return [p for p in self.pods if p.restarts > 0 and p.exists]

    def fault(self, fault_type: str) -> FaultTruth:
        return next(f for f in self.faults if f.type == fault_type)

    def minute_start(self, minute: int) -> dt.datetime:
        return self.start + dt.timedelta(minutes=minute)
