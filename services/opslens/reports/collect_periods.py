"""The root-cause findings of :mod:`opslens.reports.rootcause.scoring`, fed from the backends.

The report's window is one period; the baseline periods are the reference window (when one is
given) and the most recent window-sized slices of the trailing baseline that hold spans. Per
period, a bounded sample of traces with their spans (``search_traces`` + ``get_spans``)
and the log lines those traces wrote (``search_logs`` by trace id) become the same
:class:`~opslens.reports.rootcause.signals.PeriodSignals` the offline evaluation reads from
exported files; per pod, the CPU and memory series the metric collector already fetched give
the resource samples before and in the window. A signal that is missing (no spans, no logs, no
metrics, or fewer than three baseline periods) is a warning in the signal's status, and the
rest is judged on what is there.

Example::

    periods = PeriodCollector(caller, settings)
    read = await periods.read(telemetry)  # beside the other collectors
    findings = periods.findings(telemetry, read)  # after the metric collector
    rank_findings(findings, telemetry.edges)
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict, defaultdict
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Generic, TypeVar
from weakref import WeakKeyDictionary

from opslens.reports.rootcause.ranking import Finding
from opslens.reports.rootcause.scoring import (
    MIN_RATE_BASELINES,
    ResourceSamples,
    period_findings,
)
from opslens.reports.rootcause.signals import LogLine, TemplateBook, period_signals
from opslens.reports.settings import DetectionSettings
from opslens.reports.telemetry import Period, Telemetry, Window
from opslens.reports.toolcalls import ToolCaller, iso, request_text
from opslens.reports.trace_analysis import Trace
from opslens.rpc_client import RpcClient
from opslens_mcp.contract.opensearch import (
    GetSpansParams,
    GetSpansResult,
    SearchLogsParams,
    SearchTracesParams,
    SpanField,
)

MAX_TRACES = 200
"""Traces sampled per period (the server's cap on ``search_traces``): the signals are rates
per request, so a sample of requests gives them."""
MAX_SPANS = 10_000
MAX_LINES = 10_000
LOG_PAGE = 500
IDS_PER_LOG_QUERY = 100
MAX_BASELINE_PERIODS = 12
MIN_BASELINE_PERIODS = MIN_RATE_BASELINES
"""Code paths and call gaps are judged against at least this many periods."""
MAX_SLICES_SEARCHED = 48
RESOURCE_KINDS = ("cpu", "memory")
MESSAGE_CHARS = 500
"""A statement is named by a line's first words: the rest of a long line is not needed."""
PERIOD_FETCHES = 3
"""Periods fetched at once (each a ``get_spans`` of thousands of spans)."""
SETTLED = timedelta(minutes=10)
"""A period that ended this long ago no longer changes: its data is kept for later runs."""
CACHED_PERIODS = 48
CACHED_SAMPLES = 1024
SPAN_FIELDS: tuple[SpanField, ...] = (
    "span_id",
    "parent_span_id",
    "service",
    "operation",
    "kind",
    "duration_ms",
    "start",
)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
Fetched = tuple[list[Trace], list[LogLine]]
V = TypeVar("V")


class PeriodCache(Generic[V]):
    """What was read of settled periods, newest kept: consecutive reports compare with the
    same trailing slices."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._entries: OrderedDict[Hashable, V] = OrderedDict()

    def get(self, key: Hashable) -> V | None:
        found = self._entries.get(key)
        if found is not None:
            self._entries.move_to_end(key)
        return found

    def put(self, key: Hashable, value: V) -> None:
        self._entries[key] = value
        self._entries.move_to_end(key)
        while len(self._entries) > self.size:
            self._entries.popitem(last=False)


@dataclass
class PeriodReads:
    """What the runs over one OpenSearch server's client read of settled periods. It lives as
    long as the client: another server, even at the same address, starts with nothing."""

    fetched: PeriodCache[Fetched] = field(default_factory=lambda: PeriodCache(CACHED_PERIODS))
    """Trimmed spans and lines."""
    samples: PeriodCache[list[str]] = field(default_factory=lambda: PeriodCache(CACHED_SAMPLES))
    """Trace ids sampled (empty ones too: the trailing slices searched)."""


READS: WeakKeyDictionary[RpcClient, PeriodReads] = WeakKeyDictionary()


def settled(period: Period) -> bool:
    return period[1] <= datetime.now(UTC) - SETTLED


def as_traces(result: GetSpansResult) -> list[Trace]:
    """The traces with their spans as the signals read them (the offline evaluation's traces
    come from files): one dict per span, of the fields asked."""
    return [
        {
            "trace_id": trace.trace_id,
            "spans": [dict(zip(result.fields, row, strict=True)) for row in trace.rows],
        }
        for trace in result.traces
    ]


def trailing_slices(telemetry: Telemetry) -> list[Period]:
    """Window-sized slices of the trailing baseline, most recent first, on a grid of the
    window's length (from the epoch): reports whose windows are as long share their slices,
    and so what was read of them, wherever their windows start."""
    window = telemetry.window
    length = window.end - window.start
    slices: list[Period] = []
    end = EPOCH + (window.start - EPOCH) // length * length
    while end - length >= window.baseline_start and len(slices) < MAX_SLICES_SEARCHED:
        slices.append((end - length, end))
        end -= length
    return slices


def resource_samples(telemetry: Telemetry) -> ResourceSamples:
    """Per service and resource (per pod when a service has several): the samples before the
    window and in it, from the metric collector's series."""
    start = telemetry.window.start.timestamp()
    series = [s for s in telemetry.metrics if s.kind in RESOURCE_KINDS and s.service]
    pods: dict[str, set[str]] = defaultdict(set)
    for s in series:
        pods[str(s.service)].add(s.subject or "")
    found: dict[str, dict[str, tuple[list[float], list[float]]]] = defaultdict(dict)
    for s in series:
        service = str(s.service)
        pairs = [(t, v) for t, v in zip(s.timestamps, s.values, strict=True) if v is not None]
        before = [v for t, v in pairs if t < start]
        now = [v for t, v in pairs if t >= start]
        name = s.kind if len(pods[service]) == 1 else f"{s.kind} {s.subject}"
        if before and now:
            found[service][name] = (before, now)
    return found


class PeriodCollector:
    """Fetches the periods through the OpenSearch server and scores them."""

    def __init__(self, caller: ToolCaller, settings: DetectionSettings) -> None:
        self.caller = caller
        self.settings = settings
        server = caller.clients.get("opensearch")
        self.reads = READS.setdefault(server, PeriodReads()) if server else PeriodReads()
        self._fetches = asyncio.Semaphore(PERIOD_FETCHES)

    async def sample(self, period: Period, telemetry: Telemetry) -> list[str]:
        """The ids of a sample of the period's traces (the newest)."""
        is_window = period == (telemetry.window.start, telemetry.window.end)
        if (known := self.reads.samples.get(period)) is not None and not is_window:
            return known
        asked = {"start": iso(period[0]), "end": iso(period[1]), "order": "newest"}
        params = SearchTracesParams.model_validate({**asked, "limit": MAX_TRACES})
        search = self.caller.tools.opensearch.search_traces(params)
        found = await self.caller.attempt(telemetry.signal("traces"), search)
        ids = [t.trace_id for t in found.traces] if found is not None else []
        if is_window:  # the call behind the window's findings, to rerun
            telemetry.causes_evidence = ToolCaller.evidence(
                "opensearch", "search_traces", {**asked, "limit": MAX_TRACES}, request_text(found)
            )
        if found is not None and settled(period):
            self.reads.samples.put(period, ids)
        return ids

    async def traces(self, ids: Sequence[str], telemetry: Telemetry) -> list[Trace]:
        """The traces with their spans (the fields the signals read)."""
        if not ids:  # a period without a sampled trace: nothing to fetch
            return []
        params = GetSpansParams(trace_ids=list(ids), fields=list(SPAN_FIELDS), max_spans=MAX_SPANS)
        fetch = self.caller.tools.opensearch.get_spans(params)
        result = await self.caller.attempt(telemetry.signal("traces"), fetch)
        return as_traces(result) if result is not None else []

    async def lines(
        self, period: Period, trace_ids: Sequence[str], telemetry: Telemetry
    ) -> list[LogLine]:
        """The log lines the traces wrote in the period (lines without a trace are no
        request's and judge nothing per request): the pages of each group of ids, fetched
        together, taken in order until ``MAX_LINES``."""
        groups = [
            trace_ids[first : first + IDS_PER_LOG_QUERY]
            for first in range(0, len(trace_ids), IDS_PER_LOG_QUERY)
        ]
        pages = await asyncio.gather(*(self._pages(period, ids, telemetry) for ids in groups))
        found: list[LogLine] = []
        for page in (page for group in pages for page in group):
            if len(found) >= MAX_LINES:
                break
            found += page
        return found

    async def _pages(
        self, period: Period, trace_ids: Sequence[str], telemetry: Telemetry
    ) -> list[list[LogLine]]:
        """The pages of lines of one group of traces, up to ``MAX_LINES`` lines."""
        status = telemetry.signal("logs")
        params = SearchLogsParams(
            namespace=list(self.settings.namespaces),
            sources=self.settings.log_sources,
            trace_id=list(trace_ids),
            start=iso(period[0]),
            end=iso(period[1]),
            limit=LOG_PAGE,
            sort="oldest",
            max_message_chars=MESSAGE_CHARS,
        )
        pages: list[list[LogLine]] = []
        read = 0
        while read < MAX_LINES:
            result = await self.caller.attempt(
                status, self.caller.tools.opensearch.search_logs(params)
            )
            if result is None:
                break
            pages.append(
                [
                    LogLine(r.service or "", r.span_id or "", r.message or "", r.timestamp)
                    for r in result.records
                ]
            )
            read += len(pages[-1])
            if not result.next_cursor or not result.has_more:
                break
            params = params.model_copy(update={"cursor": result.next_cursor})
        return pages

    async def fetch(self, period: Period, ids: Sequence[str], telemetry: Telemetry) -> Fetched:
        """The period's traces and their lines (from the cache when the period is settled)."""
        key = (
            tuple(self.settings.namespaces),
            tuple(self.settings.log_sources),
            period,
            tuple(ids),
        )
        if (found := self.reads.fetched.get(key)) is not None:
            return found
        async with self._fetches:
            traces, lines = await asyncio.gather(
                self.traces(ids, telemetry), self.lines(period, ids, telemetry)
            )
        failed = telemetry.signal("traces").failures or telemetry.signal("logs").failures
        if settled(period) and not failed:
            self.reads.fetched.put(key, (traces, lines))
        return traces, lines

    async def periods(self, telemetry: Telemetry) -> list[tuple[Period, list[str]]]:
        """The window and its baseline periods (the reference, then the most recent trailing
        slices that hold spans), each with its sampled trace ids; the window first."""
        window = telemetry.window
        candidates = [(window.start, window.end)]
        reference = window.reference
        if reference is not None:
            candidates.append(reference)
        candidates += [
            (start, end)
            for start, end in trailing_slices(telemetry)
            if reference is None or end <= reference[0] or start >= reference[1]
        ]
        samples = await asyncio.gather(*(self.sample(p, telemetry) for p in candidates))
        chosen = [(candidates[0], samples[0])]
        chosen += [(p, ids) for p, ids in zip(candidates[1:], samples[1:], strict=True) if ids]
        return chosen[: MAX_BASELINE_PERIODS + 1]

    async def read(self, telemetry: Telemetry) -> list[tuple[Period, Fetched]]:
        """The window's and the baseline periods' traces and lines, the window first. It reads
        nothing of the other collectors: run it beside them."""
        periods = await self.periods(telemetry)
        fetched = await asyncio.gather(*(self.fetch(p, ids, telemetry) for p, ids in periods))
        return [(period, found) for (period, _), found in zip(periods, fetched, strict=True)]

    def findings(self, telemetry: Telemetry, read: list[tuple[Period, Fetched]]) -> list[Finding]:
        """What moved in the window (``read[0]``) against the baseline periods, with the
        resources of the metric collector's series (run after it)."""
        periods = [period for period, _ in read]
        fetched = [found for _, found in read]
        book = TemplateBook()
        # Mined in time order, the window last, so template ids grow as time went.
        order = sorted(range(1, len(periods)), key=lambda i: periods[i][0])
        baselines = [
            replace(s, blamed=blamed_in(periods[i], telemetry.window))
            for i in order
            if (s := period_signals(*fetched[i], book)).has_spans
        ]
        period = period_signals(*fetched[0], book)
        resources = resource_samples(telemetry)
        telemetry.edges |= period.edges
        if not period.has_spans:
            _warn(telemetry, "traces", "no span in the window: call gaps and code paths not judged")
        elif not period.has_logs:
            _warn(telemetry, "logs", "no log line of a sampled trace: code paths judged on spans")
        if len(baselines) < MIN_BASELINE_PERIODS:
            # One or two periods say too little of what a request usually does: every
            # statement that varies would look stopped or new.
            _warn(
                telemetry,
                "traces",
                f"{len(baselines)} baseline period(s) with spans, fewer than "
                f"{MIN_BASELINE_PERIODS}: code paths and call gaps not judged",
            )
            baselines = []
        if not resources:
            _warn(telemetry, "metrics", "no CPU or memory series: resources not judged")
        return period_findings(period, baselines, resources, book)


def blamed_in(period: Period, window: Window) -> frozenset[str]:
    """The services held by the earlier incidents that overlap ``period``."""
    return frozenset(blame.service for blame in window.blamed if blame.overlaps(period))


def _warn(telemetry: Telemetry, signal: str, message: str) -> None:
    notes = telemetry.signal(signal).warnings
    if message not in notes:
        notes.append(message)
