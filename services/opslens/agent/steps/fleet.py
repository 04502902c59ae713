"""Fleet and comparison questions over the RED measures: every service ranked by one measure
with the threshold applied, and a window set beside its baseline.

Both read ``red_summary`` (one call for all services, grouped by service): a fleet question
ranks its rows; a comparison runs it twice, at the end of the question's window and at the end
of the baseline, with the same window length, so the two are measured alike.
"""

from __future__ import annotations

import re
from typing import Any

from opslens.agent.plan import Threshold
from opslens.agent.response import (
    FleetRecord,
    MetricEvidence,
    ServiceMeasureRecord,
    WindowComparisonRecord,
)
from opslens.agent.steps.run import Run
from opslens.agent.steps.status import status_params
from opslens.agent.toolbox import ToolCall
from opslens_mcp.contract.prometheus import RedSummary, ResourceUsage

RANKED_IN_ANSWER = 5
RED_MEASURES = (
    "request_rate_per_s",
    "error_ratio",
    "p50_ms",
    "p95_ms",
    "p99_ms",
    "status_rate_per_s",
    "status_ratio",
)
# When a change matters: relative change and the smallest absolute difference, per unit (a p95
# going from 2 to 3 ms is +50% and noise; an error ratio from 0.1% to 0.2% too).
SIGNIFICANT_CHANGE = 0.2
SIGNIFICANT_DIFFERENCE = {"ratio": 0.01, "ms": 20.0, "req/s": 0.5}


def format_value(value: float | None, unit: str) -> str:
    """A value as people read it: ratios in %, bytes in MiB."""
    if value is None:
        return "n/a"
    if unit == "ratio":
        return f"{value * 100:.1f}%"
    if unit == "bytes":
        return f"{value / 1_048_576:.1f} MiB"
    number = f"{value:.3g}" if abs(value) < 100 else f"{value:.0f}"
    return f"{number} {unit}"


def in_threshold_unit(value: float, unit: str, threshold: Threshold) -> float:
    """A measure's value in the unit the threshold was said in (a ratio as percent)."""
    return value * 100 if unit == "ratio" and threshold.unit == "percent" else value


def threshold_text(threshold: Threshold, language: str) -> str:
    """'above 5%' / '5% 초과', as asked."""
    units = {"percent": "%", "ms": " ms", "count": "", "req/s": " req/s"}
    amount = f"{threshold.value:g}{units[threshold.unit]}"
    if language == "ko":
        return f"{amount} {'초과' if threshold.comparison == 'above' else '미만'}"
    return f"{threshold.comparison} {amount}"


def significant(current: float | None, baseline: float | None, unit: str) -> bool:
    """Whether a change is big enough to matter, relatively and in absolute terms."""
    if current is None or baseline is None:
        return False
    difference = abs(current - baseline)
    relative = difference / baseline if baseline else float("inf") if difference else 0.0
    return relative >= SIGNIFICANT_CHANGE and difference >= SIGNIFICANT_DIFFERENCE.get(unit, 0.0)


def _window_params(run: Run, at: str, service: str | None) -> dict[str, Any]:
    params: dict[str, Any] = {**run.prometheus_window(), "at": at, "limit": 200}
    if service:
        params["service"] = service
    if run.plan.namespace:
        params["namespace"] = run.plan.namespace
    return params


def _red_params(run: Run, at: str, service: str | None) -> dict[str, Any]:
    return {**_window_params(run, at, service), **status_params(run.plan)}


def _values(result: RedSummary, measure: str) -> dict[str, float | None]:
    return {row.service: getattr(row, measure, None) for row in result.services}


def _by_workload(result: ResourceUsage, measure: str) -> dict[str, float | None]:
    """A ``resource_usage`` measure summed over each workload's pods."""
    totals: dict[str, float | None] = {}
    for row in result.workloads:
        name, value = workload_of(row.pod), getattr(row, measure, None)
        if value is not None:
            totals[name] = (totals.get(name) or 0.0) + float(value)
        else:
            totals.setdefault(name, None)
    return totals


# A pod's workload: its name without the ReplicaSet and pod hashes (or a StatefulSet ordinal).
_POD_SUFFIX = re.compile(r"-[a-z0-9]{6,10}-[a-z0-9]{5}$|-[a-z0-9]{5}$|-\d+$")


def workload_of(pod: str) -> str:
    return _POD_SUFFIX.sub("", pod)


async def rank_services(run: Run, evidence: MetricEvidence, measure: str, unit: str) -> None:
    """Every service's ``measure`` over the window, ranked, the threshold applied: the RED
    measures per service, CPU and memory summed over each service's pods."""
    plan = run.plan
    red = measure in RED_MEASURES
    if red:
        params = _red_params(run, plan.end.isoformat(), None)
    else:
        params = {
            **_window_params(run, plan.end.isoformat(), None),
            "sort_by": measure,
            "limit": 1000,
            "include_nodes": False,
        }
    outcome = await run.call(
        "prometheus",
        "red_summary" if red else "resource_usage",
        params,
        "{measure} of {service}",
        {"measure": measure, "service": "*"},
    )
    if not outcome.ok:
        return
    summary = outcome.typed(RedSummary) if red else outcome.typed(ResourceUsage)
    values = (
        _values(summary, measure)
        if isinstance(summary, RedSummary)
        else _by_workload(summary, measure)
    )
    order = plan.order or (
        "asc" if plan.threshold and plan.threshold.comparison == "below" else "desc"
    )
    ranked = sorted(
        values.items(),
        key=lambda item: (
            item[1] is None,
            -(item[1] or 0.0) if order == "desc" else item[1] or 0.0,
        ),
    )
    threshold = plan.threshold
    rows = [
        ServiceMeasureRecord(
            service=service,
            value=value,
            passes=threshold is None
            or (value is not None and threshold.passes(in_threshold_unit(value, unit, threshold))),
        )
        for service, value in ranked
    ]
    evidence.fleet = FleetRecord(
        measure=measure,
        unit=unit,
        order=order,
        threshold=threshold_text(threshold, run.language) if threshold else None,
        services=rows,
        top=plan.top,
        promql=summary.queries.get(measure, ""),
    )
    _say_ranking(run, evidence.fleet)


def _say_ranking(run: Run, fleet: FleetRecord) -> None:
    def listed(rows: list[ServiceMeasureRecord]) -> str:
        return ", ".join(f"{row.service} {format_value(row.value, fleet.unit)}" for row in rows)

    if not fleet.services:
        run.say("metrics.none", measure=fleet.measure, services=[])
        return
    if fleet.threshold is None and fleet.top is not None:
        run.say(
            "fleet.top" if fleet.order == "desc" else "fleet.top_asc",
            measure=fleet.measure,
            top=min(fleet.top, len(fleet.services)),
            count=len(fleet.services),
            ranking=listed(fleet.services[: fleet.top]),
        )
        return
    if fleet.threshold is None:
        run.say(
            "fleet.ranking" if fleet.order == "desc" else "fleet.ranking_asc",
            measure=fleet.measure,
            count=len(fleet.services),
            ranking=listed(fleet.services[:RANKED_IN_ANSWER]),
            first=fleet.services[0].service,
        )
        return
    passing = [row for row in fleet.services if row.passes]
    if passing:
        run.say(
            "fleet.passing",
            measure=fleet.measure,
            count=len(passing),
            limit=fleet.threshold,
            ranking=listed(passing[: fleet.top]),
        )
    else:
        run.say(
            "fleet.none_passing",
            measure=fleet.measure,
            limit=fleet.threshold,
            ranking=listed(fleet.services[:1]),
        )


async def compare_windows(
    run: Run, evidence: MetricEvidence, measure: str, unit: str, services: list[str]
) -> None:
    """The measure in the question's window and in the baseline, per service asked about (every
    service when none is named: the answer names those that changed)."""
    plan = run.plan
    assert plan.baseline_start is not None and plan.baseline_end is not None
    asked: list[str | None] = list(services) or [None]
    calls = [
        ToolCall(
            "prometheus",
            "red_summary",
            _red_params(run, at.isoformat(), service),
            "{measure} of {service}",
            {"measure": measure, "service": service or "*"},
        )
        for service in asked
        for at in (plan.end, plan.baseline_end)
    ]
    outcomes = await run.call_all(calls)
    for index in range(len(asked)):
        now, before = outcomes[2 * index], outcomes[2 * index + 1]
        if not (now.ok and before.ok):
            continue
        current = _values(now.typed(RedSummary), measure)
        baseline = _values(before.typed(RedSummary), measure)
        names = [asked[index]] if asked[index] else sorted(current.keys() | baseline.keys())
        for service in names:
            assert service is not None
            evidence.comparisons.append(
                _comparison(
                    run, service, measure, unit, current.get(service), baseline.get(service)
                )
            )
    if services:
        for record in evidence.comparisons:
            _say_comparison(run, record)
        return
    changed = [record for record in evidence.comparisons if record.significant]
    for record in changed:
        _say_comparison(run, record)
    if not changed:
        run.say("compare.none_changed", measure=measure, count=len(evidence.comparisons))


def _comparison(
    run: Run,
    service: str,
    measure: str,
    unit: str,
    current: float | None,
    baseline: float | None,
) -> WindowComparisonRecord:
    plan = run.plan
    assert plan.baseline_start is not None and plan.baseline_end is not None
    change = (current - baseline) / baseline * 100 if current is not None and baseline else None
    return WindowComparisonRecord(
        service=service,
        measure=measure,
        unit=unit,
        current=current,
        baseline=baseline,
        change_percent=None if change is None else round(change, 1),
        significant=significant(current, baseline, unit),
        start=plan.start,
        end=plan.end,
        baseline_start=plan.baseline_start,
        baseline_end=plan.baseline_end,
    )


def _say_comparison(run: Run, record: WindowComparisonRecord) -> None:
    if record.current is None or record.baseline is None:
        run.say("compare.missing", measure=record.measure, service=record.service)
        return
    change = "n/a" if record.change_percent is None else f"{record.change_percent:+.0f}%"
    direction = "higher" if record.current > record.baseline else "lower"
    verdict = f"compare.{direction}" if record.significant else "compare.same"
    run.say(
        "compare.value",
        measure=record.measure,
        service=record.service,
        current=format_value(record.current, record.unit),
        baseline=format_value(record.baseline, record.unit),
        baseline_start=record.baseline_start.isoformat(timespec="minutes"),
        baseline_end=record.baseline_end.isoformat(timespec="minutes"),
        change=change,
    )
    run.say(verdict, measure=record.measure, service=record.service)
