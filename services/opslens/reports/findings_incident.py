"""An incident raised from the root-cause findings alone, when no detector raised one.

The detectors judge how a service's requests fare (errors, latency, saturation): a fault that
changes what requests do inside a service (a statement no longer runs, an exception caught and
answered) or slows its network can leave all of them within their bands. The period findings
(:mod:`opslens.reports.collect_periods`) see such changes. When no detector raised an incident
in the window, a service that no callee explains and one of whose findings passes ``ALONE``
makes one incident over the window, whose anomalies are its findings. ``ALONE`` is twice the
level at which one signal convinces the ranking (:data:`~opslens.reports.rootcause.ranking.
STRONG`, the same in every signal's units): with no detector agreeing, a finding must be
convincing twice over. Below it a finding only ranks inside the detectors' incidents: a healthy
system's statements and resources always move a little (on the shipped healthy scenarios, at
fifty window ends, the strongest finding in a window without a detector's incident was 3.4: a
statement run 15 times where 6.5 were expected, within its counting noise: such a statement
no longer counts at all).

When an alert or a person says something is wrong in the window (``known_problem``: an alert's
investigation, a question about a window known to hold a fault), that doubt is settled: a
finding that convinces once (``STRONG``) is enough, as it is inside a detector's incident.

Example::

    incident = findings_incident(telemetry)  # None: nothing convincing moved
"""

from __future__ import annotations

from opslens.reports.models import Anomaly, Evidence, Incident
from opslens.reports.rootcause.ranking import STRONG, Finding, rank_findings
from opslens.reports.telemetry import Telemetry

ALONE = 2 * STRONG
"""The score one finding needs to raise an incident when no detector raised one."""
KNOWN_PROBLEM = STRONG
"""The same when an alert or a person says something is wrong in the window."""
MIN_ANOMALY_SCORE = 1.0
"""A finding shown as one of the incident's anomalies scores above this (as anomalies do)."""


def findings_incident(telemetry: Telemetry, known_problem: bool = False) -> Incident | None:
    """One incident over the window of the services that moved convincingly, or None."""
    level = KNOWN_PROBLEM if known_problem else ALONE
    ranked = rank_findings(telemetry.causes, telemetry.edges)
    culprits = {
        c.service for c in ranked if not c.explained_by and _convincing(c.service, telemetry, level)
    }
    if not culprits:
        return None
    members = [
        anomaly_of(finding, telemetry)
        for finding in telemetry.causes
        if finding.service in culprits and finding.score >= MIN_ANOMALY_SCORE
    ]
    window = telemetry.window
    return Incident(
        id=Anomaly.make_id("findings", window.start.isoformat(), *sorted(culprits)),
        start=window.start,
        end=window.end,
        services=sorted({a.service for a in members if a.service}),
        anomalies=sorted(members, key=lambda a: (-a.score, a.id)),
        candidates=[],
        raised_by="findings",
    )


def _convincing(service: str, telemetry: Telemetry, level: float) -> bool:
    return any(f.service == service and f.score >= level for f in telemetry.causes)


def anomaly_of(finding: Finding, telemetry: Telemetry) -> Anomaly:
    """A period finding as an anomaly of the window (a resource as its measure and pod)."""
    cause, window = finding.evidence, telemetry.window
    kind, subject, label = cause.kind, cause.operation or None, cause.subject
    if cause.area == "resource":
        kind, _, pod = cause.subject.partition(" ")
        subject, label = pod or None, ""
    elif cause.kind == "call_gap":
        subject = label = f"{cause.subject} -> {finding.service}"
    return Anomaly(
        id=Anomaly.make_id("finding", finding.service, cause.kind, cause.subject, window.start),
        signal=cause.signal,
        kind=kind,
        service=finding.service,
        subject=subject,
        score=cause.score,
        start=window.start,
        end=window.end,
        value=cause.value,
        baseline=cause.baseline,
        unit=cause.unit,
        baseline_mode="reference" if window.reference is not None else "trailing",
        label=label,
        evidence=_evidence(finding, telemetry),
    )


def _evidence(finding: Finding, telemetry: Telemetry) -> Evidence:
    """The call behind a finding: a resource's metric series, else the window's traces."""
    cause = finding.evidence
    if cause.area == "resource":
        measure, _, pod = cause.subject.partition(" ")
        for series in telemetry.metrics:
            if (series.service, series.kind) == (finding.service, measure) and (
                not pod or series.subject == pod
            ):
                return series.evidence
    if telemetry.causes_evidence is not None:
        return telemetry.causes_evidence
    window = telemetry.window
    return Evidence(
        server="opensearch",
        tool="search_traces",
        params={"start": window.start.isoformat(), "end": window.end.isoformat()},
        query="",
    )
