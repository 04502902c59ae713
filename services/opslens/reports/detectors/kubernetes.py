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
from typing import Any

from opslens.reports.models import Anomaly
from opslens.reports.naming import service_of_pod
from opslens.reports.telemetry import KubeFindingData, Telemetry
from opslens.reports.times import parse_iso

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


def service_of(obj: dict[str, Any]) -> str | None:
    """The service a finding's object belongs to (None for nodes and volumes)."""
    kind, name = obj.get("kind"), str(obj.get("name") or "")
    if kind == "Pod":
        return service_of_pod(name)
    if kind in ("Deployment", "StatefulSet", "DaemonSet", "Service"):
        return name
    return None


def _times(finding: dict[str, Any]) -> list[datetime]:
    moments = []
    for event in finding.get("events") or []:
        for key in ("first_seen", "last_seen"):
            if event.get(key):
                parsed = parse_iso(str(event[key]))
                if parsed is not None:
                    moments.append(parsed)
    if not moments:
        for line in finding.get("evidence") or []:
            moments += [m for m in (parse_iso(text) for text in _ISO.findall(line)) if m]
    return moments


def finding_anomaly(item: KubeFindingData, telemetry: Telemetry) -> Anomaly | None:
    finding = item.finding
    score = SEVERITY_SCORES.get(str(finding.get("severity")))
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
    obj = finding.get("object") or {}
    problem = str(finding.get("problem"))
    return Anomaly(
        id=Anomaly.make_id("k8s", problem, obj.get("kind"), obj.get("name")),
        signal="kubernetes",
        kind=problem,
        service=service_of(obj),
        subject=f"{obj.get('kind')}/{obj.get('name')}",
        score=score,
        start=start,
        end=end,
        peak_at=start,
        baseline_mode="none",
        label=str(finding.get("explanation") or "")[:300],
        evidence=item.evidence.model_copy(
            update={"details": [str(line) for line in finding.get("evidence") or []][:8]}
        ),
    )
