"""Log anomalies: error-count spikes per service and log templates new against the baseline.

Error counts are judged like any series, with a Poisson floor (a service that logs 4 errors a
minute is not anomalous at 8). A new template scores its lines in units of ``NEW_LINES_UNIT``
(so five lines or more are anomalous) and needs a rate of at least ``MIN_LINES_PER_MINUTE``
between its first and last line: one odd line is not an incident, nor is a rare message that
drips in every hour; a new message repeated is.
"""

from __future__ import annotations

from datetime import datetime

from opslens.reports.baseline import Floor
from opslens.reports.detectors.series import MeasureSpec, detect_series
from opslens.reports.models import Anomaly
from opslens.reports.telemetry import Telemetry, TemplateData

ERROR_LOGS = MeasureSpec("error_logs", "logs", "up", Floor(0.0, 2.0, poisson=True), "lines")
NEW_LINES_UNIT = 4
MIN_LINES_PER_MINUTE = 0.2


def detect_logs(telemetry: Telemetry) -> list[Anomaly]:
    found: list[Anomaly] = []
    for series in telemetry.error_logs:
        found += detect_series(series, ERROR_LOGS, telemetry.window)
    for template in telemetry.templates:
        anomaly = new_template(template, telemetry)
        if anomaly is not None:
            found.append(anomaly)
    return found


def dense(count: int, first: datetime | None, last: datetime | None) -> bool:
    """Enough lines per minute between the first and the last to be one burst."""
    if first is None or last is None:
        return True
    minutes = max((last - first).total_seconds() / 60, 1.0)
    return count / minutes >= MIN_LINES_PER_MINUTE


def new_template(template: TemplateData, telemetry: Telemetry) -> Anomaly | None:
    """An anomaly for a template absent from the baseline, seen often enough."""
    score = template.count / NEW_LINES_UNIT
    if not template.new or score <= 1.0:
        return None
    if not dense(template.count, template.first_seen, template.last_seen):
        return None
    window = telemetry.window
    return Anomaly(
        id=Anomaly.make_id("new_log_template", template.service, template.template),
        signal="logs",
        kind="new_log_template",
        service=template.service,
        subject=template.template[:200],
        score=round(score, 3),
        start=template.first_seen or window.start,
        end=template.last_seen or window.end,
        peak_at=template.first_seen,
        value=float(template.count),
        baseline=float(template.baseline_count),
        unit="lines",
        baseline_mode=template.baseline_mode,
        label=template.template[:300],
        evidence=template.evidence.model_copy(
            update={"details": [f"example: {template.example[:500]}"]}
        ),
    )
