"""Trace tools: ``search_traces``, ``get_trace`` and ``get_traces``."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from opslens_mcp.core.errors import InvalidParams
from opslens_mcp.core.tools import ToolRegistry
from opslens_mcp.opensearch import trace_queries as tq
from opslens_mcp.opensearch.context import ToolContext
from opslens_mcp.opensearch.models import (
    Envelope,
    OpenSearchRequest,
    TimeWindow,
    TraceId,
    as_list,
)
from opslens_mcp.opensearch.normalize import Span, span_of
from opslens_mcp.opensearch.trace_tree import TraceTree, build_tree
from opslens_mcp.opensearch.trace_views import (
    TraceDetail,
    TraceSummary,
    trace_detail,
    trace_summary,
)


class SearchTracesParams(tq.TraceFilters):
    order: tq.TraceOrder = Field(
        default="slowest",
        description="slowest (default: what latency questions want), newest or oldest.",
    )
    limit: int = Field(default=20, ge=1, le=1000, description="Traces to return (server cap 200).")


class SearchTracesResult(Envelope):
    traces: list[TraceSummary]
    total: int = Field(description="Traces with a matching span.")
    total_exact: bool = Field(
        description=f"total is exact (up to {tq.EXACT_COUNT_LIMIT:,} traces; an estimate above)."
    )
    has_more: bool


class GetTraceParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    trace_id: TraceId
    include_spans: bool = Field(default=True, description="List every span, not only the analysis.")
    max_spans: int = Field(default=2000, ge=1, le=100_000, description="Spans to fetch at most.")


class GetTracesParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    trace_ids: Annotated[list[TraceId], BeforeValidator(as_list), Field(min_length=1)] = Field(
        description="Trace ids (up to 1,000), e.g. the trace_id values of error logs."
    )
    include_spans: bool = Field(
        default=False,
        description="Also list every span of every trace; off by default because critical "
        "paths and error spans answer most questions in far fewer tokens.",
    )
    max_spans: int = Field(
        default=10_000, ge=1, le=100_000, description="Spans to fetch at most, all traces together."
    )


class GetTracesResult(Envelope):
    traces: list[TraceDetail]
    missing: list[str] = Field(description="Ids with no span in OpenSearch.")
    not_fetched: list[str] = Field(
        default_factory=list,
        description="Ids with spans that did not fit in max_spans: ask for them separately.",
    )
    truncated: bool = Field(description="Some traces were cut, or left out, at max_spans.")


class GetTraceResult(Envelope):
    trace: TraceDetail | None
    found: bool


@dataclass
class FetchedSpans:
    """The spans of asked traces, per trace in the order asked, as one search returned them."""

    ids: list[str]
    """The asked ids, each once, in the order asked."""
    spans: dict[str, list[Span]]
    counts: dict[str, int]
    """Spans of each trace in OpenSearch (fetched or not)."""
    request: OpenSearchRequest
    warnings: list[str]

    def trees(self) -> Iterator[tuple[TraceTree, bool]]:
        """Each fetched trace's tree, with whether all its spans were fetched."""
        for trace_id in self.ids:
            if trace_id in self.spans and trace_id in self.counts:
                spans = self.spans[trace_id]
                yield build_tree(trace_id, spans), len(spans) >= self.counts[trace_id]

    @property
    def missing(self) -> list[str]:
        """Ids with no span in OpenSearch."""
        return [t for t in self.ids if t not in self.counts]

    @property
    def not_fetched(self) -> list[str]:
        """Ids with spans that did not fit in ``max_spans``."""
        return [t for t in self.ids if t in self.counts and t not in self.spans]

    def outcome(self, complete: Iterable[bool]) -> dict[str, Any]:
        """The result's fields on what was found and cut, given each returned trace's
        completeness: missing, not_fetched, truncated, and the request with its warnings."""
        not_fetched = self.not_fetched
        return {
            "missing": self.missing,
            "not_fetched": not_fetched,
            "truncated": bool(not_fetched) or not all(complete),
            "requests": [self.request],
            "warnings": self.warnings,
        }


async def fetch_spans(ctx: ToolContext, ids: list[str], max_spans: int) -> FetchedSpans:
    """One search for the spans of all ``ids`` (however many), grouped per trace."""
    source = await tq.open_spans(ctx.searcher, ctx.profiles.traces)
    unique = list(dict.fromkeys(ids))
    cap = ctx.settings.max_spans
    warnings = [] if max_spans <= cap else [f"max_spans lowered to the server's maximum of {cap}"]
    answer, request = await ctx.searcher.search(
        ctx.profiles.traces.index, tq.spans_body(source, unique, min(max_spans, cap))
    )
    counts = {
        str(b["key"]): int(b["doc_count"]) for b in answer["aggregations"]["per_trace"]["buckets"]
    }
    spans: dict[str, list[Span]] = defaultdict(list)
    for hit in answer["hits"]["hits"]:
        span = span_of(hit.get("_source") or {}, ctx.profiles.traces)
        spans[span.trace_id].append(span)
    return FetchedSpans(unique, spans, counts, request, warnings)


def check_ids(ctx: ToolContext, ids: list[str]) -> None:
    """Refuse more ids than the server takes in one call."""
    if len(ids) > ctx.settings.max_trace_ids:
        raise InvalidParams(
            f"at most {ctx.settings.max_trace_ids} trace ids per call; split the list"
        )


async def _fetch_traces(
    ctx: ToolContext, ids: list[str], max_spans: int, include_spans: bool
) -> tuple[list[TraceDetail], FetchedSpans]:
    """The traces of ``ids`` with their analysis (trees built here)."""
    fetched = await fetch_spans(ctx, ids, max_spans)
    details = [
        trace_detail(tree, fetched.counts[tree.trace_id], complete, include_spans)
        for tree, complete in fetched.trees()
    ]
    return details, fetched


def register_trace_tools(registry: ToolRegistry, ctx: ToolContext) -> None:
    """Add ``search_traces``, ``get_trace`` and ``get_traces`` to ``registry``."""
    max_limit = ctx.settings.max_trace_limit
    max_ids = ctx.settings.max_trace_ids

    @registry.tool(
        description="""
        Find traces that contain a span matching the filters (service, operation, min/max
        duration, errors only) in a time range (default: the last hour), slowest first.
        Returns summaries: trace id, root service and operation, start, duration, span and
        error counts, services touched. "Slow product-service calls" is
        service=product-service with min_duration_ms (e.g. its p95 from latency_stats).
        Then get_trace / get_traces show where the time went and which span failed first.
        """
    )
    async def search_traces(params: SearchTracesParams) -> SearchTracesResult:
        params, session_id = ctx.begin("traces", params)
        window = ctx.window(params)
        source = await tq.open_spans(ctx.searcher, ctx.profiles.traces)
        limit = min(params.limit, max_limit)
        warnings = [] if limit == params.limit else [f"limit lowered to {max_limit}"]
        index = ctx.profiles.traces.index
        found, first = await ctx.searcher.search(
            index,
            tq.matching_traces_body(
                source, tq.span_filter(source, params, window), params.order, limit + 1
            ),
            filter_path=tq.MATCHING_FILTER_PATH,
        )
        buckets = found["aggregations"]["traces"]["buckets"]
        ids = [str(b["key"]) for b in buckets[:limit]]
        requests = [first]
        summaries: list[TraceSummary] = []
        if ids:
            answer, second = await ctx.searcher.search(index, tq.summaries_body(source, ids))
            requests.append(second)
            by_id = {
                str(b["key"]): trace_summary(b, ctx.profiles.traces)
                for b in answer["aggregations"]["traces"]["buckets"]
            }
            summaries = [by_id[trace_id] for trace_id in ids if trace_id in by_id]
        ctx.finish("search_traces", "traces", params, session_id)
        total, exact = tq.matching_total(found)
        return SearchTracesResult(
            traces=summaries,
            total=total,
            total_exact=exact,
            has_more=len(buckets) > limit,
            requests=requests,
            time_range=TimeWindow.of(window),
            warnings=warnings,
            session_id=session_id,
        )

    @registry.tool(
        description="""
        One trace in full: its spans as a tree (depth-first, with parent links), each span's
        self time, the critical path (which spans the end-to-end time was spent in), and the
        error spans, with origin=true on those where the failure starts (no error below).
        Partial traces are handled: spans whose parent is missing are flagged orphan.
        """
    )
    async def get_trace(params: GetTraceParams) -> GetTraceResult:
        traces, fetched = await _fetch_traces(
            ctx, [params.trace_id], params.max_spans, params.include_spans
        )
        return GetTraceResult(
            trace=traces[0] if traces else None,
            found=bool(traces),
            requests=[fetched.request],
            warnings=fetched.warnings,
        )

    @registry.tool(
        description=f"""
        Many traces at once (up to {max_ids} ids) in a single OpenSearch request, e.g. every
        trace id found in error logs. Each comes with its critical path and error spans
        (origin=true where a failure starts); add include_spans for the full span trees.
        Ids with no spans are listed in missing.
        """
    )
    async def get_traces(params: GetTracesParams) -> GetTracesResult:
        check_ids(ctx, params.trace_ids)
        traces, fetched = await _fetch_traces(
            ctx, params.trace_ids, params.max_spans, params.include_spans
        )
        return GetTracesResult(traces=traces, **fetched.outcome(t.complete for t in traces))
