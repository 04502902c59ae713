"""Metrics of one endpoint: the mesh's metrics carry no route, so an endpoint's latency, error
ratio and traffic are measured on its spans (``latency_stats`` grouped by operation)."""

from __future__ import annotations

from typing import Any

from opslens.agent.steps.fleet import format_value
from opslens.agent.steps.run import Run
from opslens.agent.steps.traces import operation_names
from opslens_mcp.contract.opensearch import LatencyStatsResult


async def gather_endpoint_metrics(run: Run) -> None:
    """p50/p95/p99, error ratio and request count of each operation the endpoint stands for."""
    plan = run.plan
    names = await operation_names(run)
    if not names:
        run.say("traces.no_operation", operation=plan.operation)
        return
    params: dict[str, Any] = {**run.window(), "operation": names, "group_by": "operation"}
    if plan.services:
        params["service"] = plan.services
    about = {"operation": ", ".join(names)}
    stats = await run.call(
        "opensearch", "latency_stats", params, "latency of {operation} from spans", about
    )
    if not stats.ok:
        return
    for group in stats.typed(LatencyStatsResult).groups:
        run.say(
            "endpoint.figures",
            operation=group.operation or plan.operation,
            service=group.service or "?",
            p50=format_value(group.p50_ms, "ms"),
            p95=format_value(group.p95_ms, "ms"),
            p99=format_value(group.p99_ms, "ms"),
            errors=format_value(group.error_rate, "ratio"),
            requests=group.requests,
        )
