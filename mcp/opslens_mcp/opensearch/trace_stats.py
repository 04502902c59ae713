"""Pure builders and readers for span statistics: latency percentiles, error rates, edges.

Percentiles come from OpenSearch's ``percentiles`` aggregation (t-digest): exact for small
groups, within a fraction of a percent for large ones.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from opslens_mcp.opensearch import queries
from opslens_mcp.opensearch.normalize import Span, lookup
from opslens_mcp.opensearch.queries import Clause
from opslens_mcp.opensearch.trace_queries import SpanSource

PERCENTS = (50.0, 95.0, 99.0)
MAX_GROUPS = 200


def stats_aggs(source: SpanSource) -> dict[str, Any]:
    """Sub-aggregations giving percentiles of span duration and the error count."""
    return {
        "latency": {
            "percentiles": {"field": source.profile.duration_field, "percents": list(PERCENTS)}
        },
        "errors": {"filter": source.error_clause()},
    }


def grouped_body(source: SpanSource, filters: list[Clause], by_operation: bool) -> dict[str, Any]:
    """Percentiles and errors per service (and per operation inside it)."""
    p = source.profile
    inner = stats_aggs(source)
    if by_operation:
        inner = {
            "operations": {
                "terms": {"field": source.keyword(p.operation_field), "size": MAX_GROUPS},
                "aggs": inner,
            }
        }
    return {
        "query": queries.bool_query(filters),
        "size": 0,
        "aggs": {
            "services": {
                "terms": {"field": source.keyword(p.service_field), "size": MAX_GROUPS},
                "aggs": inner,
            }
        },
    }


@dataclass(frozen=True)
class GroupStats:
    service: str
    operation: str | None
    requests: int
    errors: int
    p50_ms: float | None
    p95_ms: float | None
    p99_ms: float | None

    @property
    def error_rate(self) -> float:
        return round(self.errors / self.requests, 6) if self.requests else 0.0


def read_stats(
    bucket: dict[str, Any], service: str, operation: str | None, per_ms: int
) -> GroupStats:
    values = bucket["latency"]["values"]

    def at(percent: float) -> float | None:
        value = values.get(f"{percent}") if isinstance(values, dict) else None
        return round(value / per_ms, 3) if isinstance(value, (int, float)) else None

    return GroupStats(
        service=service,
        operation=operation,
        requests=int(bucket["doc_count"]),
        errors=int(bucket["errors"]["doc_count"]),
        p50_ms=at(50.0),
        p95_ms=at(95.0),
        p99_ms=at(99.0),
    )


def read_grouped(answer: dict[str, Any], by_operation: bool, per_ms: int) -> list[GroupStats]:
    groups: list[GroupStats] = []
    for service in answer["aggregations"]["services"]["buckets"]:
        if not by_operation:
            groups.append(read_stats(service, str(service["key"]), None, per_ms))
            continue
        for operation in service["operations"]["buckets"]:
            groups.append(read_stats(operation, str(service["key"]), str(operation["key"]), per_ms))
    return groups


Edge = tuple[str, str, str, str | None]
"""(caller service, callee service, callee operation, callee span kind if known)."""


def edges_from_service_map(
    hits: Iterable[dict[str, Any]], fields: dict[str, str], server_kind: str | None
) -> set[Edge]:
    """Edges of Data Prepper's service map: client entries naming their destination."""
    edges: set[Edge] = set()
    for hit in hits:
        doc = hit.get("_source") or {}
        caller = lookup(doc, fields["service"])
        callee = lookup(doc, fields["destination_service"])
        operation = lookup(doc, fields["destination_operation"])
        if caller and callee and operation:
            edges.add((str(caller), str(callee), str(operation), server_kind))
    return edges


def edges_from_spans(spans: Iterable[Span]) -> set[Edge]:
    """Edges where a span's parent belongs to another service."""
    listed = list(spans)
    service_of = {span.span_id: span.service for span in listed}
    kinds: dict[tuple[str, str, str], set[str | None]] = {}
    for span in listed:
        caller = service_of.get(span.parent_id or "")
        if caller and caller != span.service:
            kinds.setdefault((caller, span.service, span.operation), set()).add(span.kind)
    # One kind seen: measure only spans of that kind; several: all spans of the operation.
    return {(*edge, next(iter(seen)) if len(seen) == 1 else None) for edge, seen in kinds.items()}


def dependency_calls_body(source: SpanSource, time_filter: Clause) -> dict[str, Any] | None:
    """Client spans by (caller, peer, operation), and which services have spans at all: the
    peers without spans (databases, external APIs) are dependencies seen only by callers."""
    p = source.profile
    if not p.peer_field or not source.fields.is_mapped(p.peer_field):
        return None
    clients: list[Clause] = [{"exists": {"field": p.peer_field}}]
    if p.kind_field and p.client_kind and source.fields.is_mapped(p.kind_field):
        clients.append(source.exact(p.kind_field, [p.client_kind]))

    def terms(path: str, inner: dict[str, Any]) -> dict[str, Any]:
        return {"terms": {"field": source.keyword(path), "size": 50}, "aggs": inner}

    calls = terms(p.operation_field, stats_aggs(source))
    return {
        "query": queries.bool_query([time_filter]),
        "size": 0,
        "aggs": {
            "instrumented": {"terms": {"field": source.keyword(p.service_field), "size": 1000}},
            "calls": {
                "filter": queries.bool_query(clients),
                "aggs": {
                    "callers": terms(
                        p.service_field, {"peers": terms(p.peer_field, {"ops": calls})}
                    )
                },
            },
        },
    }


def read_dependency_calls(answer: dict[str, Any], per_ms: int) -> list[tuple[str, GroupStats]]:
    """(caller, stats of its calls to an uninstrumented peer, the peer in ``service``)."""
    aggregations = answer["aggregations"]
    instrumented = {str(b["key"]) for b in aggregations["instrumented"]["buckets"]}
    found = []
    for caller in aggregations["calls"]["callers"]["buckets"]:
        for peer in caller["peers"]["buckets"]:
            if str(peer["key"]) in instrumented:
                continue
            for operation in peer["ops"]["buckets"]:
                stats = read_stats(operation, str(peer["key"]), str(operation["key"]), per_ms)
                found.append((str(caller["key"]), stats))
    return found


def edge_stats_body(source: SpanSource, edges: list[Edge], time_filter: Clause) -> dict[str, Any]:
    """Per edge, the callee's spans of that operation (of the callee's kind when known)."""
    p = source.profile
    named: dict[str, Clause] = {}
    for number, (_, callee, operation, kind) in enumerate(edges):
        clauses = [
            source.exact(p.service_field, [callee]),
            source.exact(p.operation_field, [operation]),
        ]
        if kind and p.kind_field and source.fields.is_mapped(p.kind_field):
            clauses.append(source.exact(p.kind_field, [kind]))
        named[str(number)] = queries.bool_query(clauses)
    return {
        "query": queries.bool_query([time_filter]),
        "size": 0,
        "aggs": {"edges": {"filters": {"filters": named}, "aggs": stats_aggs(source)}},
    }
