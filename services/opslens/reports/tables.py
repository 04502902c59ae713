"""The report's tables as plain rows, shared by the Markdown and HTML renderers."""

from __future__ import annotations

from opslens.reports import i18n
from opslens.reports.models import Anomaly, Incident, Report, TraceExample
from opslens.reports.settings import Language

Table = tuple[list[str], list[list[str]]]
MAX_ANOMALY_ROWS = 15
MAX_CANDIDATES = 5
MAX_EVIDENCE = 3


def header_facts(report: Report) -> list[tuple[str, str]]:
    language = report.language
    baselines = ", ".join(
        f"{name} {status.baseline_mode}" for name, status in report.signals.items()
    )
    return [
        (
            i18n.text("window", language),
            f"{i18n.stamp(report.window_start)} – {i18n.stamp(report.window_end)} UTC",
        ),
        (i18n.text("namespaces", language), ", ".join(report.namespaces)),
        (
            i18n.text("baseline", language),
            f"{i18n.stamp(report.baseline_start)} – {i18n.stamp(report.window_start)} "
            f"({baselines})",
        ),
        (i18n.text("generated", language), f"{i18n.stamp(report.created_at)} UTC, {report.id}"),
    ]


def candidate_table(incident: Incident, language: Language) -> Table:
    """Rank, service, what in it moved, the numbers that ranked it, why, onset, score."""
    keys = ("rank", "service", "cause", "cause_evidence", "reasons", "onset", "score")
    headers = [i18n.text(k, language) for k in keys]
    rows = [
        [
            str(c.rank),
            c.service,
            i18n.cause(c, language),
            "; ".join(i18n.evidence_text(e, language) for e in c.evidence[:MAX_EVIDENCE]),
            i18n.reasons(c.reasons, language),
            i18n.clock(c.onset),
            f"{c.score:.1f}",
        ]
        for c in incident.candidates[:MAX_CANDIDATES]
    ]
    return headers, rows


LABELLED_KINDS = frozenset(
    {
        "new_log_template",
        "new_error_type",
        "statement_stopped",
        "statement_new",
        "statement_fewer",
        "statement_more",
    }
)
"""Anomalies named by their label (the template, error or statement)."""


def incident_note(incident: Incident, language: Language) -> str:
    """Why an incident was raised, when not by the detectors ('' otherwise)."""
    return i18n.text("raised_by_findings", language) if incident.raised_by == "findings" else ""


def anomaly_label(anomaly: Anomaly, language: Language) -> str:
    name = i18n.measure(anomaly.kind, language)
    if anomaly.subject and anomaly.kind not in ("new_log_template",):
        name += f" ({anomaly.subject})"
    if anomaly.kind in LABELLED_KINDS and anomaly.label:
        name += f": {anomaly.label[:120]}"
    return name


def anomaly_table(incident: Incident, language: Language) -> Table:
    headers = [
        i18n.text(k, language)
        for k in ("signal", "service", "measure", "value", "normal", "when", "score")
    ]
    rows = [
        [
            a.signal,
            a.service or "-",
            anomaly_label(a, language),
            i18n.value(a.value, a.unit),
            i18n.value(a.baseline, a.unit),
            f"{i18n.clock(a.start)}–{i18n.clock(a.end)}",
            f"{a.score:.1f}",
        ]
        for a in incident.anomalies[:MAX_ANOMALY_ROWS]
    ]
    return headers, rows


def template_table(incident: Incident, language: Language) -> Table:
    headers = [i18n.text(k, language) for k in ("service", "template", "count", "new")]
    rows = [
        [t.service, t.template[:300], str(t.count), i18n.text("new", language) if t.new else ""]
        for t in incident.log_templates
    ]
    return headers, rows


def signal_table(report: Report) -> Table:
    language = report.language
    headers = [
        i18n.text("signal", language),
        i18n.text("calls", language),
        i18n.text("baseline", language),
        i18n.text("failures", language),
        i18n.text("warnings", language),
    ]
    rows = [
        [
            name,
            str(status.calls),
            status.baseline_mode,
            "; ".join(status.failures[:3]) or "-",
            "; ".join(status.warnings[:3]) or "-",
        ]
        for name, status in sorted(report.signals.items())
    ]
    return headers, rows


def reproduce(incident: Incident) -> list[tuple[str, str]]:
    """(``server.tool``, native query) for each distinct query behind the incident."""
    seen: dict[str, str] = {}
    for anomaly in incident.anomalies:
        evidence = anomaly.evidence
        if evidence.query and evidence.query not in seen:
            seen[evidence.query] = f"{evidence.server}.{evidence.tool}"
    if incident.trace_example is not None:
        evidence = incident.trace_example.evidence
        seen.setdefault(
            f"{evidence.query}  # trace_id={incident.trace_example.trace_id}",
            f"{evidence.server}.{evidence.tool}",
        )
    return [(label, query) for query, label in seen.items()]


def trace_title(example: TraceExample, language: Language) -> str:
    """``<trace id> <root service> <root operation> (<ms>, <n> errors)``."""
    root = f"{example.root_service or ''} {example.root_operation or ''}".strip()
    errors = i18n.text("error_count", language, count=example.error_count)
    return f"{example.trace_id} {root} ({example.duration_ms:,.0f} ms, {errors})"
