"""Correlated questions: error logs -> their traces -> where errors start -> metrics and pods.

Why something is slow is :mod:`opslens.agent.steps.latency`, which shares the context step."""

from __future__ import annotations

from opslens.agent.answer import word
from opslens.agent.correlate import Correlation, correlate, evidence_links, trace_ids_of
from opslens.agent.response import (
    CorrelationRecord,
    KubeEvidence,
    LinkRecord,
    LogEvidence,
    MetricEvidence,
    OriginRecord,
    PodRecord,
    SlowServiceRecord,
    TraceEvidence,
    WindowMark,
)
from opslens.agent.steps import adapters
from opslens.agent.steps.kubernetes import say_pods
from opslens.agent.steps.logs import log_filters, log_source
from opslens.agent.steps.metrics import describe
from opslens.agent.steps.run import Run
from opslens.agent.toolbox import ToolCall
from opslens_mcp.contract.kubernetes import WorkloadResult
from opslens_mcp.contract.opensearch import GetTracesResult, SearchLogsResult
from opslens_mcp.contract.prometheus import RedSummary

ERROR_LOGS_READ = 500
TRACES_FETCHED = 50
TREES_SHOWN = 5


async def gather_correlation(run: Run) -> Correlation:
    """Follow error logs to their traces and the services, metrics and pods around them."""
    level = run.plan.level or "error"
    filters = log_filters(run, level=level, source=await log_source(run, level))
    logs = await run.call(
        "opensearch",
        "search_logs",
        {**filters, "limit": ERROR_LOGS_READ, "max_message_chars": 500},
        "error logs",
    )
    records = adapters.log_records(logs.typed(SearchLogsResult)) if logs.ok else []
    total = logs.typed(SearchLogsResult).total if logs.ok else 0
    run.evidence.logs = LogEvidence(
        records=records[:50], total=total, truncated=total > len(records[:50])
    )
    ids = trace_ids_of(records, TRACES_FETCHED)
    traces = TraceEvidence()
    run.evidence.traces = traces
    found: set[str] = set()
    origins = []
    trees = []
    if ids:
        summary, whole = await run.call_all(
            [
                ToolCall(
                    "opensearch", "get_traces", {"trace_ids": ids}, "traces of the error logs"
                ),
                ToolCall(
                    "opensearch",
                    "get_traces",
                    {"trace_ids": ids[:TREES_SHOWN], "include_spans": True},
                    "trace trees",
                ),
            ]
        )
        if summary.ok:
            fetched = summary.typed(GetTracesResult)
            found = {trace.trace_id for trace in fetched.traces}
            origins = adapters.origin_spans(fetched)
            traces.summaries = adapters.trace_summaries(fetched.traces)
        if whole.ok:
            trees = adapters.trace_trees(whole.typed(GetTracesResult))
            traces.trees = trees
    result = correlate(records, trees, [], ids, found, origins)
    if logs.ok:  # a failed search is named among the missing, not reported as zero lines
        run.say("logs.count", count=total, services=run.plan.services, level=level)
    if ids:
        run.say("correlate.trace_ids", logs=total, ids=len(ids), found=result.traces_found)
    origin = result.root_cause
    if origin is not None:
        run.say(
            "correlate.origin",
            service=origin.service,
            peer=origin.dependency,
            traces=origin.traces,
            operation=origin.operation,
            message=origin.message or "",
        )
    elif trees:
        run.say("correlate.no_origin")
    involved = list(dict.fromkeys([o.service for o in result.origins[:2]] + run.plan.services))
    pods = await context_around(run, involved, "error_ratio")
    if not logs.ok:
        say_context(run, involved, pods)
    mark_window(run, [record.timestamp for record in records], "error logs")
    result.links = evidence_links(records, trees, pods)
    return result


def series_name(measure: str, service: str) -> str:
    """The chart name of a service's RED measure: 'error ratio payment-service'."""
    return f"{word(measure, 'en')} {service}"


async def context_around(run: Run, involved: list[str], measure: str) -> list[PodRecord]:
    """The ``measure`` series (a RED measure: ``error_ratio``, ``p95_ms``) of the services
    involved, and the pods of the first; both go into the run's evidence."""
    if not involved:
        return []
    calls = [
        ToolCall(
            "prometheus",
            "red_summary",
            {"service": service, **run.prometheus_window(), "include_series": True},
            "{measure} of {service}",
            {"measure": measure, "service": service},
        )
        for service in involved
    ]
    calls.append(
        ToolCall(
            "kubernetes",
            "workload_for_service",
            {"service": involved[0]},
            "pods of {service}",
            {"service": involved[0]},
        )
    )
    outcomes = await run.call_all(calls)
    metrics = MetricEvidence()
    for service, outcome in zip(involved, outcomes, strict=False):
        if outcome.ok:
            promql, series_set = adapters.window_measure(outcome.typed(RedSummary), measure)
            name = series_name(measure, service)
            metrics.series.extend(adapters.series_records(series_set, name, promql))
    run.evidence.metrics = metrics
    pods_outcome = outcomes[-1]
    if not pods_outcome.ok:
        return []
    pods = adapters.pod_records(adapters.workload_pods(pods_outcome.typed(WorkloadResult)))
    run.evidence.k8s = KubeEvidence(pods=pods)
    return pods


def say_context(run: Run, involved: list[str], pods: list[PodRecord]) -> None:
    """With no error logs to follow (the log store down), what the error ratio and the pods
    of the services asked about show, from the backends that answered."""
    answered = {o.call.server for o in run.outcomes if o.ok}
    if "prometheus" in answered and run.evidence.metrics is not None:
        for service in involved:
            name = series_name("error_ratio", service)
            series = [s for s in run.evidence.metrics.series if s.name == name]
            describe(run, "error_ratio", "ratio", series, service)
    if "kubernetes" in answered:
        say_pods(run, pods, None)


def mark_window(run: Run, moments: list[str | None], label: str) -> None:
    """The span of ``moments`` (ISO times of what was read) as a window on the metric charts."""
    times = sorted(moment for moment in moments if moment)
    if times and run.evidence.metrics is not None:
        run.evidence.metrics.anomaly_windows.append(
            WindowMark(start=times[0], end=times[-1], label=label)
        )


def correlation_record(result: Correlation) -> CorrelationRecord:
    """The correlation as it goes on the wire."""
    return CorrelationRecord(
        trace_ids_from_logs=result.trace_ids_from_logs,
        traces_found=result.traces_found,
        traces_missing=result.traces_missing,
        origins=[
            OriginRecord(
                service=o.service,
                traces=o.traces,
                operation=o.operation,
                message=o.message,
                dependency=o.dependency,
            )
            for o in result.origins
        ],
        root_cause=result.root_cause.service if result.root_cause else None,
        slow_services=[
            SlowServiceRecord(service=s.service, self_ms=s.self_ms, share=s.share)
            for s in result.slow_services
        ],
        links=[
            LinkRecord(source=link.source, target=link.target, relation=link.relation)
            for link in result.links
        ],
    )
