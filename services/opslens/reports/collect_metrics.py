"""Metric series through the Prometheus server's ``query_range``: RED per service, CPU and
memory per pod, restart counters, and the error ratio over the SLO burn-rate windows.

Each is asked for as a named ``measure``: the Prometheus server builds the PromQL with its own
label conventions (``OPSLENS_PROMETHEUS_ISTIO__*``, ``..._RESOURCES__*``) and says which labels
name each series' service and pod. Each series covers the trailing baseline and the window in
one query; with ``seasonal_days`` the same window on earlier days is fetched too, when
Prometheus still holds yesterday.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

from pydantic import BaseModel

from opslens.reports.baseline import MIN_BASELINE_POINTS
from opslens.reports.burnrate import LONGEST_S, WINDOWS
from opslens.reports.naming import service_of_pod
from opslens.reports.settings import DetectionSettings
from opslens.reports.telemetry import SeriesData, Telemetry, Window, covered_from
from opslens.reports.toolcalls import ToolCaller, iso
from opslens_mcp.contract.prometheus import Measure, QueryRangeParams, RangeResult
from opslens_mcp.core.times import format_duration

KIND_MEASURES: dict[str, Measure] = {
    "request_rate": "request_rate",
    "error_ratio": "error_ratio",
    "latency_p95": "latency_p95",
    "cpu": "cpu_cores",
    "memory": "memory_bytes",
    "restarts": "restarts_total",
}
"""The report's metric kinds, and the Prometheus server's measure for each."""
WINDOWED_KINDS = ("request_rate", "error_ratio", "latency_p95", "cpu")
"""Measures computed over a rate window: unsettled until the window holds data."""
SeriesKey = tuple[str, str | None, str | None]  # (PromQL, service, pod)
MIN_SEASONAL_DAYS = 2
SEASONAL_KINDS = ("request_rate", "error_ratio", "latency_p95", "cpu")
MAX_SERIES = 1000
DAY = timedelta(days=1)
BURN_LOOKBACK = timedelta(seconds=LONGEST_S)
"""Burn series start a long window early: a rule needs to know where their data begins."""


def rate_window(step_s: int) -> str:
    """Five minutes (the usual rate window), or two steps when the step is longer."""
    return format_duration(max(300, 2 * step_s))


class RangeAsked(BaseModel):
    """One ``query_range`` of a measure: what is asked, whatever the range."""

    measure: Measure
    namespace: str
    rate_window: str


def _identity(result: RangeResult, labels: dict[str, str]) -> tuple[str, str | None]:
    """The service and pod (for a pod's measure) a series is of, by the labels the Prometheus
    server says name them."""
    subject = result.subject
    if subject is None:
        return "", None
    if subject.pod is not None:
        pod = labels.get(subject.pod, "")
        return service_of_pod(pod), pod
    return labels.get(subject.service or "", ""), None


class MetricCollector:
    def __init__(self, caller: ToolCaller, settings: DetectionSettings) -> None:
        self.caller = caller
        self.settings = settings

    async def _range(
        self, asked: RangeAsked, start: Any, end: Any, telemetry: Telemetry
    ) -> tuple[dict[str, Any], RangeResult | None]:
        params = {
            **asked.model_dump(),
            "start": iso(start),
            "end": iso(end),
            "step": f"{self.settings.step_s}s",
            "limit": MAX_SERIES,
            "max_points": 500_000,
        }
        call = self.caller.tools.prometheus.query_range(QueryRangeParams.model_validate(params))
        result = await self.caller.attempt(telemetry.signal("metrics"), call)
        return params, result

    def _settle(self, series: SeriesData) -> None:
        """Blank a windowed measure until its rate window holds data (the series is read from
        the trailing baseline's start, so only series that begin later lose points)."""
        if series.kind not in WINDOWED_KINDS:
            return
        step = self.settings.step_s
        full = covered_from(series.timestamps, series.values, rate_window(step), step)
        pairs = zip(series.timestamps, series.values, strict=True)
        series.values = [None if full is None or t < full else v for t, v in pairs]

    def _series(
        self, kind: str, params: dict[str, Any], result: RangeResult | None
    ) -> list[SeriesData]:
        found: list[SeriesData] = []
        if result is None:
            return found
        for item in result.series:
            service, subject = _identity(result, item.labels)
            if not service or item.timestamps is None:
                continue
            found.append(
                SeriesData(
                    kind=kind,
                    service=service,
                    subject=subject,
                    timestamps=list(item.timestamps),
                    values=list(item.values or []),
                    evidence=ToolCaller.evidence(
                        "prometheus", "query_range", params, result.promql
                    ),
                )
            )
        return found

    async def collect(self, telemetry: Telemetry) -> None:
        """Fill ``telemetry.metrics``, ``restarts`` and ``burn`` for every namespace."""
        window = telemetry.window
        jobs = []
        every_step = rate_window(self.settings.step_s)
        for namespace in self.settings.namespaces:
            for kind, measure in KIND_MEASURES.items():
                asked = RangeAsked(measure=measure, namespace=namespace, rate_window=every_step)
                jobs.append(("metric", kind, asked, window.baseline_start))
            for burn_window in WINDOWS:
                asked = RangeAsked(
                    measure="error_ratio", namespace=namespace, rate_window=burn_window
                )
                jobs.append(("burn", burn_window, asked, window.start - BURN_LOOKBACK))
        answers = await asyncio.gather(
            *(self._range(asked, start, window.end, telemetry) for _, _, asked, start in jobs)
        )
        for (family, kind, _, _), (params, result) in zip(jobs, answers, strict=True):
            if family == "burn":
                for series in self._series("burn", params, result):
                    assert series.service is not None
                    telemetry.burn.setdefault(series.service, {})[kind] = series
            elif kind == "restarts":
                telemetry.restarts += self._series(kind, params, result)
            else:
                for series in self._series(kind, params, result):
                    self._settle(series)
                    telemetry.metrics.append(series)
        start = window.start.timestamp()
        trailing = any(
            sum(1 for t in s.timestamps if t < start) >= MIN_BASELINE_POINTS
            for s in telemetry.metrics
        )
        telemetry.signal("metrics").baseline_mode = "trailing" if trailing else "self"
        if self.settings.seasonal_days:
            await self._seasonal(telemetry, window)

    async def _day(
        self, wanted: list[SeriesData], window: Window, days_back: int, telemetry: Telemetry
    ) -> dict[SeriesKey, dict[float, float | None]]:
        """The measures over the window ``days_back`` days earlier, on today's timestamps."""
        shift = DAY * days_back
        queries = {
            s.evidence.query: (s.kind, RangeAsked.model_validate(s.evidence.params)) for s in wanted
        }
        answers = await asyncio.gather(
            *(
                self._range(asked, window.start - shift, window.end - shift, telemetry)
                for _, asked in queries.values()
            )
        )
        points: dict[SeriesKey, dict[float, float | None]] = {}
        for (query, (kind, _)), (params, result) in zip(queries.items(), answers, strict=True):
            for series in self._series(kind, params, result):
                stamps = (t + shift.total_seconds() for t in series.timestamps)
                key = (query, series.service, series.subject)
                points[key] = dict(zip(stamps, series.values, strict=True))
        return points

    async def _seasonal(self, telemetry: Telemetry, window: Window) -> None:
        """The window's points on earlier days, for the measures with a daily cycle."""
        wanted = [s for s in telemetry.metrics if s.kind in SEASONAL_KINDS]
        days = []
        for days_back in range(1, self.settings.seasonal_days + 1):
            day = await self._day(wanted, window, days_back, telemetry)
            if not day:
                break  # Prometheus holds nothing older: no point in asking further back
            days.append(day)
        if len(days) < MIN_SEASONAL_DAYS:
            return
        telemetry.signal("metrics").baseline_mode = "seasonal"
        start = window.start.timestamp()
        for series in wanted:
            key = (series.evidence.query, series.service, series.subject)
            stamps = [t for t in series.timestamps if t >= start]
            series.seasonal = [[day[key].get(t) for t in stamps] for day in days if key in day]
