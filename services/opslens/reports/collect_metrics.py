"""Metric series through the Prometheus server's ``query_range``: RED per service, CPU and
memory per pod, restart counters, and the error ratio over the SLO burn-rate windows.

The PromQL comes from the Prometheus server's own builders (label values quoted, names
checked), with the conventions of the settings' Istio and resource profiles. Each series
covers the trailing baseline and the window in one query; with ``seasonal_days`` the same
window on earlier days is fetched too, when Prometheus still holds yesterday.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

from opslens.reports.baseline import MIN_BASELINE_POINTS
from opslens.reports.burnrate import LONGEST_S, WINDOWS
from opslens.reports.naming import service_of_pod
from opslens.reports.settings import DetectionSettings
from opslens.reports.telemetry import SeriesData, Telemetry, Window, covered_from
from opslens.reports.toolcalls import ToolCaller, iso
from opslens_mcp.core.times import format_duration
from opslens_mcp.prometheus import promql

RED_QUANTILES = {"latency_p95": 0.95}
WINDOWED_KINDS = ("request_rate", "error_ratio", *RED_QUANTILES, "cpu")
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


def metric_queries(settings: DetectionSettings, namespace: str, window: str) -> dict[str, str]:
    """The PromQL of each measure for one namespace."""
    profile = settings.istio
    matchers = promql.request_matchers(profile, None, namespace)
    queries = {
        "request_rate": promql.request_rate(profile, matchers, window),
        "error_ratio": promql.error_ratio(profile, matchers, window),
    }
    for kind, quantile in RED_QUANTILES.items():
        queries[kind] = promql.latency_quantile(profile, matchers, window, quantile)
    resources = settings.resources
    scope = promql.WorkloadScope(namespace=namespace)
    by = [resources.namespace_label, resources.pod_label]
    expressions = promql.resource_expressions(resources, scope, window, by)
    queries["cpu"] = expressions["cpu_cores"]
    queries["memory"] = expressions["memory_bytes"]
    queries["restarts"] = expressions["restarts_total"]
    return queries


def burn_queries(settings: DetectionSettings, namespace: str) -> dict[str, str]:
    """The error ratio of each service over every burn-rate window."""
    profile = settings.istio
    matchers = promql.request_matchers(profile, None, namespace)
    return {window: promql.error_ratio(profile, matchers, window) for window in WINDOWS}


def _identity(
    settings: DetectionSettings, kind: str, labels: dict[str, str]
) -> tuple[str, str | None]:
    if kind in ("cpu", "memory", "restarts"):
        pod = labels.get(settings.resources.pod_label, "")
        return service_of_pod(pod), pod
    return labels.get(settings.istio.service_label, ""), None


class MetricCollector:
    def __init__(self, caller: ToolCaller, settings: DetectionSettings) -> None:
        self.caller = caller
        self.settings = settings

    async def _range(
        self, promql_text: str, start: Any, end: Any, telemetry: Telemetry
    ) -> tuple[dict[str, Any], dict[str, Any] | None]:
        params = {
            "promql": promql_text,
            "start": iso(start),
            "end": iso(end),
            "step": f"{self.settings.step_s}s",
            "limit": MAX_SERIES,
            "max_points": 500_000,
        }
        result = await self.caller.call(
            "prometheus", "query_range", params, telemetry.signal("metrics")
        )
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
        self, kind: str, params: dict[str, Any], result: dict[str, Any] | None
    ) -> list[SeriesData]:
        found = []
        for item in (result or {}).get("series") or []:
            service, subject = _identity(self.settings, kind, item.get("labels") or {})
            if not service or item.get("timestamps") is None:
                continue
            found.append(
                SeriesData(
                    kind=kind,
                    service=service,
                    subject=subject,
                    timestamps=list(item["timestamps"]),
                    values=list(item["values"]),
                    evidence=ToolCaller.evidence(
                        "prometheus", "query_range", params, params["promql"]
                    ),
                )
            )
        return found

    async def collect(self, telemetry: Telemetry) -> None:
        """Fill ``telemetry.metrics``, ``restarts`` and ``burn`` for every namespace."""
        window = telemetry.window
        jobs = []
        for namespace in self.settings.namespaces:
            for kind, text in metric_queries(
                self.settings, namespace, rate_window(self.settings.step_s)
            ).items():
                jobs.append(("metric", kind, text, window.baseline_start))
            for burn_window, text in burn_queries(self.settings, namespace).items():
                jobs.append(("burn", burn_window, text, window.start - BURN_LOOKBACK))
        answers = await asyncio.gather(
            *(self._range(text, start, window.end, telemetry) for _, _, text, start in jobs)
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
        queries = {s.evidence.query: s.kind for s in wanted}
        answers = await asyncio.gather(
            *(self._range(q, window.start - shift, window.end - shift, telemetry) for q in queries)
        )
        points: dict[SeriesKey, dict[float, float | None]] = {}
        for (query, kind), (params, result) in zip(queries.items(), answers, strict=True):
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
