"""Detectors: pure functions from fetched telemetry to anomalies, one module per signal."""

from __future__ import annotations

from opslens.reports.detectors.kubernetes import detect_kubernetes
from opslens.reports.detectors.logs import detect_logs
from opslens.reports.detectors.metrics import detect_metrics
from opslens.reports.detectors.traces import detect_traces
from opslens.reports.models import Anomaly
from opslens.reports.telemetry import Telemetry

__all__ = ["detect_all"]


def detect_all(telemetry: Telemetry, slos: dict[str, float]) -> list[Anomaly]:
    """Every anomaly in the telemetry, earliest first (then highest score)."""
    found = [
        *detect_metrics(telemetry, slos),
        *detect_logs(telemetry),
        *detect_traces(telemetry),
        *detect_kubernetes(telemetry),
    ]
    unique = {anomaly.id: anomaly for anomaly in found}
    return sorted(unique.values(), key=lambda a: (a.start, -a.score, a.id))
