"""Kubernetes anomalies: what the kubernetes server's ``diagnose`` found in the window.

OOM kills, crash loops, unavailable replicas, node pressure and the rest come as findings with
a severity; critical ones score 2.0, warnings 1.5, and informational ones are left out. Their
time comes from the object's events, else from the status times quoted in the evidence. The
API only knows the present, so a finding with no time inside the window counts only in a
window that reaches the present (a state that holds now).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from opslens.reports.models import Anomaly
from opslens.reports.naming import service_of_pod
from opslens.reports.telemetry import KubeFindingData, Telemetry
from opslens.reports.times import parse_iso
from opslens_mcp.contract.kubernetes import Finding, ObjectRef

SEVERITY_SCORES = {"critical": 2.0, "warning": 1.5}
LIVE_SLACK = timedelta(minutes=15)
_ISO = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})")


def detect_kubernetes(telemetry: Telemetry) -> list[Anomaly]:
    found = []
    for item in telemetry.findings:
        anomaly = finding_anomaly(item, telemetry)
        if anomaly is not None:
            found.append(anomaly)
    return found


def service_of(obj: ObjectRef) -> str | None:
    """The service a finding's object belongs to (None for nodes and volumes)."""
    kind, name = obj.kind, obj.name
    if kind == "Pod":
        return service_of_pod(name)
    if kind in ("Deployment", "StatefulSet", "DaemonSet", "Service"):
        return name
    return None


def _times(finding: Finding) -> list[datetime]:
    moments = [
        moment
        for event in finding.events
        for moment in (event.first_seen, event.last_seen)
        if moment is not None
    ]
    if not moments:
        for line in finding.evidence:
            moments += [m for m in (parse_iso(text) for text in _ISO.findall(line)) if m]
    return moments


def finding_anomaly(item: KubeFindingData, telemetry: Telemetry) -> Anomaly | None:
    finding = Finding.model_validate(item.finding)
    score = SEVERITY_SCORES.get(finding.severity)
    if score is None:
        return None
    window = telemetry.window
    inside = [m for m in _times(finding) if window.start <= m <= window.end]
    if inside:
        start, end = min(inside), max(inside)
    else:  # a state seen now, with nothing dated: it belongs to a window that reaches now
        now = datetime.now(UTC)
        if not window.start <= now <= window.end + LIVE_SLACK:
            return None
        start = end = min(now, window.end)
    obj = finding.object
    problem = finding.problem
    return Anomaly(
        id=Anomaly.make_id("k8s", problem, obj.kind, obj.name),
        signal="kubernetes",
        kind=problem,
        service=service_of(obj),
        subject=f"{obj.kind}/{obj.name}",
        score=score,
        start=start,
        end=end,
        peak_at=start,
        baseline_mode="none",
        label=finding.explanation[:300],
        evidence=item.evidence.model_copy(update={"details": finding.evidence[:8]}),
    )
