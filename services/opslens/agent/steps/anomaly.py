"""Open questions ("is anything wrong?"): the report detectors over the plan's window.

Collection, detection, grouping into incidents and root-cause ranking are the reports
pipeline's own (:func:`opslens.reports.pipeline.detect`, with its trailing baseline before the
window). Its tool calls go through the agent's toolbox, so they reach the agent's servers with
its token and timeout, and each one is listed among the answer's queries. Incidents are
answered most recent first; when the first one has error logs, they are followed to their
traces (:func:`~opslens.agent.steps.correlation.gather_correlation`) as supporting evidence.
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from typing import Any

from opslens.agent.answer import phrase
from opslens.agent.correlate import Correlation
from opslens.agent.response import AnomalyRecord, CandidateRecord, IncidentRecord
from opslens.agent.steps.correlation import gather_correlation
from opslens.agent.steps.run import Run
from opslens.agent.toolbox import ToolCall
from opslens.reports.detection import (
    Candidate,
    DetectionSettings,
    Incident,
    Server,
    Telemetry,
    ToolCaller,
    Window,
    detect,
    i18n,
    window_ending,
)
from opslens.rpc_client import RpcError
from opslens.shared.language import as_language

ONGOING = timedelta(minutes=5)
"""An incident ending this close to the window's end is still going on (rates and span
buckets trail the present by a few minutes)."""
SUPPORT_MARGIN = timedelta(minutes=2)
INCIDENTS_SAID = 3
EVIDENCE_ITEMS = 3
CANDIDATES_KEPT = 3
ANOMALIES_KEPT = 10
SIGNAL_WORDS = {"metrics": "metrics", "logs": "logs", "traces": "traces", "kubernetes": "k8s"}


class RunCaller(ToolCaller):
    """The pipeline's tool calls through the run's toolbox, each recorded as a query; the time
    with at least one call in flight counts as backend time (parallel calls once)."""

    def __init__(self, run: Run) -> None:
        super().__init__(run.toolbox.clients)
        self.run = run
        self._in_flight = 0
        self._since = 0.0

    async def invoke(self, server: Server, tool: str, params: dict[str, Any]) -> dict[str, Any]:
        if not self._in_flight:
            self._since = time.perf_counter()
        self._in_flight += 1
        try:
            call = ToolCall(server, tool, params, "anomaly check: {tool}", {"tool": tool})
            outcome = await self.run.toolbox.run(call, self.run.session_id, self.run.budget)
        finally:
            self._in_flight -= 1
            if not self._in_flight:
                self.run.backend_wall_ms += (time.perf_counter() - self._since) * 1000
        self.run.outcomes.append(outcome)
        if not outcome.ok:
            error = outcome.error or {}
            code = int(error.get("code") or -32000)
            raise RpcError(server, tool, code, str(error.get("message") or "failed"))
        return outcome.result


def candidate_record(candidate: Candidate, language: str) -> CandidateRecord:
    """A ranked candidate with its fine-grained cause and the numbers that ranked it."""
    lang = as_language(language)
    numbers = [i18n.evidence_text(e, lang) for e in candidate.evidence[:EVIDENCE_ITEMS]]
    return CandidateRecord(
        service=candidate.service,
        rank=candidate.rank,
        score=candidate.score,
        cause=i18n.cause(candidate, lang),
        evidence="; ".join(numbers),
        numbers=numbers,
        reasons=[i18n.reason(code, lang) for code in candidate.reasons],
    )


def incident_record(incident: Incident, window: Window, language: str) -> IncidentRecord:
    """An incident as it goes on the wire, its texts in ``language``."""
    lang = as_language(language)
    return IncidentRecord(
        id=incident.id,
        start=incident.start,
        end=incident.end,
        ongoing=incident.end >= window.end - ONGOING,
        services=incident.services,
        signals=sorted({anomaly.signal for anomaly in incident.anomalies}),
        root_cause=incident.root_cause,
        candidates=[
            candidate_record(candidate, language)
            for candidate in incident.candidates[:CANDIDATES_KEPT]
        ],
        anomalies=[
            AnomalyRecord(
                signal=anomaly.signal,
                kind=anomaly.kind,
                service=anomaly.service,
                subject=anomaly.subject,
                what=i18n.measure(anomaly.kind, lang),
                peak=i18n.value(anomaly.value, anomaly.unit) if anomaly.value is not None else None,
                normal=i18n.value(anomaly.baseline, anomaly.unit)
                if anomaly.baseline is not None
                else None,
                start=anomaly.start,
                end=anomaly.end,
                score=anomaly.score,
                query=anomaly.evidence.query,
            )
            for anomaly in incident.anomalies[:ANOMALIES_KEPT]
        ],
        trace_id=incident.trace_example.trace_id if incident.trace_example else None,
    )


def _clock(moment: datetime, run: Run) -> str:
    """A time in the plan's zone: ``HH:MM``, with the date when it is not the window's end day."""
    local = moment.astimezone(run.plan.end.tzinfo)
    return local.strftime("%H:%M" if local.date() == run.plan.end.date() else "%m-%d %H:%M")


def _span(record: IncidentRecord, run: Run) -> str:
    start, end = _clock(record.start, run), _clock(record.end, run)
    return start if start == end else phrase("anomaly.span", run.language, start=start, end=end)


def _read(telemetry: Telemetry, signal: str) -> bool:
    status = telemetry.status.get(signal)
    return status is not None and status.calls > 0 and not status.failures


def _checked(telemetry: Telemetry, settings: DetectionSettings, language: str) -> list[str]:
    """What the detectors read, as a list a person can check (failed signals are left out)."""
    parts = []
    services = {series.service for series in telemetry.metrics if series.service}
    if services:
        parts.append(phrase("anomaly.checked_metrics", language, count=len(services)))
    if _read(telemetry, "logs"):
        parts.append(phrase("anomaly.checked_logs", language))
    operations = {(series.service, series.subject) for series in telemetry.traces}
    if operations:
        parts.append(phrase("anomaly.checked_traces", language, count=len(operations)))
    if _read(telemetry, "kubernetes"):
        namespaces = ", ".join(settings.namespaces)
        parts.append(phrase("anomaly.checked_k8s", language, namespaces=namespaces))
    return parts


def _say_failures(run: Run, telemetry: Telemetry) -> None:
    for signal, status in sorted(telemetry.status.items()):
        if status.failures:
            run.missing.append(f"{signal} (anomaly check)")
            run.say("missing", what=SIGNAL_WORDS.get(signal, signal), reason=status.failures[0])


def _say_incidents(run: Run) -> None:
    run.say("anomaly.incidents", count=len(run.incidents))
    for number, record in enumerate(run.incidents[:INCIDENTS_SAID], start=1):
        top = record.candidates[0] if record.candidates else None
        run.say(
            "anomaly.incident",
            n=number,
            when=_span(record, run),
            ongoing=phrase("anomaly.ongoing", run.language) if record.ongoing else "",
            affected=", ".join(record.services),
            root_cause=top.cause if top else "-",
            evidence=top.evidence if top else "-",
        )
    if len(run.incidents) > INCIDENTS_SAID:
        run.say("anomaly.more", count=len(run.incidents) - INCIDENTS_SAID)


def _window_of(run: Run, settings: DetectionSettings) -> Window:
    return window_ending(settings, run.plan.end, max(int(run.plan.window.total_seconds()), 60))


async def gather_anomalies(
    run: Run, settings: DetectionSettings, known_problem: bool = False
) -> None:
    """Incidents of the plan's window (namespace: the plan's, else the settings'), most recent
    first, each with its most likely root cause and the evidence for it. ``known_problem``:
    the question says something went wrong there (it asks for the root cause), so what moved
    convincingly is an incident even where no detector alarmed."""
    if run.plan.namespace:
        settings = settings.model_copy(update={"namespaces": [run.plan.namespace]})
    window = _window_of(run, settings)
    telemetry, found = await detect(settings, RunCaller(run), window, known_problem)
    incidents = sorted(found, key=lambda i: (i.end, i.start), reverse=True)
    run.incidents = [incident_record(i, window, run.language) for i in incidents]
    if incidents:
        _say_incidents(run)
    elif checked := _checked(telemetry, settings, run.language):
        run.say("anomaly.none", checked="; ".join(checked))
    else:
        run.say("anomaly.unchecked")
    _say_failures(run, telemetry)


async def support_first_incident(run: Run) -> Correlation | None:
    """The error logs of the first incident followed to their traces (None without any)."""
    first = run.incidents[0] if run.incidents else None
    if first is None or "logs" not in first.signals:
        return None
    plan = run.plan
    zone = plan.end.tzinfo
    start = max(plan.start, first.start - SUPPORT_MARGIN).astimezone(zone)
    end = max(start, min(plan.end, first.end + SUPPORT_MARGIN)).astimezone(zone)
    run.plan = plan.model_copy(update={"start": start, "end": end})
    run.say("anomaly.supporting")
    try:
        return await gather_correlation(run)
    finally:
        run.plan = plan
