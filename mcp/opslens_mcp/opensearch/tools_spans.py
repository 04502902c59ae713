"""``get_spans``: the spans of many traces as compact rows, for analysis in bulk.

``get_traces`` describes each trace (critical path, error origins, a view of every span);
a program that reads thousands of spans for its own statistics needs a few fields of each.
Here each trace's spans come as rows of the asked fields only, in the same depth-first order
and with the same values as the span views of ``get_traces``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from opslens_mcp.core.tools import ToolRegistry
from opslens_mcp.opensearch.context import ToolContext
from opslens_mcp.opensearch.models import Envelope, TraceId, as_list
from opslens_mcp.opensearch.normalize import Span, iso_from_nanos
from opslens_mcp.opensearch.tools_traces import check_ids, fetch_spans
from opslens_mcp.opensearch.trace_views import ms

SpanField = Literal[
    "span_id",
    "parent_span_id",
    "service",
    "operation",
    "kind",
    "start",
    "duration_ms",
    "error",
    "error_message",
    "http_status",
    "peer",
    "db_system",
]
SpanValue = str | bool | float | None
READ: dict[str, Callable[[Span], SpanValue]] = {
    "span_id": lambda s: s.span_id,
    "parent_span_id": lambda s: s.parent_id,
    "service": lambda s: s.service,
    "operation": lambda s: s.operation,
    "kind": lambda s: s.kind,
    "start": lambda s: iso_from_nanos(s.start_ns),
    "duration_ms": lambda s: ms(s.duration_ns),
    "error": lambda s: s.error,
    "error_message": lambda s: s.error_message,
    "http_status": lambda s: s.http_status,
    "peer": lambda s: s.peer,
    "db_system": lambda s: s.db_system,
}
"""Each field as ``get_traces`` shows it in a span view."""


class GetSpansParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    trace_ids: Annotated[list[TraceId], BeforeValidator(as_list), Field(min_length=1)] = Field(
        description="Trace ids (up to 1,000)."
    )
    fields: list[SpanField] = Field(
        min_length=1,
        description="The span fields of each row, in this order (as in get_traces' spans).",
    )
    max_spans: int = Field(
        default=10_000, ge=1, le=100_000, description="Spans to fetch at most, all traces together."
    )


class TraceSpans(BaseModel):
    trace_id: str
    rows: list[list[SpanValue]] = Field(
        description="One row per span (depth-first, parents before children), values in the "
        "order of fields."
    )
    complete: bool = Field(description="All its spans are listed (false when cut at max_spans).")


class GetSpansResult(Envelope):
    fields: list[SpanField]
    traces: list[TraceSpans]
    missing: list[str] = Field(description="Ids with no span in OpenSearch.")
    not_fetched: list[str] = Field(
        description="Ids with spans that did not fit in max_spans: ask for them separately."
    )
    truncated: bool = Field(description="Some traces were cut, or left out, at max_spans.")


def register_span_tools(registry: ToolRegistry, ctx: ToolContext) -> None:
    """Add ``get_spans`` to ``registry``."""

    @registry.tool(
        description=f"""
        The spans of many traces (up to {ctx.settings.max_trace_ids} ids) in a single
        OpenSearch request, as rows of only the fields asked (e.g. span_id, parent_span_id,
        service, operation, start, duration_ms): for statistics over thousands of spans.
        To look at a trace, use get_traces (critical path, where errors start).
        """
    )
    async def get_spans(params: GetSpansParams) -> GetSpansResult:
        check_ids(ctx, params.trace_ids)
        fetched = await fetch_spans(ctx, params.trace_ids, params.max_spans)
        readers = [READ[name] for name in params.fields]
        traces = [
            TraceSpans(
                trace_id=tree.trace_id,
                rows=[[read(node.span) for read in readers] for node in tree.nodes],
                complete=complete,
            )
            for tree, complete in fetched.trees()
        ]
        return GetSpansResult(
            fields=params.fields, traces=traces, **fetched.outcome(t.complete for t in traces)
        )
