"""An incident raised from the period findings alone (pure function over fetched telemetry)."""

from __future__ import annotations

from datetime import timedelta

from opslens.reports import tables
from opslens.reports.findings_incident import ALONE, findings_incident
from opslens.reports.models import CauseEvidence
from opslens.reports.render_html import render_html
from opslens.reports.render_md import render_markdown
from opslens.reports.rootcause.ranking import STRONG, Finding
from opslens.reports.telemetry import Telemetry, Window
from tests.reports.factories import T0, report

SHOP = {("frontend", "order-service"), ("order-service", "payment-service")}


def telemetry(*findings: Finding) -> Telemetry:
    window = Window(T0, T0 + timedelta(minutes=15), T0 - timedelta(hours=2))
    return Telemetry(window, edges=set(SHOP), causes=list(findings))


def stopped(service: str, score: float, lines: float) -> Finding:
    cause = CauseEvidence(
        signal="logs",
        kind="statement_stopped",
        area="code",
        subject="INFO payment charged <*>",
        operation="POST /charge",
        value=0.0,
        baseline=lines,
        unit="lines",
        score=score,
    )
    return Finding(service, cause)


def test_findings_that_convince_only_the_ranking_raise_nothing() -> None:
    # A healthy system's statements move a little: convincing inside an incident, not alone.
    assert findings_incident(telemetry(stopped("payment-service", STRONG, 5))) is None
    assert findings_incident(telemetry()) is None


def test_a_known_problem_needs_a_change_that_convinces_once() -> None:
    # An alert fired or a person reported the window: the doubt the doubled level guards
    # against is settled, and the change that convinces the ranking names the culprit.
    found = telemetry(stopped("payment-service", STRONG, 5), stopped("order-service", 1.5, 4))
    incident = findings_incident(found, known_problem=True)
    assert incident is not None and incident.services == ["payment-service"]
    below = telemetry(stopped("payment-service", STRONG - 0.1, 5))
    assert findings_incident(below, known_problem=True) is None


def test_a_change_convincing_twice_over_raises_one_incident_over_the_window() -> None:
    found = telemetry(
        stopped("payment-service", ALONE + 1, 30),
        stopped("order-service", 1.5, 4),  # its caller moved a little: not a culprit
    )
    incident = findings_incident(found)
    assert incident is not None and incident.raised_by == "findings"
    assert (incident.start, incident.end) == (found.window.start, found.window.end)
    assert incident.services == ["payment-service"]
    [anomaly] = incident.anomalies
    assert (anomaly.kind, anomaly.subject, anomaly.value, anomaly.baseline) == (
        "statement_stopped",
        "POST /charge",
        0.0,
        30,
    )
    assert "payment charged" in tables.anomaly_label(anomaly, "en")
    assert "No detector alarmed" in tables.incident_note(incident, "en")
    markdown = render_markdown(report(incidents=[incident], language="ko"))
    assert tables.incident_note(incident, "ko") in markdown and "탐지기" in markdown
    assert "No detector alarmed" in render_html(report(incidents=[incident]))
