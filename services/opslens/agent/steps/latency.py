"""Why something is slow: its slow traces -> the service their critical paths spend the time in
-> that service's p95 latency and pods.

Error logs say little about slowness (a throttled or overloaded service logs no error), so a
"why is it slow?" question follows the traces slower than the service's normal p95 instead.
"""

from __future__ import annotations

from opslens.agent.correlate import slow_services
from opslens.agent.plan import Plan
from opslens.agent.response import CorrelationRecord, SlowServiceRecord, TraceEvidence
from opslens.agent.steps.correlation import context_around, mark_window, series_name
from opslens.agent.steps.metrics import describe
from opslens.agent.steps.run import Run
from opslens.agent.steps.traces import gather_traces

LATENCY_MEASURE = "p95_ms"


def asks_why_slow(plan: Plan) -> bool:
    """A correlated question about slowness, not about errors."""
    return plan.intent == "correlate" and plan.slow and plan.level is None


async def gather_latency_correlation(run: Run) -> CorrelationRecord:
    """The slow traces, the service most of their critical-path time is spent in (the root
    cause), and the p95 latency of it and of the services asked about."""
    await gather_traces(run)
    traces = run.evidence.traces or TraceEvidence()
    trees = traces.trees
    ranked = slow_services(trees)
    root = ranked[0].service if ranked else None
    involved = list(dict.fromkeys(([root] if root else []) + run.plan.services))
    await context_around(run, involved, LATENCY_MEASURE)
    mark_window(run, [summary.start for summary in traces.summaries], "slow traces")
    series = run.evidence.metrics.series if run.evidence.metrics else []
    for service in involved:
        own = [record for record in series if record.name == series_name(LATENCY_MEASURE, service)]
        if own:
            describe(run, LATENCY_MEASURE, "ms", own, service)
    return CorrelationRecord(
        root_cause=root,
        slow_services=[
            SlowServiceRecord(service=s.service, self_ms=s.self_ms, share=s.share) for s in ranked
        ],
    )
