"""Metrics questions: RED measures or pod resources for the services asked about, as series."""

from __future__ import annotations

from typing import Any

from opslens.agent.response import MetricEvidence, SeriesRecord
from opslens.agent.steps import adapters
from opslens.agent.steps.run import Run
from opslens.agent.toolbox import ToolCall

# plan metric -> (tool, measure in the tool's series, unit, label for answers)
MEASURES: dict[str, tuple[str, str, str, str]] = {
    "request_rate": ("red_summary", "request_rate_per_s", " req/s", "request rate"),
    "error_rate": ("red_summary", "error_ratio", "", "error ratio"),
    "latency_p50": ("red_summary", "p50_ms", " ms", "p50 latency"),
    "latency_p90": ("red_summary", "p95_ms", " ms", "p95 latency"),
    "latency_p95": ("red_summary", "p95_ms", " ms", "p95 latency"),
    "latency_avg": ("red_summary", "p50_ms", " ms", "p50 latency"),
    "latency_p99": ("red_summary", "p99_ms", " ms", "p99 latency"),
    "cpu": ("resource_usage", "cpu_cores", " cores", "CPU"),
    "memory": ("resource_usage", "memory_bytes", " bytes", "memory"),
    "network": ("resource_usage", "cpu_cores", " cores", "CPU"),
    "restarts": ("resource_usage", "cpu_cores", " cores", "CPU"),
}
DEFAULT_METRIC = "error_rate"


def _fmt(value: float | None) -> str:
    if value is None:
        return "n/a"
    if abs(value) >= 1e6:
        return f"{value / 1_048_576:.1f} Mi" if value >= 1_048_576 else f"{value:.0f}"
    return f"{value:.3g}" if abs(value) < 100 else f"{value:.0f}"


def describe(run: Run, label: str, unit: str, series: list[SeriesRecord], service: str) -> None:
    values = [value for record in series for _, value in record.points]
    if not values:
        run.say("metrics.none", metric=label, services=[service] if service else [])
        return
    last = series[0].points[-1][1] if series[0].points else None
    shown_unit = "" if unit == " bytes" else unit
    run.say(
        "metrics.value",
        metric=label,
        service=service or "all services",
        last=_fmt(last),
        peak=_fmt(max(values)),
        avg=_fmt(sum(values) / len(values)),
        unit=shown_unit,
    )


async def gather_metrics(run: Run) -> None:
    """One call per service (or one for all), with series over the plan's window."""
    plan = run.plan
    metric = plan.metric or DEFAULT_METRIC
    tool, measure, unit, label = MEASURES.get(metric, MEASURES[DEFAULT_METRIC])
    services: list[str | None] = list(plan.services) or [None]
    calls = []
    for service in services:
        params: dict[str, Any] = {**run.prometheus_window(), "include_series": True}
        if service:
            params["service"] = service
        if plan.namespace:
            params["namespace"] = plan.namespace
        calls.append(
            ToolCall("prometheus", tool, params, f"{label} of {service or 'all services'}")
        )
    outcomes = await run.call_all(calls)
    evidence = MetricEvidence()
    for service, outcome in zip(services, outcomes, strict=True):
        if not outcome.ok:
            continue
        window_series = outcome.result.get("series") or {}
        promql = (window_series.get("queries") or {}).get(measure, "")
        series_set = (window_series.get("measures") or {}).get(measure, {})
        series = adapters.series_records(series_set, label, promql, unit.strip())
        evidence.series.extend(series)
        describe(run, label, unit, series, service or "")
    run.evidence.metrics = evidence
