"""Tool results turned into the agent's evidence records (one place knows the tools' shapes)."""

from __future__ import annotations

from collections.abc import Sequence

from pydantic_core import to_jsonable_python

from opslens.agent.response import (
    EventRecord,
    FindingRecord,
    LogRecord,
    PodRecord,
    SeriesRecord,
    SpanRecord,
    TraceSummaryRecord,
    TraceTreeRecord,
)
from opslens_mcp.contract.kubernetes import (
    EventGroup,
    Finding,
    ObjectRef,
    PodSummary,
    WorkloadResult,
)
from opslens_mcp.contract.opensearch import (
    GetTracesResult,
    SearchLogsResult,
    TraceDetail,
    TraceSummary,
)
from opslens_mcp.contract.prometheus import RedSummary, ResourceUsage, SeriesSet


def log_records(result: SearchLogsResult) -> list[LogRecord]:
    return [
        LogRecord(
            timestamp=record.timestamp or "",
            service=record.service,
            level=record.level,
            message=record.message,
            pod=record.pod,
            namespace=record.namespace,
            trace_id=record.trace_id,
            span_id=record.span_id,
        )
        for record in result.records
    ]


def trace_summaries(traces: Sequence[TraceSummary | TraceDetail]) -> list[TraceSummaryRecord]:
    return [
        TraceSummaryRecord(
            trace_id=trace.trace_id,
            root_service=trace.root_service,
            root_operation=trace.root_operation,
            start=trace.start,
            duration_ms=trace.duration_ms,
            span_count=trace.span_count,
            error_count=trace.error_count,
            services=list(trace.services),
        )
        for trace in traces
    ]


def trace_trees(result: GetTracesResult) -> list[TraceTreeRecord]:
    trees = []
    for trace in result.traces:
        spans = [
            SpanRecord(
                span_id=span.span_id,
                parent_id=span.parent_span_id,
                service=span.service or "?",
                name=span.operation,
                start=span.start,
                duration_ms=span.duration_ms,
                self_ms=span.self_time_ms,
                error=span.error,
                status_message=span.error_message,
                peer=span.peer or span.db_system,
            )
            for span in trace.spans
        ]
        path = [step.span_id for step in trace.critical_path]
        trees.append(TraceTreeRecord(trace_id=trace.trace_id, spans=spans, critical_path=path))
    return trees


def origin_spans(result: GetTracesResult) -> list[SpanRecord]:
    """Per trace of a ``get_traces`` result, the error span(s) where its failure starts."""
    spans = []
    for trace in result.traces:
        origin = next((error for error in trace.errors if error.origin), None)
        if origin is not None:
            spans.append(
                SpanRecord(
                    span_id=origin.span_id,
                    service=origin.service or "?",
                    name=origin.operation,
                    start=trace.start,
                    duration_ms=0.0,
                    self_ms=0.0,
                    error=True,
                    status_message=origin.message,
                    peer=origin.peer,
                )
            )
    return spans


def series_records(
    series_set: SeriesSet | None, name: str, promql: str, unit: str = ""
) -> list[SeriesRecord]:
    """A Prometheus tool's series set (timestamps/values lists) as chart series."""
    records = []
    for series in series_set.series if series_set else []:
        points = [
            (ts, value)
            for ts, value in zip(series.timestamps or [], series.values or [], strict=False)
            if value is not None
        ]
        records.append(
            SeriesRecord(name=name, labels=series.labels, points=points, promql=promql, unit=unit)
        )
    return records


def pod_records(pods: Sequence[PodSummary]) -> list[PodRecord]:
    return [
        PodRecord(
            namespace=pod.namespace,
            name=pod.name,
            status=pod.status or pod.phase,
            restarts=pod.restarts,
            last_termination_reason=pod.last_termination_reason,
            node=pod.node,
            service=pod.labels.get("app"),
        )
        for pod in pods
    ]


def _object_text(ref: ObjectRef) -> str:
    return f"{ref.kind}/{ref.name}"


def event_records(events: Sequence[EventGroup]) -> list[EventRecord]:
    """``list_events`` groups (or a pod's events) as evidence."""
    return [
        EventRecord(
            namespace=event.object.namespace or "",
            object=_object_text(event.object),
            reason=event.reason,
            message=event.message,
            type=event.type,
            count=event.count,
            last_seen=to_jsonable_python(event.last_seen),
        )
        for event in events
    ]


def finding_records(findings: Sequence[Finding]) -> list[FindingRecord]:
    """``diagnose`` findings as evidence."""
    return [
        FindingRecord(
            object=_object_text(finding.object),
            kind=finding.analyzer,
            severity=finding.severity,
            title=finding.problem,
            explanation=finding.explanation,
        )
        for finding in findings
    ]


def window_measure(
    result: RedSummary | ResourceUsage, measure: str
) -> tuple[str, SeriesSet | None]:
    """The PromQL and series set of one measure a summary tool drew over its window."""
    if result.series is None:
        return "", None
    return result.series.queries.get(measure, ""), result.series.measures.get(measure)


def workload_pods(result: WorkloadResult, unowned: bool = False) -> list[PodSummary]:
    """The pods of a service's workloads (and, with ``unowned``, its pods outside them)."""
    pods = [pod for workload in result.workloads for pod in workload.pods]
    return pods + result.unowned_pods if unowned else pods
