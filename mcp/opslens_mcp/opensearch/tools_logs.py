"""Log tools: ``search_logs`` and ``count_logs`` over container and OpenTelemetry logs."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from opslens_mcp.core.errors import InvalidParams
from opslens_mcp.core.tools import ToolRegistry
from opslens_mcp.opensearch.context import ToolContext
from opslens_mcp.opensearch.log_filters import (
    LogFilters,
    LogSource,
    open_sources,
    source_query,
    unmapped_filters,
)
from opslens_mcp.opensearch.log_paging import (
    Cursor,
    Sort,
    merge,
    next_cursor,
    page_body,
    query_digest,
)
from opslens_mcp.opensearch.models import Envelope, TimeWindow
from opslens_mcp.opensearch.normalize import LogLine, log_line
from opslens_mcp.opensearch.timerange import TimeRange, parse_iso


class SearchLogsParams(LogFilters):
    limit: int = Field(
        default=50,
        ge=1,
        le=1000,
        description="Records per page (the server caps it, 500 by default). 50 shows what "
        "happened without flooding the context; page with next_cursor, or count_logs / "
        "log_patterns for the big picture.",
    )
    sort: Sort = Field(default="newest", description="newest first (default) or oldest first.")
    cursor: str | None = Field(
        default=None,
        max_length=8192,
        description="next_cursor of the previous page; the filters must be the same.",
    )
    max_message_chars: int = Field(
        default=2000,
        ge=80,
        le=20000,
        description="Longer messages (stack traces) are cut and flagged message_truncated.",
    )


class LogRecord(BaseModel):
    """One log line, the same shape whatever source it came from."""

    timestamp: str | None
    service: str | None
    level: str | None = Field(description="fatal, error, warn, info, debug or trace if known.")
    message: str
    message_truncated: bool = False
    pod: str | None
    namespace: str | None
    container: str | None
    node: str | None
    trace_id: str | None
    span_id: str | None
    source: str = Field(description="containers or otel.")
    index: str
    id: str

    @classmethod
    def of(cls, line: LogLine, max_chars: int) -> LogRecord:
        data: dict[str, Any] = dict(line.__dict__)
        data["message_truncated"] = len(line.message) > max_chars
        data["message"] = line.message[:max_chars]
        return cls(**data)


class SearchLogsResult(Envelope):
    records: list[LogRecord]
    total: int = Field(description="Records matching in all sources (exact).")
    total_by_source: dict[str, int]
    has_more: bool
    next_cursor: str | None = Field(description="Pass as cursor to get the next page.")


class CountLogsParams(LogFilters):
    pass


class CountLogsResult(Envelope):
    total: int
    by_source: dict[str, int]


def _total(answer: dict[str, Any]) -> int:
    total = (answer.get("hits") or {}).get("total") or 0
    return int(total.get("value", 0) if isinstance(total, dict) else total)


def _cursor_window(cursor: Cursor) -> TimeRange:
    return TimeRange(parse_iso(cursor.start), parse_iso(cursor.end))


def register_log_tools(registry: ToolRegistry, ctx: ToolContext) -> None:
    """Add ``search_logs`` and ``count_logs`` to ``registry``."""
    max_limit = ctx.settings.max_log_limit

    @registry.tool(
        description="""
        Find log lines (container logs from Vector and OpenTelemetry logs) by service,
        namespace, pod, container, level, trace id and full text, in a time range
        (default: the last hour). Returns normalized records (timestamp, service, level,
        message, pod, namespace, trace_id, span_id) newest first, the exact total, and a
        cursor for the next page. Error lines usually carry a trace_id: pass it to get_trace
        to see the request that failed. Use count_logs for numbers and log_patterns to see
        what kinds of messages dominate instead of paging through thousands of lines.
        """
    )
    async def search_logs(params: SearchLogsParams) -> SearchLogsResult:
        params, session_id = ctx.begin("logs", params)
        cursor = Cursor.decode(params.cursor) if params.cursor else None
        window = _cursor_window(cursor) if cursor else ctx.window(params)
        sort: Sort = cursor.sort if cursor else params.sort
        sources, warnings = await open_sources(ctx.searcher, ctx.profiles, params.sources)
        queries = {s.name: source_query(s, params, window) for s in sources}
        digest = query_digest(queries, sort)
        if cursor and cursor.digest != digest:
            raise InvalidParams("the cursor belongs to other filters: repeat the first call")
        cursor = cursor or Cursor(*window.iso(), sort=sort, digest=digest)
        limit = min(params.limit, max_limit)
        if limit < params.limit:
            warnings.append(f"limit lowered to the server's maximum of {max_limit}")
        active = [s for s in sources if s.name not in cursor.done]
        searches = [
            (
                s.profile.index,
                page_body(s, queries[s.name], sort, limit + 1, cursor.after.get(s.name)),
            )
            for s in active
        ]
        answers, request = await ctx.searcher.msearch(searches)
        pages = {s.name: list(a["hits"]["hits"]) for s, a in zip(active, answers, strict=True)}
        taken = merge(pages, sort, limit)
        by_name: dict[str, LogSource] = {s.name: s for s in sources}
        records = [
            LogRecord.of(log_line(hit, name, by_name[name].profile), params.max_message_chars)
            for name, hit in taken
        ]
        following = next_cursor(cursor, pages, taken)
        ctx.finish("search_logs", "logs", params, session_id)
        return SearchLogsResult(
            records=records,
            total=sum(_total(a) for a in answers),
            total_by_source={s.name: _total(a) for s, a in zip(active, answers, strict=True)},
            has_more=following is not None,
            next_cursor=following.encode() if following else None,
            requests=[request],
            time_range=TimeWindow.of(window),
            warnings=warnings + [w for s in sources for w in unmapped_filters(s, params)],
            session_id=session_id,
        )

    @registry.tool(
        description="""
        Count the log lines matching the filters (same filters as search_logs), in total and
        per source. Exact and cheap: use it to answer "how many errors" before listing any.
        """
    )
    async def count_logs(params: CountLogsParams) -> CountLogsResult:
        params, session_id = ctx.begin("logs", params)
        window = ctx.window(params)
        sources, warnings = await open_sources(ctx.searcher, ctx.profiles, params.sources)
        searches = [
            (
                s.profile.index,
                {"query": source_query(s, params, window), "size": 0, "track_total_hits": True},
            )
            for s in sources
        ]
        answers, request = await ctx.searcher.msearch(searches)
        by_source = {s.name: _total(a) for s, a in zip(sources, answers, strict=True)}
        ctx.finish("count_logs", "logs", params, session_id)
        return CountLogsResult(
            total=sum(by_source.values()),
            by_source=by_source,
            requests=[request],
            time_range=TimeWindow.of(window),
            warnings=warnings + [w for s in sources for w in unmapped_filters(s, params)],
            session_id=session_id,
        )
