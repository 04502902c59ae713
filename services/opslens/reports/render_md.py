"""The report as Markdown (for chat, tickets and terminals)."""

from __future__ import annotations

from opslens.reports import i18n, tables
from opslens.reports.models import Incident, Report
from opslens.reports.settings import Language


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _table(table: tables.Table) -> list[str]:
    headers, rows = table
    if not rows:
        return []
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    return [*lines, ""]


def _incident(number: int, incident: Incident, language: Language) -> list[str]:
    lines = [
        f"## {i18n.text('incident', language)} {number}: "
        f"{i18n.stamp(incident.start)} – {i18n.clock(incident.end)} UTC",
        "",
    ]
    if note := tables.incident_note(incident, language):
        lines += [f"_{note}_", ""]
    top = incident.candidates[0] if incident.candidates else None
    if top is not None:
        lines += [f"**{i18n.text('root_cause', language)}: {top.service}**", ""]
        lines += [i18n.cause_line(top, language), ""]
    lines += [f"### {i18n.text('candidates', language)}", ""]
    lines += _table(tables.candidate_table(incident, language))
    lines += [f"### {i18n.text('anomalies', language)}", ""]
    lines += _table(tables.anomaly_table(incident, language))
    templates = tables.template_table(incident, language)
    if templates[1]:
        lines += [f"### {i18n.text('templates', language)}", "", *_table(templates)]
    example = incident.trace_example
    if example is not None:
        lines += [
            f"### {i18n.text('trace_example', language)}",
            "",
            f"`{tables.trace_title(example, language)}`",
            "",
        ]
        for step in example.critical_path[:8]:
            lines.append(f"- {step['service']} {step['operation']}: {step['duration_ms']} ms")
        for error in example.errors[:5]:
            origin = " (origin)" if error.get("origin") else ""
            message = error.get("message") or ""
            lines.append(f"- ❌ {error['service']} {error['operation']}{origin}: {message}")
        lines.append("")
    lines += [f"### {i18n.text('queries', language)}", ""]
    for label, query in tables.reproduce(incident):
        lines += [f"- {label}", "", "```", query, "```", ""]
    return lines


def render_markdown(report: Report) -> str:
    language = report.language
    lines = [f"# {i18n.text('title', language)}", ""]
    lines += [f"- **{label}**: {value}" for label, value in tables.header_facts(report)]
    source = "summary_llm" if report.summary_source == "llm" else "summary_template"
    lines += [
        "",
        f"## {i18n.text('summary', language)}",
        "",
        report.summary,
        "",
        f"_({i18n.text(source, language)})_",
        "",
    ]
    for number, incident in enumerate(report.incidents, start=1):
        lines += _incident(number, incident, language)
    lines += [
        f"## {i18n.text('signals_status', language)}",
        "",
        *_table(tables.signal_table(report)),
    ]
    return "\n".join(lines).rstrip() + "\n"
