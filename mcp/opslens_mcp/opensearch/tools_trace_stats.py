"""Span statistics tools: ``latency_stats`` and ``service_map``."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from opslens_mcp.core.tools import ToolRegistry
from opslens_mcp.opensearch import queries
from opslens_mcp.opensearch import trace_queries as tq
from opslens_mcp.opensearch import trace_stats as ts
from opslens_mcp.opensearch.context import ToolContext
from opslens_mcp.opensearch.models import (
    Envelope,
    Names,
    OpenSearchRequest,
    TimeWindow,
    WindowParams,
)
from opslens_mcp.opensearch.normalize import span_of
from opslens_mcp.opensearch.timerange import TimeRange


class Figures(BaseModel):
    requests: int = Field(description="Spans in the group.")
    errors: int
    error_rate: float = Field(description="errors / requests, 0..1.")
    p50_ms: float | None
    p95_ms: float | None
    p99_ms: float | None


class LatencyGroup(Figures):
    service: str
    operation: str | None
    baseline: Figures | None = None
    p95_ratio: float | None = Field(default=None, description="p95 / baseline p95.")


class LatencyStatsParams(WindowParams):
    service: Names = Field(default_factory=list, description="Services to include (default all).")
    operation: Names = Field(default_factory=list, description="Operations to include.")
    group_by: Literal["service", "operation"] = Field(
        default="operation",
        description="operation (default): per service and span name, so a slow endpoint is not "
        "averaged away by fast ones; service: one row per service.",
    )
    server_only: bool = Field(
        default=False,
        description="Only spans that serve a request (the latency callers see), leaving out "
        "client and internal spans; a good choice with group_by=service.",
    )
    baseline_start: str | None = Field(
        default=None, max_length=64, description="Compare with this window (same time forms)."
    )
    baseline_end: str | None = Field(
        default=None,
        max_length=64,
        description="End of the baseline; default: start of the window.",
    )


class LatencyStatsResult(Envelope):
    groups: list[LatencyGroup]
    baseline_range: TimeWindow | None = None


class ServiceMapParams(WindowParams):
    service: Names = Field(
        default_factory=list, description="Only edges touching these services (default all)."
    )


class EdgeView(Figures):
    caller: str
    callee: str
    operation: str = Field(description="The callee's operation the caller uses.")
    measured_on: Literal["callee", "caller"] = Field(
        default="callee",
        description="callee: from the callee's own spans; caller: the callee has no spans "
        "(a database, an external API), so from the caller's client spans towards it.",
    )
    shared_with: list[str] = Field(
        default_factory=list,
        description="Other callers of the same operation: the figures, measured on the "
        "callee's spans, cover their calls too.",
    )


EdgeOrigin = Literal["service-map index", "spans"]


class ServiceMapResult(Envelope):
    edges: list[EdgeView]
    services: list[str]
    edges_from: EdgeOrigin
    spans_scanned: int | None = Field(
        default=None, description="Spans read to find edges when no service-map index exists."
    )


def _figures(stats: ts.GroupStats) -> dict[str, Any]:
    return {
        "requests": stats.requests,
        "errors": stats.errors,
        "error_rate": stats.error_rate,
        "p50_ms": stats.p50_ms,
        "p95_ms": stats.p95_ms,
        "p99_ms": stats.p99_ms,
    }


async def _edges(
    ctx: ToolContext, source: tq.SpanSource, window: TimeRange
) -> tuple[set[ts.Edge], EdgeOrigin, int | None, OpenSearchRequest]:
    smap = ctx.profiles.service_map
    if smap.enabled:
        fields = await ctx.searcher.fields(smap.index, [smap.service_field, smap.kind_field])
        if fields.indices:
            body = {
                "query": queries.bool_query(
                    [queries.exact(fields.exact_variants(smap.kind_field), [smap.client_kind])]
                ),
                "size": 1000,
            }
            answer, request = await ctx.searcher.search(smap.index, body)
            names = {
                "service": smap.service_field,
                "destination_service": smap.destination_service_field,
                "destination_operation": smap.destination_operation_field,
            }
            edges = ts.edges_from_service_map(
                answer["hits"]["hits"], names, ctx.profiles.traces.server_kind
            )
            if edges:
                return edges, "service-map index", None, request
    p = source.profile
    body = {
        "query": queries.bool_query([queries.time_range(p.time_field, window)]),
        "size": ctx.settings.span_scan_limit,
        "sort": [{p.time_field: {"order": "desc"}}],
        "_source": source.source_filter(),
    }
    answer, request = await ctx.searcher.search(p.index, body)
    hits = answer["hits"]["hits"]
    spans = [span_of(hit.get("_source") or {}, p) for hit in hits]
    return ts.edges_from_spans(spans), "spans", len(hits), request


def register_trace_stats_tools(registry: ToolRegistry, ctx: ToolContext) -> None:
    """Add ``latency_stats`` and ``service_map`` to ``registry``."""

    @registry.tool(
        description="""
        Latency percentiles (p50/p95/p99, milliseconds) and error rate of spans by service
        and operation in a time range (default: the last hour), optionally next to a baseline
        window (e.g. the same hour yesterday) with the p95 ratio, to tell "slow now" from
        "always slow". Use a group's p95 as min_duration_ms in search_traces to find the
        slow traces themselves.
        """
    )
    async def latency_stats(params: LatencyStatsParams) -> LatencyStatsResult:
        params, session_id = ctx.begin("traces", params)
        window = ctx.window(params)
        baseline = ctx.baseline(params, window, params.baseline_start, params.baseline_end)
        source = await tq.open_spans(ctx.searcher, ctx.profiles.traces)
        p = source.profile
        by_operation = params.group_by == "operation"

        def body(span: TimeRange) -> dict[str, Any]:
            filters = tq.span_filter(
                source, tq.TraceFilters(service=params.service, operation=params.operation), span
            )
            if params.server_only and p.kind_field and p.server_kind:
                filters.append(source.exact(p.kind_field, [p.server_kind]))
            return ts.grouped_body(source, filters, by_operation)

        searches = [(p.index, body(window))] + ([(p.index, body(baseline))] if baseline else [])
        answers, request = await ctx.searcher.msearch(searches)
        current = ts.read_grouped(answers[0], by_operation, p.duration_per_ms)
        before = {
            (g.service, g.operation): g
            for g in (
                ts.read_grouped(answers[1], by_operation, p.duration_per_ms) if baseline else []
            )
        }
        groups = []
        for stats in current:
            old = before.get((stats.service, stats.operation))
            ratio = None
            if old and old.p95_ms and stats.p95_ms is not None:
                ratio = round(stats.p95_ms / old.p95_ms, 3)
            groups.append(
                LatencyGroup(
                    service=stats.service,
                    operation=stats.operation,
                    **_figures(stats),
                    baseline=Figures(**_figures(old)) if old else None,
                    p95_ratio=ratio,
                )
            )
        ctx.finish("latency_stats", "traces", params, session_id)
        return LatencyStatsResult(
            groups=groups,
            baseline_range=TimeWindow.of(baseline) if baseline else None,
            requests=[request],
            time_range=TimeWindow.of(window),
            session_id=session_id,
        )

    @registry.tool(
        description="""
        Who calls whom: caller -> callee edges (with the callee operation) and, per edge,
        request count, error count, error rate and p50/p95/p99 latency in the time range
        (default: the last hour), from the callee's spans. Edges come from Data Prepper's
        service-map index when present, else from parent/child links in recent spans.
        Dependencies without spans of their own (databases such as postgres, external APIs)
        appear too, measured from the callers' client spans (measured_on=caller). Follow
        errors down the edges to find where they start.
        """
    )
    async def service_map(params: ServiceMapParams) -> ServiceMapResult:
        params, session_id = ctx.begin("traces", params)
        window = ctx.window(params)
        source = await tq.open_spans(ctx.searcher, ctx.profiles.traces)
        found, origin, scanned, first = await _edges(ctx, source, window)
        wanted = set(params.service)
        edges = sorted(e for e in found if not wanted or {e[0], e[1]} & wanted)
        warnings = []
        if len(edges) > ts.MAX_GROUPS:
            warnings.append(f"{len(edges)} edges; only the first {ts.MAX_GROUPS} are measured")
            edges = edges[: ts.MAX_GROUPS]
        views, requests = await _measured(ctx, source, edges, window)
        dependencies, request = await _dependencies(ctx, source, window, wanted)
        views += dependencies
        views.sort(key=lambda v: (-v.requests, v.caller, v.callee, v.operation))
        ctx.finish("service_map", "traces", params, session_id)
        return ServiceMapResult(
            edges=views,
            services=sorted({v.caller for v in views} | {v.callee for v in views}),
            edges_from=origin,
            spans_scanned=scanned,
            requests=[first, *requests, *([request] if request else [])],
            time_range=TimeWindow.of(window),
            warnings=warnings,
            session_id=session_id,
        )


async def _measured(
    ctx: ToolContext, source: tq.SpanSource, edges: list[ts.Edge], window: TimeRange
) -> tuple[list[EdgeView], list[OpenSearchRequest]]:
    """Edges measured on the callee's spans, with the other callers of shared operations."""
    if not edges:
        return [], []
    p = source.profile
    body = ts.edge_stats_body(source, edges, queries.time_range(p.time_field, window))
    answer, request = await ctx.searcher.search(p.index, body)
    buckets = answer["aggregations"]["edges"]["buckets"]
    views = []
    for number, (caller, callee, operation, _) in enumerate(edges):
        stats = ts.read_stats(buckets[str(number)], callee, operation, p.duration_per_ms)
        views.append(EdgeView(caller=caller, callee=callee, operation=operation, **_figures(stats)))
    callers: dict[tuple[str, str], list[str]] = {}
    for view in views:
        callers.setdefault((view.callee, view.operation), []).append(view.caller)
    for view in views:
        view.shared_with = [c for c in callers[(view.callee, view.operation)] if c != view.caller]
    return views, [request]


async def _dependencies(
    ctx: ToolContext, source: tq.SpanSource, window: TimeRange, wanted: set[str]
) -> tuple[list[EdgeView], OpenSearchRequest | None]:
    """Edges to peers without spans (databases, external APIs), measured on client spans."""
    p = source.profile
    body = ts.dependency_calls_body(source, queries.time_range(p.time_field, window))
    if body is None:
        return [], None
    answer, request = await ctx.searcher.search(p.index, body)
    views = [
        EdgeView(
            caller=caller,
            callee=stats.service,
            operation=stats.operation or "",
            measured_on="caller",
            **_figures(stats),
        )
        for caller, stats in ts.read_dependency_calls(answer, p.duration_per_ms)
        if not wanted or {caller, stats.service} & wanted
    ]
    return views, request
