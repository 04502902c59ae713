"""What the collector fetched and the detectors read: plain data, no I/O.

Series carry the evidence to reproduce them (tool, arguments, native query); their points may
start before the report's window (the trailing baseline) and, for seasonal baselines, come with
the same window on earlier days.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from opslens.reports.models import BaselineMode, Evidence, SignalStatus
from opslens.reports.rootcause.ranking import Finding
from opslens_mcp.core.times import parse_duration

Period = tuple[datetime, datetime]
WARMUP_SHARE = 0.25


class Blame(NamedTuple):
    """An earlier report's incident, ``start`` to ``end``, and one service it held (one that
    moved in it, or its root cause)."""

    start: datetime
    end: datetime
    service: str

    def overlaps(self, period: Period) -> bool:
        return self.start < period[1] and period[0] < self.end


def covered_from(
    timestamps: list[float], values: list[float | None], window: str, step_s: float
) -> float | None:
    """The first moment whose ``window`` (a PromQL range such as ``5m``) is full of data, with
    one step of slack: the series' first value plus the window; None when it holds no value.

    Before it, ``rate(x[window])`` or a ratio over ``window`` comes from the first few samples
    only (a series' first minutes, or the start of the retained history) and reads low or
    noisy, which detectors would take for a drop or a burn. Read a series from at least one
    window before the moments judged, so that a series with older data is covered for all."""
    first = next((t for t, v in zip(timestamps, values, strict=True) if v is not None), None)
    return None if first is None else first + parse_duration(window) - step_s


@dataclass(frozen=True)
class Window:
    """The report's window, the trailing baseline before it, and an optional reference window
    used for logs and traces when the trailing baseline holds none (e.g. a known-good period)."""

    start: datetime
    end: datetime
    baseline_start: datetime
    reference: Period | None = None
    blamed: tuple[Blame, ...] = ()
    """Earlier incidents: a baseline period they overlap is not normal for the service blamed."""

    @property
    def seconds(self) -> float:
        return (self.end - self.start).total_seconds()

    def split(self, mode: BaselineMode) -> tuple[Period, Period | None]:
        """(period analysed, baseline period) for logs and sampled traces in a baseline mode.

        Trailing and reference baselines are periods of their own. Without either (``self``),
        the first quarter of the window is the baseline and the rest is analysed: long enough
        to have seen the rare messages a service logs every few minutes.
        """
        if mode == "trailing":
            return (self.start, self.end), (self.baseline_start, self.start)
        if mode == "reference" and self.reference is not None:
            return (self.start, self.end), self.reference
        warm = self.start + timedelta(seconds=self.seconds * WARMUP_SHARE)
        return (warm, self.end), (self.start, warm)


@dataclass
class SeriesData:
    """One measured series of one service (or pod, or operation)."""

    kind: str
    service: str | None
    subject: str | None
    timestamps: list[float]
    values: list[float | None]
    evidence: Evidence
    seasonal: list[list[float | None]] = field(default_factory=list)
    """The window's points on earlier days (``seasonal[day][point]``), aligned with it."""
    reference: float | None = None
    """Normal value measured over the baseline window in one aggregate, when no points are."""
    reference_mode: BaselineMode = "none"


@dataclass
class TemplateData:
    """One log template of one service in the window, against the baseline."""

    service: str
    template: str
    count: int
    baseline_count: int
    new: bool
    first_seen: datetime | None
    last_seen: datetime | None
    example: str
    trace_ids: list[str]
    baseline_mode: BaselineMode
    evidence: Evidence


@dataclass
class KubeFindingData:
    """One ``diagnose`` finding as returned, with the request that found it."""

    finding: dict[str, Any]
    evidence: Evidence


@dataclass
class Telemetry:
    window: Window
    metrics: list[SeriesData] = field(default_factory=list)
    burn: dict[str, dict[str, SeriesData]] = field(default_factory=dict)
    restarts: list[SeriesData] = field(default_factory=list)
    error_logs: list[SeriesData] = field(default_factory=list)
    templates: list[TemplateData] = field(default_factory=list)
    traces: list[SeriesData] = field(default_factory=list)
    findings: list[KubeFindingData] = field(default_factory=list)
    edges: set[tuple[str, str]] = field(default_factory=set)
    status: dict[str, SignalStatus] = field(default_factory=dict)
    causes: list[Finding] = field(default_factory=list)
    """What moved in the window against the baseline periods, per service (for the ranking)."""
    causes_evidence: Evidence | None = None
    """The window's sampled traces behind :attr:`causes` (the call to rerun)."""

    def signal(self, name: str) -> SignalStatus:
        return self.status.setdefault(name, SignalStatus())
