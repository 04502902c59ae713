"""Wire models of traces and how they are made from trees and aggregation buckets."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from opslens_mcp.opensearch.normalize import iso_from_nanos, lookup, to_nanos
from opslens_mcp.opensearch.profiles import TraceProfile
from opslens_mcp.opensearch.trace_tree import TraceTree


def ms(nanos: float) -> float:
    return round(nanos / 1_000_000, 3)


class TraceSummary(BaseModel):
    """One trace at a glance."""

    trace_id: str
    root_service: str | None
    root_operation: str | None
    partial: bool = Field(description="No root span in the data: root_* name the earliest span.")
    start: str | None
    duration_ms: float = Field(description="The longest span (the root when present).")
    span_count: int
    error_count: int
    services: list[str]


class SpanView(BaseModel):
    span_id: str
    parent_span_id: str | None
    depth: int
    service: str
    operation: str
    kind: str | None
    start: str
    start_offset_ms: float = Field(description="Since the trace's first span started.")
    duration_ms: float
    self_time_ms: float = Field(description="Duration minus the time its children cover.")
    error: bool
    error_message: str | None
    http_status: str | None
    peer: str | None = Field(description="The remote host or service a client span called.")
    db_system: str | None = Field(description="The database a client span queried.")
    orphan: bool = Field(description="Its parent is not in the data (a partial trace).")
    on_critical_path: bool


class PathStep(BaseModel):
    span_id: str
    service: str
    operation: str
    start_offset_ms: float
    duration_ms: float


class ErrorSpan(BaseModel):
    span_id: str
    service: str
    operation: str
    message: str | None
    http_status: str | None
    peer: str | None = Field(description="What it called, when a call failed (e.g. a database).")
    db_system: str | None
    origin: bool = Field(description="No error below it: where the failure starts.")


class TraceDetail(BaseModel):
    """A whole trace: spans as a tree (depth-first, parent links), critical path, errors."""

    trace_id: str
    root_service: str | None
    root_operation: str | None
    start: str
    duration_ms: float
    span_count: int = Field(description="Spans of this trace in OpenSearch.")
    spans_returned: int
    complete: bool = Field(description="All its spans are listed (false when cut at max_spans).")
    services: list[str]
    error_count: int
    orphan_count: int
    critical_path: list[PathStep]
    critical_path_ms_by_service: dict[str, float]
    errors: list[ErrorSpan]
    spans: list[SpanView] = Field(default_factory=list)


def trace_detail(
    tree: TraceTree, span_count: int, complete: bool, include_spans: bool
) -> TraceDetail:
    on_path = {segment.span.span_id for segment in tree.critical_path}
    by_service: dict[str, float] = {}
    for segment in tree.critical_path:
        by_service[segment.span.service] = by_service.get(segment.span.service, 0.0) + ms(
            segment.duration_ns
        )
    origins = {span.span_id for span in tree.error_origins}
    spans = (
        []
        if not include_spans
        else [
            SpanView(
                span_id=node.span.span_id,
                parent_span_id=node.span.parent_id,
                depth=node.depth,
                service=node.span.service,
                operation=node.span.operation,
                kind=node.span.kind,
                start=iso_from_nanos(node.span.start_ns),
                start_offset_ms=ms(node.span.start_ns - tree.start_ns),
                duration_ms=ms(node.span.duration_ns),
                self_time_ms=ms(node.self_ns),
                error=node.span.error,
                error_message=node.span.error_message,
                http_status=node.span.http_status,
                peer=node.span.peer,
                db_system=node.span.db_system,
                orphan=node.orphan,
                on_critical_path=node.span.span_id in on_path,
            )
            for node in tree.nodes
        ]
    )
    return TraceDetail(
        trace_id=tree.trace_id,
        root_service=tree.root.service if tree.root else None,
        root_operation=tree.root.operation if tree.root else None,
        start=iso_from_nanos(tree.start_ns),
        duration_ms=ms(tree.duration_ns),
        span_count=span_count,
        spans_returned=len(tree.nodes),
        complete=complete,
        services=tree.services,
        error_count=len(tree.error_spans),
        orphan_count=len(tree.orphans),
        critical_path=[
            PathStep(
                span_id=s.span.span_id,
                service=s.span.service,
                operation=s.span.operation,
                start_offset_ms=ms(s.start_ns - tree.start_ns),
                duration_ms=ms(s.duration_ns),
            )
            for s in tree.critical_path
        ],
        critical_path_ms_by_service={k: round(v, 3) for k, v in by_service.items()},
        errors=[
            ErrorSpan(
                span_id=s.span_id,
                service=s.service,
                operation=s.operation,
                message=s.error_message,
                http_status=s.http_status,
                peer=s.peer,
                db_system=s.db_system,
                origin=s.span_id in origins,
            )
            for s in tree.error_spans
        ],
        spans=spans,
    )


def _top_hit(agg: dict[str, Any] | None) -> dict[str, Any] | None:
    hits = ((agg or {}).get("hits") or {}).get("hits") or []
    return hits[0].get("_source") if hits else None


def trace_summary(bucket: dict[str, Any], profile: TraceProfile) -> TraceSummary:
    """A summary from one bucket of :func:`~opslens_mcp.opensearch.trace_queries.summaries_body`."""
    root = _top_hit(bucket["roots"]["span"]) if bucket["roots"]["doc_count"] else None
    named = root or _top_hit(bucket.get("earliest")) or {}
    first = bucket["first"].get("value_as_string")
    start_ns = to_nanos(first) if first is not None else None
    longest = bucket["longest"].get("value") or 0
    service = lookup(named, profile.service_field)
    operation = lookup(named, profile.operation_field)
    return TraceSummary(
        trace_id=str(bucket["key"]),
        root_service=str(service) if service is not None else None,
        root_operation=str(operation) if operation is not None else None,
        partial=root is None,
        start=iso_from_nanos(start_ns) if start_ns is not None else None,
        duration_ms=round(float(longest) / profile.duration_per_ms, 3),
        span_count=int(bucket["doc_count"]),
        error_count=int(bucket["errors"]["doc_count"]),
        services=sorted(str(b["key"]) for b in bucket["services"]["buckets"]),
    )
