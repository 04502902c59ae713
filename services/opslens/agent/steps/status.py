"""An HTTP status asked about ("503", "5xx"): the mesh's request metrics carry it as a label,
so how many requests were answered with it comes from Prometheus, whatever else is asked."""

from __future__ import annotations

from typing import Any

from opslens.agent.plan import Plan
from opslens.agent.steps.run import Run
from opslens_mcp.contract.prometheus import RedSummary

# plan metric -> the red_summary measure of the status asked about, and its unit.
STATUS_MEASURES = {
    None: ("status_ratio", "ratio"),
    "error_rate": ("status_ratio", "ratio"),
    "request_rate": ("status_rate_per_s", "req/s"),
}


def status_measure(plan: Plan) -> tuple[str, str] | None:
    """The measure that answers the plan's metric for its status, if the metric has one."""
    return STATUS_MEASURES.get(plan.metric) if plan.status else None


def status_params(plan: Plan) -> dict[str, Any]:
    """``red_summary``'s ``status`` argument, when the plan asks about one."""
    return {"status": plan.status} if plan.status else {}


async def say_status_share(run: Run) -> None:
    """How many requests of each service asked about (or of all) were answered with the plan's
    status over its window: one ``red_summary`` call, one sentence per service."""
    plan = run.plan
    params: dict[str, Any] = {**run.prometheus_window(), **status_params(plan), "limit": 200}
    if plan.namespace:
        params["namespace"] = plan.namespace
    outcome = await run.call(
        "prometheus",
        "red_summary",
        params,
        "requests answered {status}",
        {"status": str(plan.status)},
    )
    if not outcome.ok:
        return
    seconds = plan.window.total_seconds()
    rows = [
        row
        for row in outcome.typed(RedSummary).services
        if not plan.services or row.service in plan.services
    ]
    answered = [(row, row.status_rate_per_s) for row in rows if row.status_rate_per_s]
    if not answered:
        run.say("status.none", status=plan.status, services=plan.services)
        return
    answered.sort(key=lambda pair: -pair[1])
    for row, rate in answered[: plan.top or 5]:
        run.say(
            "status.share",
            status=plan.status,
            service=row.service,
            requests=round(rate * seconds),
            share=f"{100 * (row.status_ratio or 0.0):.1f}%",
        )
