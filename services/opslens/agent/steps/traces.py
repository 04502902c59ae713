"""Traces questions: traces over a threshold (given, or the service's normal p95), their trees."""

from __future__ import annotations

import statistics
from datetime import timedelta
from typing import Any

from opslens.agent.correlate import slow_services
from opslens.agent.response import TraceEvidence
from opslens.agent.steps import adapters
from opslens.agent.steps.run import Run
from opslens_mcp.contract.opensearch import GetTracesResult, LatencyStatsResult, SearchTracesResult
from opslens_mcp.contract.prometheus import RedSummary

TRACES_LISTED = 20
TREES_FETCHED = 5
BASELINE = timedelta(hours=24)


def median_of_series(result: RedSummary, measure: str) -> float | None:
    """Median over time of a summary tool's ``measure`` series: 'normal', robust to bursts."""
    _, series = adapters.window_measure(result, measure)
    values = [
        value
        for item in (series.series if series else [])
        for value in (item.values or [])
        if value is not None
    ]
    return statistics.median(values) if values else None


async def normal_p95_ms(run: Run, service: str) -> float | None:
    """The service's usual p95: median of its p95 over the last day (Prometheus), else spans."""
    red = await run.call(
        "prometheus",
        "red_summary",
        {
            "service": service,
            "window": f"{int(BASELINE.total_seconds())}s",
            "at": run.plan.end.isoformat(),
            "include_series": True,
            "points": 96,
        },
        "normal p95 latency of {service}",
        {"service": service},
    )
    if red.ok:
        p95 = median_of_series(red.typed(RedSummary), "p95_ms")
        if p95 is not None:
            return round(p95, 1)
    stats = await run.call(
        "opensearch",
        "latency_stats",
        {
            "service": [service],
            "group_by": "service",
            "start": (run.plan.end - BASELINE).isoformat(),
            "end": run.plan.end.isoformat(),
        },
        "p95 latency of {service} from spans",
        {"service": service},
    )
    groups = stats.typed(LatencyStatsResult).groups if stats.ok else []
    return groups[0].p95_ms if groups else None


async def threshold_ms(run: Run) -> tuple[float | None, str | None]:
    """The latency threshold and, when it is a p95, whose."""
    plan = run.plan
    if plan.min_duration_ms is not None:
        return plan.min_duration_ms, None
    if plan.slow and plan.services:
        service = plan.services[0]
        return await normal_p95_ms(run, service), service
    return None, None


async def gather_trace(run: Run, trace_id: str) -> None:
    """One trace asked for by id: its tree."""
    outcome = await run.call(
        "opensearch", "get_traces", {"trace_ids": [trace_id], "include_spans": True}, "the trace"
    )
    evidence = TraceEvidence()
    run.evidence.traces = evidence
    if outcome.ok:
        fetched = outcome.typed(GetTracesResult)
        evidence.summaries = adapters.trace_summaries(fetched.traces)
        evidence.trees = adapters.trace_trees(fetched)
    found = len(evidence.trees)
    run.say("traces.found" if found else "traces.none", count=found, services=[])


async def operation_names(run: Run) -> list[str]:
    """The span names the plan's endpoint stands for: itself when it names a method, else
    every operation in the window whose route is that path ("/api/orders" -> "GET /api/orders",
    "POST /api/orders")."""
    operation = run.plan.operation
    if not operation:
        return []
    if " " in operation:
        return [operation]
    params: dict[str, Any] = {**run.window(), "group_by": "operation"}
    if run.plan.services:
        params["service"] = run.plan.services
    stats = await run.call(
        "opensearch", "latency_stats", params, "operations matching the endpoint"
    )
    names = {
        group.operation
        for group in (stats.typed(LatencyStatsResult).groups if stats.ok else [])
        if group.operation and group.operation.split(" ")[-1] == operation
    }
    return sorted(names)


def status_errors_only(status: str | None) -> bool:
    """A server-error status ("503", "5xx") asks for failing spans."""
    return bool(status and status.startswith("5"))


async def gather_traces(run: Run) -> None:
    """The slowest matching traces, and the trees of the slowest few (or the trace asked for)."""
    plan = run.plan
    if plan.trace_id:
        await gather_trace(run, plan.trace_id)
        return
    threshold, p95_of = await threshold_ms(run)
    params: dict[str, Any] = {**run.window(), "order": "slowest", "limit": TRACES_LISTED}
    if plan.services:
        params["service"] = plan.services
    if threshold is not None:
        params["min_duration_ms"] = threshold
    if plan.level == "error" or status_errors_only(plan.status):
        params["errors_only"] = True
    if plan.operation:
        operations = await operation_names(run)
        if operations:
            params["operation"] = operations
            run.say("traces.operation", operation=", ".join(operations))
        else:
            run.say("traces.no_operation", operation=plan.operation)
    search = await run.call("opensearch", "search_traces", params, "matching traces")
    evidence = TraceEvidence(threshold_ms=threshold)
    run.evidence.traces = evidence
    if not search.ok:
        return
    found = search.typed(SearchTracesResult)
    evidence.summaries = adapters.trace_summaries(found.traces)
    evidence.truncated = found.has_more
    total = found.total
    key = "traces.found" if total else "traces.none"
    run.say(key, count=total, services=plan.services, threshold_ms=threshold, p95_of=p95_of)
    if not evidence.summaries:
        return
    slowest = evidence.summaries[0]
    run.say(
        "traces.slowest",
        trace_id=slowest.trace_id,
        operation=slowest.root_operation or "?",
        ms=round(slowest.duration_ms),
    )
    ids = [summary.trace_id for summary in evidence.summaries[:TREES_FETCHED]]
    trees = await run.call(
        "opensearch", "get_traces", {"trace_ids": ids, "include_spans": True}, "trace trees"
    )
    if trees.ok:
        evidence.trees = adapters.trace_trees(trees.typed(GetTracesResult))
        ranked = slow_services(evidence.trees)
        if ranked:
            run.say(
                "traces.slow_service",
                service=ranked[0].service,
                share=round(ranked[0].share * 100),
            )
