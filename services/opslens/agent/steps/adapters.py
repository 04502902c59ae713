"""Tool results turned into the agent's evidence records (one place knows the tools' shapes)."""

from __future__ import annotations

from typing import Any

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

PEER_ATTRIBUTES = ("peer_service", "peer", "db_system")


def log_records(result: dict[str, Any]) -> list[LogRecord]:
    return [
        LogRecord(
            timestamp=str(record.get("timestamp") or ""),
            service=record.get("service"),
            level=record.get("level"),
            message=str(record.get("message") or ""),
            pod=record.get("pod"),
            namespace=record.get("namespace"),
            trace_id=record.get("trace_id"),
            span_id=record.get("span_id"),
        )
        for record in result.get("records", [])
    ]


def trace_summaries(result: dict[str, Any]) -> list[TraceSummaryRecord]:
    return [
        TraceSummaryRecord(
            trace_id=trace["trace_id"],
            root_service=trace.get("root_service"),
            root_operation=trace.get("root_operation"),
            start=trace.get("start"),
            duration_ms=float(trace.get("duration_ms") or 0.0),
            span_count=int(trace.get("span_count") or 0),
            error_count=int(trace.get("error_count") or 0),
            services=list(trace.get("services") or []),
        )
        for trace in result.get("traces", [])
    ]


def trace_trees(result: dict[str, Any]) -> list[TraceTreeRecord]:
    trees = []
    for trace in result.get("traces", []):
        spans = [
            SpanRecord(
                span_id=span["span_id"],
                parent_id=span.get("parent_span_id"),
                service=span.get("service") or "?",
                name=span.get("operation") or "",
                start=span.get("start") or "",
                duration_ms=float(span.get("duration_ms") or 0.0),
                self_ms=float(span.get("self_time_ms") or 0.0),
                error=bool(span.get("error")),
                status_message=span.get("error_message"),
                peer=next((span[key] for key in PEER_ATTRIBUTES if span.get(key)), None),
            )
            for span in trace.get("spans", [])
        ]
        path = [step["span_id"] for step in trace.get("critical_path", [])]
        trees.append(TraceTreeRecord(trace_id=trace["trace_id"], spans=spans, critical_path=path))
    return trees


def origin_spans(result: dict[str, Any]) -> list[SpanRecord]:
    """Per trace of a ``get_traces`` result, the error span(s) where its failure starts."""
    spans = []
    for trace in result.get("traces", []):
        for error in trace.get("errors", []):
            if error.get("origin"):
                spans.append(
                    SpanRecord(
                        span_id=error["span_id"],
                        service=error.get("service") or "?",
                        name=error.get("operation") or "",
                        start=trace.get("start") or "",
                        duration_ms=0.0,
                        self_ms=0.0,
                        error=True,
                        status_message=error.get("message"),
                        peer=error.get("peer"),
                    )
                )
                break
    return spans


def series_records(
    series_set: dict[str, Any], name: str, promql: str, unit: str = ""
) -> list[SeriesRecord]:
    """A Prometheus tool's series set (timestamps/values lists) as chart series."""
    records = []
    for series in series_set.get("series", []):
        timestamps = series.get("timestamps") or []
        values = series.get("values") or []
        points = [
            (float(ts), float(value))
            for ts, value in zip(timestamps, values, strict=False)
            if value is not None
        ]
        records.append(
            SeriesRecord(
                name=name,
                labels=dict(series.get("labels") or {}),
                points=points,
                promql=promql,
                unit=unit,
            )
        )
    return records


def pod_records(result: dict[str, Any]) -> list[PodRecord]:
    pods = []
    for pod in result.get("pods", []):
        pods.append(
            PodRecord(
                namespace=pod.get("namespace") or "",
                name=pod.get("name") or "",
                status=pod.get("status") or pod.get("phase") or "",
                restarts=int(pod.get("restarts") or 0),
                last_termination_reason=pod.get("last_termination_reason"),
                node=pod.get("node"),
                service=(pod.get("labels") or {}).get("app"),
            )
        )
    return pods


def _object_text(ref: Any) -> str:
    if isinstance(ref, str):
        return ref
    ref = ref or {}
    return f"{ref.get('kind', '')}/{ref.get('name', '')}"


def event_records(result: dict[str, Any]) -> list[EventRecord]:
    """``list_events`` groups (or a pod's events) as evidence."""
    return [
        EventRecord(
            namespace=(event.get("object") or {}).get("namespace") or "",
            object=_object_text(event.get("object")),
            reason=event.get("reason") or "",
            message=event.get("message") or "",
            type=event.get("type") or "",
            count=int(event.get("count") or 1),
            last_seen=event.get("last_seen"),
        )
        for event in result.get("events", [])
    ]


def finding_records(result: dict[str, Any]) -> list[FindingRecord]:
    """``diagnose`` findings as evidence."""
    return [
        FindingRecord(
            object=_object_text(finding.get("object")),
            kind=finding.get("analyzer") or "",
            severity=finding.get("severity") or "",
            title=finding.get("problem") or "",
            explanation=finding.get("explanation") or "",
        )
        for finding in result.get("findings", [])
    ]
