"""Log aggregations: ``log_histogram`` (lines over time) and ``top_values`` (who dominates)."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from typing import Any, Literal

from pydantic import BaseModel, Field

from opslens_mcp.core.errors import InvalidParams
from opslens_mcp.core.tools import ToolRegistry
from opslens_mcp.opensearch import queries
from opslens_mcp.opensearch.context import ToolContext
from opslens_mcp.opensearch.log_filters import (
    LogFilters,
    LogSource,
    open_sources,
    source_query,
    unmapped_filters,
)
from opslens_mcp.opensearch.models import Envelope, TimeWindow
from opslens_mcp.opensearch.normalize import iso_from_nanos, to_nanos

ValueField = Literal[
    "service", "level", "namespace", "pod", "container", "node", "trace_id", "message"
]
SPLIT_SERIES = 10
MAX_BUCKETS = 500


class HistogramParams(LogFilters):
    interval: str | None = Field(
        default=None,
        description="Bucket width: 1s 5s 10s 30s 1m 5m 10m 15m 30m 1h 3h 6h 12h 1d 7d. Default: "
        "the smallest that keeps about 60 buckets, enough to see a spike's shape.",
    )
    split_by: Literal["service", "level"] | None = Field(
        default=None, description="Also count per service or per level in each bucket."
    )


class Bucket(BaseModel):
    start: str
    count: int
    by: dict[str, int] = Field(default_factory=dict, description="Counts per split value.")


class HistogramResult(Envelope):
    interval: str
    buckets: list[Bucket]
    total: int


class TopValuesParams(LogFilters):
    field: ValueField = Field(
        description="What to rank: service, level, namespace, pod, container, node, trace_id "
        "or message (exact messages; log_patterns groups similar ones)."
    )
    limit: int = Field(default=10, ge=1, le=100, description="How many values to return.")


class ValueCount(BaseModel):
    value: str
    count: int


class TopValuesResult(Envelope):
    field: str
    values: list[ValueCount]
    total: int = Field(description="Matching records in all sources.")
    other: int = Field(description="Records whose value is not among those listed.")


def _key(field: str, value: Any) -> str:
    if field == "level":
        return queries.canonical_level(value) or str(value)
    return str(value)


def _terms(source: LogSource, logical: str, size: int) -> tuple[dict[str, Any] | None, str | None]:
    """A terms aggregation on the source's field, or a warning why there cannot be one."""
    path = source.path(logical)
    if not path:
        return None, f"log source {source.name!r} has no {logical} field in its profile"
    chosen, left_out = source.fields.aggregatable(path)
    if chosen is None:
        hint = " (use log_patterns for messages)" if logical == "message" else ""
        return None, f"log source {source.name!r}: {path!r} cannot be aggregated{hint}"
    warning = None
    if left_out:
        warning = (
            f"log source {source.name!r}: {path!r} is mapped differently in "
            + ", ".join(left_out[:5])
            + "; their records are not counted by value"
        )
    return {"terms": {"field": chosen, "size": size}}, warning


def _interval(params: HistogramParams, span: timedelta) -> str:
    if params.interval is None:
        return queries.auto_interval(span, 60)
    try:
        length = queries.interval_length(params.interval)
    except ValueError as exc:
        names = " ".join(name for name, _ in queries.INTERVALS)
        raise InvalidParams(f"interval must be one of: {names}") from exc
    if span / length > MAX_BUCKETS:
        raise InvalidParams(f"{params.interval} buckets over this range exceed {MAX_BUCKETS}")
    return params.interval


def register_log_stats_tools(registry: ToolRegistry, ctx: ToolContext) -> None:
    """Add ``log_histogram`` and ``top_values`` to ``registry``."""

    @registry.tool(
        description="""
        Count log lines over time (a date histogram), optionally split by service or level,
        with the same filters as search_logs. Use it to see when errors started, peaked and
        stopped; empty buckets are kept so gaps show.
        """
    )
    async def log_histogram(params: HistogramParams) -> HistogramResult:
        params, session_id = ctx.begin("logs", params)
        window = ctx.window(params)
        interval = _interval(params, window.span)
        sources, warnings = await open_sources(ctx.searcher, ctx.profiles, params.sources)
        searches = []
        for source in sources:
            histogram: dict[str, Any] = queries.date_histogram(
                source.profile.time_field, window, interval
            )
            if params.split_by:
                split, warning = _terms(source, params.split_by, SPLIT_SERIES)
                warnings += [warning] if warning else []
                if split:
                    histogram["aggs"] = {"split": split}
            body = {
                "query": source_query(source, params, window),
                "size": 0,
                "track_total_hits": True,
                "aggs": {"over_time": histogram},
            }
            searches.append((source.profile.index, body))
        answers, request = await ctx.searcher.msearch(searches)
        counts: Counter[int] = Counter()
        splits: dict[int, Counter[str]] = {}
        for answer in answers:
            for bucket in answer["aggregations"]["over_time"]["buckets"]:
                moment = to_nanos(bucket["key_as_string"]) or 0
                counts[moment] += bucket["doc_count"]
                for part in (bucket.get("split") or {}).get("buckets", []):
                    key = _key(params.split_by or "", part["key"])
                    splits.setdefault(moment, Counter())[key] += part["doc_count"]
        buckets = [
            Bucket(
                start=iso_from_nanos(moment), count=counts[moment], by=dict(splits.get(moment, {}))
            )
            for moment in sorted(counts)
        ]
        ctx.finish("log_histogram", "logs", params, session_id)
        return HistogramResult(
            interval=interval,
            buckets=buckets,
            total=sum(int(a["hits"]["total"]["value"]) for a in answers),
            requests=[request],
            time_range=TimeWindow.of(window),
            warnings=warnings + [w for s in sources for w in unmapped_filters(s, params)],
            session_id=session_id,
        )

    @registry.tool(
        description="""
        Rank the values of one field among matching log lines: which services, pods,
        namespaces, levels or exact messages dominate (terms aggregation, counts exact for a
        single-shard index, otherwise OpenSearch's usual near-exact top terms).
        """
    )
    async def top_values(params: TopValuesParams) -> TopValuesResult:
        params, session_id = ctx.begin("logs", params)
        window = ctx.window(params)
        sources, warnings = await open_sources(ctx.searcher, ctx.profiles, params.sources)
        searches = []
        for source in sources:
            body: dict[str, Any] = {
                "query": source_query(source, params, window),
                "size": 0,
                "track_total_hits": True,
            }
            terms, warning = _terms(source, params.field, params.limit)
            warnings += [warning] if warning else []
            if terms:
                body["aggs"] = {"values": terms}
            searches.append((source.profile.index, body))
        answers, request = await ctx.searcher.msearch(searches)
        counts: Counter[str] = Counter()
        for answer in answers:
            for bucket in (answer.get("aggregations") or {}).get("values", {}).get("buckets", []):
                counts[_key(params.field, bucket["key"])] += bucket["doc_count"]
        total = sum(int(a["hits"]["total"]["value"]) for a in answers)
        top = counts.most_common(params.limit)
        ctx.finish("top_values", "logs", params, session_id)
        return TopValuesResult(
            field=params.field,
            values=[ValueCount(value=value, count=count) for value, count in top],
            total=total,
            other=total - sum(count for _, count in top),
            requests=[request],
            time_range=TimeWindow.of(window),
            warnings=warnings + [w for s in sources for w in unmapped_filters(s, params)],
            session_id=session_id,
        )
