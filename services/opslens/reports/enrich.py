"""What an incident gets besides the anomalies found over the whole window: what a sample of its
traces shows (new error types, where failures start, calls that wait outside the callee's
spans), its top log templates, and one example trace of the most likely root cause (a failing
trace for errors, a slow one for latency)."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import timedelta

from opslens.reports.collect_traces import TraceCollector
from opslens.reports.detectors.traces import new_error_type, slow_calls
from opslens.reports.models import Anomaly, Incident, LogTemplate, TraceExample
from opslens.reports.telemetry import Telemetry, Window
from opslens.reports.toolcalls import ToolCaller, iso
from opslens.reports.trace_analysis import call_gaps, error_tallies
from opslens_mcp.contract.opensearch import GetTraceParams, SearchTracesParams

MAX_TEMPLATES = 6
ERROR_KINDS = frozenset(
    {
        "error_ratio",
        "slo_burn",
        "error_logs",
        "new_log_template",
        "trace_error_ratio",
        "new_error_type",
    }
)
MARGIN = timedelta(minutes=2)


async def add_trace_evidence(
    incidents: list[Incident], telemetry: Telemetry, collector: TraceCollector
) -> None:
    """Sample each incident's slowest and failed traces; add the new error types and the slow
    calls they show (against a sample of the baseline period)."""
    if not incidents:
        return
    mode = telemetry.signal("traces").baseline_mode
    _, baseline = telemetry.window.split(mode)
    before = (await collector.sample(*baseline, telemetry)).traces if baseline else []
    known = Counter({(e.service, e.message): e.count for e in error_tallies(before)})
    normal_gaps = call_gaps(before)
    samples = await asyncio.gather(
        *(collector.sample(i.start - MARGIN, i.end + MARGIN, telemetry) for i in incidents)
    )
    for incident, sample in zip(incidents, samples, strict=True):
        period = Window(incident.start, incident.end, incident.start)
        found = [
            new_error_type(e, known[(e.service, e.message)], mode, sample.evidence, period)
            for e in error_tallies(sample.traces)
        ]
        found += [
            slow_calls(gap, normal_gaps.get(key), mode, sample.evidence, period)
            for key, gap in call_gaps(sample.traces).items()
        ]
        have = {a.id for a in incident.anomalies}
        incident.anomalies += [a for a in found if a is not None and a.id not in have]
        incident.anomalies.sort(key=lambda a: (-a.score, a.start, a.id))
        incident.services = sorted({a.service for a in incident.anomalies if a.service})


def incident_templates(incident: Incident, telemetry: Telemetry) -> list[LogTemplate]:
    """Templates of the incident's services seen during it: new ones first, then by count."""
    services = set(incident.services)
    start, end = incident.start - MARGIN, incident.end + MARGIN
    picked = [
        t
        for t in telemetry.templates
        if t.service in services
        and (t.last_seen is None or t.last_seen >= start)
        and (t.first_seen is None or t.first_seen <= end)
    ]
    picked.sort(key=lambda t: (not t.new, -t.count, t.service, t.template))
    return [
        LogTemplate(
            service=t.service,
            template=t.template,
            count=t.count,
            baseline_count=t.baseline_count,
            new=t.new,
            example=t.example[:500],
            first_seen=t.first_seen,
        )
        for t in picked[:MAX_TEMPLATES]
    ]


def _slow_threshold(anomalies: list[Anomaly]) -> float | None:
    """Twice the normal latency of the service's slowest-looking measure, in ms."""
    normal = [a.baseline for a in anomalies if a.unit == "ms" and a.baseline]
    return round(2 * max(normal), 3) if normal else None


async def trace_example(
    incident: Incident, telemetry: Telemetry, caller: ToolCaller
) -> TraceExample | None:
    if not incident.candidates:
        return None
    service = incident.candidates[0].service
    mine = [a for a in incident.anomalies if a.service == service]
    status = telemetry.signal("traces")
    search = SearchTracesParams(
        service=[service],
        start=iso(incident.start - MARGIN),
        end=iso(incident.end + MARGIN),
        limit=1,
        order="slowest",
    )
    if any(a.kind in ERROR_KINDS for a in mine):
        search.errors_only = True
    elif (threshold := _slow_threshold(mine)) is not None:
        search.min_duration_ms = threshold
    tools = caller.tools.opensearch
    found = await caller.attempt(status, tools.search_traces(search))
    if found is None or not found.traces:
        return None
    params = GetTraceParams(trace_id=found.traces[0].trace_id, include_spans=False)
    result = await caller.attempt(status, tools.get_trace(params))
    trace = result.trace if result is not None else None
    if result is None or trace is None:
        return None
    request = result.requests[0] if result.requests else None
    return TraceExample(
        trace_id=trace.trace_id,
        root_service=trace.root_service,
        root_operation=trace.root_operation,
        duration_ms=trace.duration_ms,
        error_count=trace.error_count,
        critical_path=[
            step.model_dump(include={"service", "operation", "duration_ms"})
            for step in trace.critical_path
        ][:15],
        errors=[  # where the failure starts first
            err.model_dump(include={"service", "operation", "message", "origin"})
            for err in sorted(trace.errors, key=lambda e: not e.origin)
        ][:10],
        evidence=ToolCaller.evidence(
            "opensearch",
            "get_trace",
            params.model_dump(exclude_unset=True),
            f"{request.method} {request.path}" if request else "",
        ),
    )
