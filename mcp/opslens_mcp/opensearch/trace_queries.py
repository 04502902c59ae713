"""Span filters and the pure query builders of the trace tools.

A trace matches :class:`TraceFilters` when one of its spans matches every filter given, so
``service=product-service, min_duration_ms=1000`` finds traces in which product-service took
at least a second; without service or operation the longest span (the root) decides.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from pydantic import Field

from opslens_mcp.core.errors import BackendError
from opslens_mcp.opensearch import queries
from opslens_mcp.opensearch.client import BACKEND
from opslens_mcp.opensearch.mapping import IndexFields
from opslens_mcp.opensearch.models import Names, WindowParams
from opslens_mcp.opensearch.profiles import TraceProfile
from opslens_mcp.opensearch.queries import Clause
from opslens_mcp.opensearch.searcher import Searcher

TraceOrder = Literal["slowest", "newest", "oldest"]
EXACT_COUNT_LIMIT = 20_000
"""Up to this many matching traces are counted exactly (one bucket each); beyond it the count
is OpenSearch's cardinality estimate."""
MATCHING_FILTER_PATH = "aggregations.traces,aggregations.distinct_count,aggregations.trace_count"
"""The answer keeps the listed traces and the counts, not the counting buckets."""


class TraceFilters(WindowParams):
    """Which spans a trace must contain."""

    service: Names = Field(default_factory=list, description="Service names (any of them).")
    operation: Names = Field(
        default_factory=list, description="Span names, e.g. 'GET /api/products/{id}'."
    )
    min_duration_ms: float | None = Field(
        default=None, ge=0, description="The matching span lasted at least this long."
    )
    max_duration_ms: float | None = Field(
        default=None, ge=0, description="The matching span lasted at most this long."
    )
    errors_only: bool = Field(default=False, description="The matching span is an error.")


@dataclass(frozen=True)
class SpanSource:
    """The span indices with their profile and real mappings."""

    profile: TraceProfile
    fields: IndexFields

    def exact(self, path: str, values: list[Any]) -> Clause:
        return queries.exact(self.fields.exact_variants(path), values)

    def keyword(self, path: str) -> str:
        """The path to aggregate or sort ``path`` on (its keyword variant)."""
        chosen, _ = self.fields.aggregatable(path)
        return chosen or path

    def error_clause(self) -> Clause:
        return self.exact(self.profile.error_field, [self.profile.error_value])

    def source_filter(self) -> dict[str, list[str]]:
        """``_source`` of spans without stack traces (the bulk of error spans' bytes)."""
        return {"includes": self.span_fields(), "excludes": ["*stacktrace*"]}

    def span_fields(self) -> list[str]:
        p = self.profile
        paths = [
            p.trace_id_field, p.span_id_field, p.parent_span_id_field, p.references_field,
            p.service_field, p.operation_field, p.kind_field, p.start_field, p.end_field,
            p.duration_field, p.error_field, p.status_message_field, p.http_status_field,
            p.events_field, p.time_field, p.peer_field, p.db_system_field,
        ]  # fmt: skip
        return sorted({path for path in paths if path})


async def open_spans(searcher: Searcher, profile: TraceProfile) -> SpanSource:
    """The span source, or a clear error when tracing is off or no span index exists."""
    if not profile.enabled:
        raise BackendError(BACKEND, "traces are disabled in the profile (traces.enabled)", 404)
    probe = SpanSource(profile, IndexFields(profile.index, ()))
    fields = await searcher.fields(profile.index, probe.span_fields())
    if not fields.indices:
        raise BackendError(
            BACKEND,
            f"no span index matches {profile.index!r}: check that traces are shipped (Data "
            "Prepper writes otel-v1-apm-span-*) or set the profile's traces.index "
            "(OPSLENS_OPENSEARCH_PROFILES__TRACES__INDEX)",
            404,
        )
    fields.require_date(profile.time_field, "span")
    return SpanSource(profile, fields)


def span_filter(source: SpanSource, filters: TraceFilters, window: Any | None) -> list[Clause]:
    """Filter clauses selecting the spans that make a trace match."""
    p = source.profile
    clauses: list[Clause] = []
    if window is not None:
        clauses.append(queries.time_range(p.time_field, window))
    if filters.service:
        clauses.append(source.exact(p.service_field, list(filters.service)))
    if filters.operation:
        clauses.append(source.exact(p.operation_field, list(filters.operation)))
    bounds: dict[str, float] = {}
    if filters.min_duration_ms is not None:
        bounds["gte"] = filters.min_duration_ms * p.duration_per_ms
    if filters.max_duration_ms is not None:
        bounds["lte"] = filters.max_duration_ms * p.duration_per_ms
    if bounds:
        clauses.append({"range": {p.duration_field: bounds}})
    if filters.errors_only:
        clauses.append(source.error_clause())
    return clauses


def matching_traces_body(
    source: SpanSource, filters: list[Clause], order: TraceOrder, size: int
) -> dict[str, Any]:
    """Trace ids whose spans match, slowest or newest first, and how many traces match."""
    p = source.profile
    trace_id = source.keyword(p.trace_id_field)
    sort_key = {
        "slowest": ("longest", "desc"),
        "newest": ("first", "desc"),
        "oldest": ("first", "asc"),
    }
    metric, direction = sort_key[order]
    return {
        "query": queries.bool_query(filters),
        "size": 0,
        "aggs": {
            "traces": {
                "terms": {"field": trace_id, "size": size, "order": {metric: direction}},
                "aggs": {
                    "longest": {"max": {"field": p.duration_field}},
                    "first": {"min": {"field": p.time_field}},
                },
            },
            "distinct": {"terms": {"field": trace_id, "size": EXACT_COUNT_LIMIT}},
            "distinct_count": {"stats_bucket": {"buckets_path": "distinct>_count"}},
            "trace_count": {"cardinality": {"field": trace_id, "precision_threshold": 40000}},
        },
    }


def matching_total(answer: dict[str, Any]) -> tuple[int, bool]:
    """How many traces matched, and whether that number is exact."""
    aggregations = answer["aggregations"]
    exact = int(aggregations["distinct_count"]["count"])
    if exact < EXACT_COUNT_LIMIT:
        return exact, True
    return int(aggregations["trace_count"]["value"]), False


def root_clause(source: SpanSource) -> Clause:
    """Spans without a parent: no parent id, or (Jaeger) no reference."""
    p = source.profile
    absent: list[Clause] = []
    if p.references_field:
        exists: Clause = {"exists": {"field": f"{p.references_field}.spanID"}}
        nested = "nested" in source.fields.types(p.references_field).values()
        absent.append(
            {"nested": {"path": p.references_field, "query": exists}} if nested else exists
        )
    if p.parent_span_id_field:
        absent.append({"exists": {"field": p.parent_span_id_field}})
        empty = {"bool": {"filter": [source.exact(p.parent_span_id_field, [""])]}}
        return {
            "bool": {"should": [{"bool": {"must_not": absent}}, empty], "minimum_should_match": 1}
        }
    return {"bool": {"must_not": absent}}


def summaries_body(source: SpanSource, trace_ids: list[str]) -> dict[str, Any]:
    """Per trace: span and error counts, services, start, longest span and the root span."""
    p = source.profile
    first_span = {
        "top_hits": {
            "size": 1,
            "sort": [{p.start_field: {"order": "asc"}}],
            "_source": {"includes": [p.service_field, p.operation_field]},
        }
    }
    return {
        "query": queries.bool_query([source.exact(p.trace_id_field, trace_ids)]),
        "size": 0,
        "aggs": {
            "traces": {
                "terms": {"field": source.keyword(p.trace_id_field), "size": len(trace_ids)},
                "aggs": {
                    "errors": {"filter": source.error_clause()},
                    "services": {"terms": {"field": source.keyword(p.service_field), "size": 50}},
                    "first": {"min": {"field": p.time_field}},
                    "longest": {"max": {"field": p.duration_field}},
                    "roots": {"filter": root_clause(source), "aggs": {"span": first_span}},
                    "earliest": first_span,
                },
            }
        },
    }


def spans_body(source: SpanSource, trace_ids: list[str], max_spans: int) -> dict[str, Any]:
    """All spans of ``trace_ids`` (up to ``max_spans``) and the true span count per trace."""
    p = source.profile
    trace_id = source.keyword(p.trace_id_field)
    return {
        "query": queries.bool_query([source.exact(p.trace_id_field, trace_ids)]),
        "size": max_spans,
        "sort": [{trace_id: {"order": "asc"}}, {p.start_field: {"order": "asc"}}],
        "_source": source.source_filter(),
        "track_total_hits": True,
        "aggs": {"per_trace": {"terms": {"field": trace_id, "size": len(trace_ids)}}},
    }
