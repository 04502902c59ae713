"""Trace data through the OpenSearch server: per service and operation, p50 and p95 latency and
error-span ratio in time buckets (``latency_stats``), who calls whom (``service_map``), and a
sample of a period's slowest and failed traces with their spans (``search_traces`` +
``get_traces``) for :mod:`opslens.reports.trace_analysis`.

The baseline is one ``latency_stats`` over the trailing window when it holds spans, else over
the reference window; without either, the buckets of the window judge each other.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from opslens.reports.models import BaselineMode, Evidence
from opslens.reports.telemetry import SeriesData, Telemetry, Window
from opslens.reports.toolcalls import ToolCaller, iso, request_text
from opslens_mcp.contract.opensearch import (
    GetTracesParams,
    LatencyGroup,
    LatencyStatsParams,
    LatencyStatsResult,
    SearchTracesParams,
    ServiceMapParams,
)

TARGET_BUCKETS = 12
MIN_BUCKET = timedelta(seconds=10)
MIN_LATENCY_SPANS = 10
MIN_RATIO_SPANS = 10
MIN_ERROR_SPANS = 10
SAMPLE_TRACES = 30
MAX_SPANS = 20_000
Groups = dict[tuple[str, str], LatencyGroup]


def bucket_edges(window: Window) -> list[tuple[datetime, datetime]]:
    """About a dozen buckets over the window, at least five minutes long for long windows."""
    seconds = window.seconds
    length = max(
        timedelta(seconds=seconds / TARGET_BUCKETS),
        min(timedelta(minutes=5), timedelta(seconds=seconds / 6)),
        MIN_BUCKET,
    )
    edges = []
    start = window.start
    while start < window.end:
        edges.append((start, min(start + length, window.end)))
        start += length
    return edges


def _latency(group: LatencyGroup | None, value: float | None) -> float | None:
    """A percentile of a bucket with enough spans: tail sampling keeps every slow trace, so
    with only a few normal spans sampled the kept ones would all be slow."""
    if not group or group.requests < MIN_LATENCY_SPANS:
        return None
    return value


def p50_of(group: LatencyGroup | None) -> float | None:
    return _latency(group, group.p50_ms if group else None)


def p95_of(group: LatencyGroup | None) -> float | None:
    return _latency(group, group.p95_ms if group else None)


def error_ratio_of(group: LatencyGroup | None) -> float | None:
    """Errors per span; fewer than ``MIN_ERROR_SPANS`` error spans count as none. Tail sampling
    keeps every error but few normal spans, so the rare background errors of a healthy service
    (a Poisson count of about two per bucket) read as a ratio of 5-10% in one bucket out of
    four; an outage leaves tens to hundreds of error spans per bucket."""
    if not group or group.requests < MIN_RATIO_SPANS:
        return None
    if group.errors < MIN_ERROR_SPANS:
        return 0.0
    return group.error_rate


@dataclass(frozen=True)
class TraceSample:
    """Sampled traces (``get_traces`` results with spans) and how to fetch them again."""

    evidence: Evidence
    traces: list[dict[str, Any]]


READERS = {"trace_p50": p50_of, "trace_p95": p95_of, "trace_error_ratio": error_ratio_of}


class TraceCollector:
    def __init__(self, caller: ToolCaller) -> None:
        self.caller = caller

    async def _stats(
        self, start: datetime, end: datetime, telemetry: Telemetry
    ) -> tuple[dict[str, Any], LatencyStatsResult | None]:
        params = {
            "group_by": "operation",
            "server_only": True,
            "start": iso(start),
            "end": iso(end),
        }
        status = telemetry.signal("traces")
        stats = self.caller.tools.opensearch.latency_stats(
            LatencyStatsParams.model_validate(params)
        )
        return params, await self.caller.attempt(status, stats)

    async def baseline(self, telemetry: Telemetry) -> tuple[BaselineMode, Groups]:
        """The normal figures per (service, operation) and where they came from."""
        window = telemetry.window
        candidates: list[tuple[BaselineMode, tuple[datetime, datetime]]] = [
            ("trailing", (window.baseline_start, window.start))
        ]
        if window.reference:
            candidates.append(("reference", window.reference))
        for mode, (start, end) in candidates:
            _, result = await self._stats(start, end, telemetry)
            groups = result.groups if result else []
            if groups:
                return mode, {(g.service, g.operation or ""): g for g in groups}
        return "self", {}

    async def collect(self, telemetry: Telemetry) -> None:
        (mode, reference), _, _ = await asyncio.gather(
            self.baseline(telemetry), self._edges(telemetry), self._buckets(telemetry)
        )
        telemetry.signal("traces").baseline_mode = mode
        for series in telemetry.traces:
            group = reference.get((series.service or "", series.subject or ""))
            if group is not None:
                series.reference, series.reference_mode = READERS[series.kind](group), mode

    async def _buckets(self, telemetry: Telemetry) -> None:
        buckets = bucket_edges(telemetry.window)
        answers = await asyncio.gather(*(self._stats(a, b, telemetry) for a, b in buckets))
        rows: dict[tuple[str, str], list[LatencyGroup | None]] = defaultdict(
            lambda: [None] * len(buckets)
        )
        for i, (_, result) in enumerate(answers):
            for group in result.groups if result else []:
                rows[(group.service, group.operation or "")][i] = group
        params, first = answers[0] if answers else ({}, None)
        stamps = [a.timestamp() for a, _ in buckets]
        window = telemetry.window
        for (service, operation), groups in sorted(rows.items()):
            rerun = {
                **params,
                "service": [service],
                "operation": [operation],
                "start": iso(window.start),
                "end": iso(window.end),
            }
            evidence = ToolCaller.evidence(
                "opensearch", "latency_stats", rerun, request_text(first)
            )
            for kind, read in READERS.items():
                telemetry.traces.append(
                    SeriesData(
                        kind=kind,
                        service=service,
                        subject=operation,
                        timestamps=stamps,
                        values=[read(g) for g in groups],
                        evidence=evidence,
                    )
                )

    async def _edges(self, telemetry: Telemetry) -> None:
        window = telemetry.window
        params = {"start": iso(window.start), "end": iso(window.end)}
        status = telemetry.signal("traces")
        edges = self.caller.tools.opensearch.service_map(ServiceMapParams.model_validate(params))
        result = await self.caller.attempt(status, edges)
        for edge in result.edges if result else []:
            telemetry.edges.add((edge.caller, edge.callee))

    async def sample(self, start: datetime, end: datetime, telemetry: Telemetry) -> TraceSample:
        """The slowest and the newest failed traces of a period, with their spans."""
        status = telemetry.signal("traces")
        period = {"start": iso(start), "end": iso(end), "limit": SAMPLE_TRACES}
        search = self.caller.tools.opensearch.search_traces
        found = await asyncio.gather(
            self.caller.attempt(status, search(SearchTracesParams(**period, order="slowest"))),
            self.caller.attempt(
                status, search(SearchTracesParams(**period, order="newest", errors_only=True))
            ),
        )
        ids = list(dict.fromkeys(t.trace_id for f in found for t in (f.traces if f else [])))
        params: dict[str, Any] = {"trace_ids": ids, "include_spans": True, "max_spans": MAX_SPANS}
        if not ids:
            return TraceSample(ToolCaller.evidence("opensearch", "get_traces", params, ""), [])
        fetch = self.caller.tools.opensearch.get_traces(GetTracesParams.model_validate(params))
        result = await self.caller.attempt(status, fetch)
        evidence = ToolCaller.evidence("opensearch", "get_traces", params, request_text(result))
        traces = [trace.model_dump(mode="json") for trace in result.traces] if result else []
        return TraceSample(evidence, traces)
