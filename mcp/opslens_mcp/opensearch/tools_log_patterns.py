"""``log_patterns``: the kinds of messages among matching log lines, from the drain3 miner."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import Field

from opslens_mcp.core.tools import ToolRegistry
from opslens_mcp.opensearch.context import ToolContext
from opslens_mcp.opensearch.log_filters import LogFilters, LogSource, open_sources, source_query
from opslens_mcp.opensearch.models import Envelope, OpenSearchRequest, TimeWindow
from opslens_mcp.opensearch.normalize import log_line
from opslens_mcp.opensearch.patterns import LogPattern, LogPatternMiner, LogPatternSummary
from opslens_mcp.opensearch.searcher import Searcher

Hit = dict[str, Any]


class LogPatternsParams(LogFilters):
    max_messages: int = Field(
        default=1000,
        ge=10,
        le=100_000,
        description="Newest matching messages to analyse (server cap 100,000 by default). A "
        "thousand show every frequent template at once; 100,000 take a few seconds and find "
        "rare ones.",
    )
    max_patterns: int = Field(default=20, ge=1, le=200, description="Templates to return.")
    baseline_start: str | None = Field(
        default=None,
        max_length=64,
        description="Also mine this earlier window and mark templates not seen in it new=true "
        "(e.g. now-1d for 'what is new since yesterday').",
    )
    baseline_end: str | None = Field(
        default=None,
        max_length=64,
        description="End of the baseline; default: start of the window.",
    )


class LogPatternsResult(Envelope):
    patterns: list[LogPattern]
    pattern_count: int = Field(description="Templates found, before max_patterns.")
    truncated: bool = Field(description="More templates than returned.")
    messages_analysed: int
    matching_total: int = Field(description="All matching lines in the window.")
    sample_truncated: bool = Field(description="Only the newest max_messages lines were mined.")
    baseline_range: TimeWindow | None = None
    baseline_messages: int = 0


PAGE = 10_000
"""Hits per search: OpenSearch's default ``index.max_result_window``; more are read page by page
with ``search_after``."""


@dataclass
class _Reading:
    """The newest hits of one source in one window, read page by page."""

    source: LogSource
    query: dict[str, Any]
    hits: list[Hit] = field(default_factory=list)
    total: int = 0
    done: bool = False

    def body(self, size: int) -> dict[str, Any]:
        profile = self.source.profile
        paths = [profile.time_field, profile.message_field, profile.trace_id_field]
        paths += [path for path in (profile.service_field, profile.container_field) if path]
        body: dict[str, Any] = {
            "query": self.query,
            "size": min(PAGE, size - len(self.hits)),
            "sort": [
                {profile.time_field: {"order": "desc", "numeric_type": "date_nanos"}},
                {"_id": {"order": "asc"}},
            ],
            "track_total_hits": not self.hits,
            "_source": {"includes": paths},
        }
        if self.hits:
            body["search_after"] = self.hits[-1]["sort"]
        return body

    def take(self, answer: dict[str, Any], asked: int, size: int) -> None:
        page = answer["hits"]["hits"]
        if not self.hits:
            self.total = int(answer["hits"]["total"]["value"])
        self.hits += page
        self.done = len(page) < asked or len(self.hits) >= size


async def _read(
    searcher: Searcher, readings: list[_Reading], size: int
) -> list[OpenSearchRequest]:
    """Reads every source's newest ``size`` hits, one ``_msearch`` per round of pages."""
    requests = []
    while pending := [reading for reading in readings if not reading.done]:
        bodies = [reading.body(size) for reading in pending]
        answers, request = await searcher.msearch(
            [(reading.source.profile.index, body) for reading, body in zip(pending, bodies)]
        )
        requests.append(request)
        for reading, body, answer in zip(pending, bodies, answers, strict=True):
            reading.take(answer, body["size"], size)
    return requests


def _newest(readings: Sequence[_Reading], size: int) -> list[tuple[LogSource, Hit]]:
    tagged = [(reading.source, hit) for reading in readings for hit in reading.hits]
    tagged.sort(key=lambda item: -int((item[1].get("sort") or [0])[0] or 0))
    return tagged[:size]


def _mine(
    current: list[tuple[LogSource, Hit]], baseline: list[tuple[LogSource, Hit]], limit: int
) -> LogPatternSummary:
    miner = LogPatternMiner()
    for is_baseline, items in ((True, baseline), (False, current)):
        for source, hit in items:
            line = log_line(hit, source.name, source.profile)
            if line.message:
                # Lines of one container share a header format: the miner learns it per source.
                origin = (source.name, line.service, line.container)
                miner.add(
                    line.timestamp, line.message, line.trace_id, baseline=is_baseline, source=origin
                )
    return miner.summary(max_patterns=limit)


def register_log_pattern_tools(registry: ToolRegistry, ctx: ToolContext) -> None:
    """Add ``log_patterns`` to ``registry``."""
    cap = ctx.settings.pattern_max_messages

    @registry.tool(
        description="""
        Group matching log lines into templates (drain3, parameters such as ids, numbers and
        IPs masked) with counts, first/last seen, an example and sample trace ids, most
        frequent first. The fastest way to see what a service is saying without reading
        thousands of lines. With baseline_start, templates absent from the baseline window
        are marked new=true: the usual first sign of a new failure mode.
        """
    )
    async def log_patterns(params: LogPatternsParams) -> LogPatternsResult:
        params, session_id = ctx.begin("logs", params)
        window = ctx.window(params)
        baseline = ctx.baseline(params, window, params.baseline_start, params.baseline_end)
        size = min(params.max_messages, cap)
        warnings = [] if size == params.max_messages else [f"max_messages lowered to {cap}"]
        sources, skipped = await open_sources(ctx.searcher, ctx.profiles, params.sources)
        current = [_Reading(s, source_query(s, params, window)) for s in sources]
        before = [_Reading(s, source_query(s, params, baseline)) for s in sources if baseline]
        requests = await _read(ctx.searcher, current + before, size)
        picked = _newest(current, size)
        picked_before = _newest(before, size)
        summary = await asyncio.to_thread(_mine, picked, picked_before, params.max_patterns)
        total = sum(reading.total for reading in current)
        ctx.finish("log_patterns", "logs", params, session_id)
        return LogPatternsResult(
            patterns=summary.patterns,
            pattern_count=summary.pattern_count,
            truncated=summary.truncated,
            messages_analysed=summary.total_messages,
            matching_total=total,
            sample_truncated=len(picked) < total,
            baseline_range=TimeWindow.of(baseline) if baseline else None,
            baseline_messages=summary.baseline_messages,
            requests=requests,
            time_range=TimeWindow.of(window),
            warnings=warnings + skipped,
            session_id=session_id,
        )
