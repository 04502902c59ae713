"""Metrics questions: RED measures or pod resources for the services asked about, as series."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from opslens.agent.response import MetricEvidence, SeriesRecord, WindowMark
from opslens.agent.steps import adapters
from opslens.agent.steps.endpoint import gather_endpoint_metrics
from opslens.agent.steps.fleet import compare_windows, format_value, rank_services
from opslens.agent.steps.logs import say_unfiltered
from opslens.agent.steps.run import Run
from opslens.agent.steps.status import status_measure, status_params
from opslens.agent.toolbox import ToolCall
from opslens_mcp.contract.prometheus import RedSummary, ResourceUsage

# plan metric -> (tool, measure in the tool's series, unit). p90 and the mean are not among
# the RED measures; the closest one answers and the label says which it is.
MEASURES: dict[str, tuple[str, str, str]] = {
    "request_rate": ("red_summary", "request_rate_per_s", "req/s"),
    "error_rate": ("red_summary", "error_ratio", "ratio"),
    "latency_p50": ("red_summary", "p50_ms", "ms"),
    "latency_p90": ("red_summary", "p95_ms", "ms"),
    "latency_p95": ("red_summary", "p95_ms", "ms"),
    "latency_avg": ("red_summary", "p50_ms", "ms"),
    "latency_p99": ("red_summary", "p99_ms", "ms"),
    "cpu": ("resource_usage", "cpu_cores", "cores"),
    "memory": ("resource_usage", "memory_bytes", "bytes"),
    "network": ("resource_usage", "cpu_cores", "cores"),
    "restarts": ("resource_usage", "cpu_cores", "cores"),
}
DEFAULT_METRIC = "error_rate"
# What a fleet question can rank: the RED measures per service, CPU and memory per workload.
FLEET_METRICS = frozenset(m for m, (tool, _, _) in MEASURES.items() if tool == "red_summary") | {
    "cpu",
    "memory",
}


def unusual_windows(series: SeriesRecord, factor: float = 2.0) -> list[WindowMark]:
    """Stretches where a series runs above ``factor`` times its own median (for the chart)."""
    values = sorted(value for _, value in series.points)
    if len(values) < 4:
        return []
    median = values[len(values) // 2]
    floor = max(median * factor, 0.01 if series.unit == "ratio" else 0.0)
    windows: list[WindowMark] = []
    start: float | None = None
    previous = 0.0
    for ts, value in series.points:
        if value > floor and start is None:
            start = ts
        elif value <= floor and start is not None:
            windows.append(_mark(start, previous))
            start = None
        previous = ts
    if start is not None:
        windows.append(_mark(start, previous))
    return windows


def _mark(start: float, end: float) -> WindowMark:
    def iso(ts: float) -> str:
        return datetime.fromtimestamp(ts, UTC).isoformat()

    return WindowMark(start=iso(start), end=iso(end), label="above normal")


def describe(run: Run, measure: str, unit: str, series: list[SeriesRecord], service: str) -> None:
    values = [value for record in series for _, value in record.points]
    if not values:
        run.say("metrics.none", measure=measure, services=[service] if service else [])
        return
    last = series[0].points[-1][1] if series[0].points else None
    run.say(
        "metrics.value",
        measure=measure,
        service=service or "*",
        last=format_value(last, unit),
        peak=format_value(max(values), unit),
        avg=format_value(sum(values) / len(values), unit),
    )


async def gather_metrics(run: Run) -> None:
    """One call per service (or one for all), with series over the plan's window; all services
    ranked for a fleet question; the baseline beside the window for a comparison."""
    plan = run.plan
    metric = plan.metric or DEFAULT_METRIC
    tool, measure, unit = MEASURES.get(metric, MEASURES[DEFAULT_METRIC])
    services: list[str | None] = list(plan.services) or [None]
    red = tool == "red_summary"
    if red and plan.operation:
        await gather_endpoint_metrics(run)
        return
    of_status = status_measure(plan) if red else None
    if of_status is not None:
        measure, unit = of_status
        run.say("status.filtered", status=plan.status)
    say_unfiltered(run, "metrics", status_filtered=of_status is not None)
    if red and plan.baseline_start is not None:
        evidence = MetricEvidence()
        await compare_windows(run, evidence, measure, unit, list(plan.services))
        run.evidence.metrics = evidence
        if not plan.services:
            return
    elif metric in FLEET_METRICS and not plan.services and (plan.group_by or plan.threshold):
        evidence = MetricEvidence()
        await rank_services(run, evidence, measure, unit)
        run.evidence.metrics = evidence
        return
    calls = []
    for service in services:
        params: dict[str, Any] = {**run.prometheus_window(), "include_series": True}
        if red:
            params.update(status_params(plan))
        if service:
            params["service"] = service
        if plan.namespace:
            params["namespace"] = plan.namespace
        calls.append(
            ToolCall(
                "prometheus",
                tool,
                params,
                "{measure} of {service}",
                {"measure": measure, "service": service or "*"},
            )
        )
    outcomes = await run.call_all(calls)
    evidence = run.evidence.metrics or MetricEvidence()
    for service, outcome in zip(services, outcomes, strict=True):
        if not outcome.ok:
            continue
        summary = outcome.typed(RedSummary) if red else outcome.typed(ResourceUsage)
        promql, series_set = adapters.window_measure(summary, measure)
        series = adapters.series_records(series_set, measure, promql, unit)
        evidence.series.extend(series)
        for record in series:
            evidence.anomaly_windows.extend(unusual_windows(record))
        describe(run, measure, unit, series, service or "")
    run.evidence.metrics = evidence
