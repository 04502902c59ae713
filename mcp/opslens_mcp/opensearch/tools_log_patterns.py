"""``log_patterns``: the kinds of messages among matching log lines, from the drain3 miner."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple

from pydantic import Field

from opslens_mcp.core.tools import ToolRegistry
from opslens_mcp.opensearch.context import ToolContext
from opslens_mcp.opensearch.log_filters import LogFilters, LogSource, open_sources, source_query
from opslens_mcp.opensearch.models import Envelope, OpenSearchRequest, TimeWindow
from opslens_mcp.opensearch.normalize import lookup
from opslens_mcp.opensearch.patterns import LogPattern, LogPatternMiner
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


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass
class _Reading:
    """The newest hits of one source in one window, read ``page`` hits at a time.

    The first page is the newest. When the source holds no more matching hits than are wanted,
    the rest is read unsorted with a scroll. Otherwise pages sort by time alone (a tie-breaker
    such as ``_id`` costs OpenSearch more than the page): the next page asks for times up to the
    last one read, without the hits of that time already read.
    """

    source: LogSource
    query: dict[str, Any]
    page: int
    baseline: bool = False
    keep: bool = True
    records: list[_Record] = field(default_factory=list)
    read: int = 0
    total: int = 0
    done: bool = False
    _last_nanos: int | None = None
    _last_ids: list[str] = field(default_factory=list)

    def rest(self) -> dict[str, Any]:
        """The query for the hits not read yet: up to the last time read, without its hits."""
        if self._last_nanos is None:
            return self.query
        until = {"range": {self.source.profile.time_field: {"lte": _iso_nanos(self._last_nanos)}}}
        return {
            "bool": {
                "filter": [self.query, until],
                "must_not": [{"ids": {"values": self._last_ids}}],
            }
        }

    def body(self, size: int) -> dict[str, Any]:
        profile = self.source.profile
        return {
            "query": self.rest(),
            "size": min(self.page, size - self.read),
            "sort": [{profile.time_field: {"order": "desc", "numeric_type": "date_nanos"}}],
            "track_total_hits": not self.read,
            # Whole documents: filtering them costs OpenSearch more than sending them.
            "_source": True,
        }

    def take(self, answer: dict[str, Any], asked: int, size: int) -> list[_Record]:
        """Takes a page of hits; returns them as records (kept too unless streamed)."""
        page: list[Hit] = answer["hits"]["hits"]
        if not self.read:
            self.total = int(answer["hits"]["total"]["value"])
        self.read += len(page)
        self.done = len(page) < asked or self.read >= size
        if page:
            last = _nanos(page[-1])
            if last != self._last_nanos:
                self._last_nanos, self._last_ids = last, []
            self._last_ids += [str(hit["_id"]) for hit in page if _nanos(hit) == last]
        return self.keep_records(page)

    def keep_records(self, page: list[Hit]) -> list[_Record]:
        records = [_record(self.source, hit) for hit in page]
        if self.keep:
            self.records += records
        return records


class _Record(NamedTuple):
    """What the miner needs of one hit."""

    nanos: int
    message: str
    trace_id: str | None
    origin: tuple[str, Any, Any]


def _record(source: LogSource, hit: Hit) -> _Record:
    doc = hit.get("_source") or {}
    profile = source.profile
    message = lookup(doc, profile.message_field)
    trace_id = lookup(doc, profile.trace_id_field)
    container = lookup(doc, profile.container_field) if profile.container_field else None
    return _Record(
        _nanos(hit),
        "" if message is None else message if isinstance(message, str) else str(message),
        str(trace_id) if trace_id else None,
        # Lines of one container share a header format: the miner learns it per source.
        (source.name, lookup(doc, profile.service_field), container),
    )


def _nanos(hit: Hit) -> int:
    return int((hit.get("sort") or [0])[0] or 0)


def _iso_nanos(nanos: int) -> str:
    seconds, fraction = divmod(nanos, 1_000_000_000)
    moment = datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%S")
    return f"{moment}.{fraction:09d}Z"


class _Feeder:
    """Feeds hits to one miner in a worker thread, a page at a time, while the next is read."""

    def __init__(self) -> None:
        self.miner = LogPatternMiner()
        self._task: asyncio.Task[None] | None = None

    async def feed(self, items: list[_Record], baseline: bool) -> None:
        await self.finish()
        self._task = asyncio.create_task(asyncio.to_thread(_feed, self.miner, items, baseline))

    async def finish(self) -> None:
        if self._task is not None:
            await self._task
            self._task = None


async def _read(
    searcher: Searcher, readings: list[_Reading], size: int, feeder: _Feeder | None
) -> list[OpenSearchRequest]:
    """Reads every source's newest ``size`` hits: first pages in one ``_msearch``, then each
    source's rest; pages go to ``feeder`` as they come when given."""
    requests = []
    first = True
    while pending := [reading for reading in readings if not reading.done]:
        if not first:
            # Every matching hit is wanted: read the rest unsorted, which costs OpenSearch
            # several times less than sorting each page.
            for reading in [reading for reading in pending if reading.total <= size]:
                requests.append(await _scroll_rest(searcher, reading, size, feeder))
            pending = [reading for reading in pending if not reading.done]
            if not pending:
                break
        first = False
        bodies = [reading.body(size) for reading in pending]
        answers, request = await searcher.msearch(
            [
                (reading.source.profile.index, body)
                for reading, body in zip(pending, bodies, strict=True)
            ]
        )
        requests.append(request)
        for reading, body, answer in zip(pending, bodies, answers, strict=True):
            page = reading.take(answer, body["size"], size)
            if feeder is not None:
                await feeder.feed(page, reading.baseline)
    return requests


async def _scroll_rest(
    searcher: Searcher, reading: _Reading, size: int, feeder: _Feeder | None
) -> OpenSearchRequest:
    """Reads the rest of ``reading`` unsorted (all of it is wanted), at most ``size`` in all."""
    index = reading.source.profile.index
    body = {"query": reading.rest(), "size": reading.page, "sort": ["_doc"], "_source": True}
    async for page in searcher.scroll(index, body):
        page = page[: size - reading.read]  # lines written since the first page are not asked
        reading.read += len(page)
        records = reading.keep_records(page)
        if feeder is not None:
            await feeder.feed(records, reading.baseline)
    reading.done = True
    return searcher.scroll_request(index, body)


def _newest(readings: Sequence[_Reading], size: int) -> list[_Record]:
    records = [record for reading in readings for record in reading.records]
    records.sort(key=lambda record: -record.nanos)
    return records[:size]


def _feed(miner: LogPatternMiner, records: list[_Record], baseline: bool) -> None:
    for record in records:
        if record.message:
            miner.add(
                _EPOCH + timedelta(microseconds=record.nanos // 1_000),
                record.message,
                record.trace_id,
                baseline=baseline,
                source=record.origin,
            )


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
        # One source: every hit read is mined, so pages are mined while the next is read.
        # Several: the newest hits of all are mined once all are read.
        stream = len(sources) == 1
        page = ctx.settings.pattern_page_size
        current = [
            _Reading(s, source_query(s, params, window), page, keep=not stream) for s in sources
        ]
        before = [
            _Reading(s, source_query(s, params, baseline), page, baseline=True, keep=not stream)
            for s in sources
            if baseline
        ]
        feeder = _Feeder()
        requests = await _read(ctx.searcher, current + before, size, feeder if stream else None)
        if not stream:
            await feeder.feed(_newest(before, size), baseline=True)
            await feeder.feed(_newest(current, size), baseline=False)
        await feeder.finish()
        summary = await asyncio.to_thread(feeder.miner.summary, params.max_patterns)
        total = sum(reading.total for reading in current)
        ctx.finish("log_patterns", "logs", params, session_id)
        return LogPatternsResult(
            patterns=summary.patterns,
            pattern_count=summary.pattern_count,
            truncated=summary.truncated,
            messages_analysed=summary.total_messages,
            matching_total=total,
            sample_truncated=min(size, sum(reading.read for reading in current)) < total,
            baseline_range=TimeWindow.of(baseline) if baseline else None,
            baseline_messages=summary.baseline_messages,
            requests=requests,
            time_range=TimeWindow.of(window),
            warnings=warnings + skipped,
            session_id=session_id,
        )
