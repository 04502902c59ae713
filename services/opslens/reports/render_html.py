"""The report as one self-contained HTML page: inline CSS and SVG, no script, no external file.

Fonts fall back through faces that cover Hangul, so Korean reports render on Linux, macOS and
Windows alike.
"""

from __future__ import annotations

from html import escape

from opslens.reports import charts, i18n, tables
from opslens.reports.models import Incident, Report
from opslens.reports.settings import Language

MAX_CHARTS = 4
STYLE = """
body{font-family:"Noto Sans KR","Apple SD Gothic Neo","Malgun Gothic","Noto Sans CJK KR",
"Segoe UI",Roboto,sans-serif;margin:2rem auto;max-width:60rem;color:#212529;line-height:1.45}
h1{font-size:1.6rem}h2{border-bottom:1px solid #dee2e6;padding-bottom:.2rem;margin-top:2rem}
table{border-collapse:collapse;margin:.5rem 0 1rem;font-size:.9rem;width:100%}
th,td{border:1px solid #dee2e6;padding:.25rem .5rem;text-align:left;vertical-align:top}
th{background:#f1f3f5}.root{font-size:1.1rem;background:#fff4e6;padding:.5rem .75rem}
pre{background:#f8f9fa;padding:.5rem;overflow-x:auto;font-size:.8rem;white-space:pre-wrap}
.facts td:first-child{font-weight:600;width:9rem}.muted{color:#868e96;font-size:.85rem}
figure{margin:.5rem 0}figcaption{font-size:.85rem;color:#495057}.new{color:#c92a2a;font-weight:600}
"""


def _table(table: tables.Table, css: str = "") -> str:
    headers, rows = table
    if not rows:
        return ""
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{escape(c)}</td>" for c in row) + "</tr>" for row in rows)
    return f'<table class="{css}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def _charts(incident: Incident, language: Language) -> str:
    parts = []
    drawn = 0
    for anomaly in incident.anomalies:
        chart = anomaly.evidence.chart
        if chart is None or drawn >= MAX_CHARTS:
            continue
        svg = charts.series_chart(chart, anomaly)
        if not svg:
            continue
        caption = f"{anomaly.service or '-'} — {tables.anomaly_label(anomaly, language)}"
        parts.append(f"<figure>{svg}<figcaption>{escape(caption)}</figcaption></figure>")
        drawn += 1
    return "".join(parts)


def _trace(incident: Incident, language: Language) -> str:
    example = incident.trace_example
    if example is None:
        return ""
    rows = [[s["service"], s["operation"], f"{s['duration_ms']} ms"] for s in example.critical_path]
    errors = [
        [
            e["service"],
            e["operation"],
            ("origin " if e.get("origin") else "") + (e.get("message") or ""),
        ]
        for e in example.errors
    ]
    title = tables.trace_title(example, language)
    return (
        f"<h3>{escape(i18n.text('trace_example', language))}</h3>"
        f"<p><code>{escape(title)}</code></p>"
        f"<p>{escape(i18n.text('critical_path', language))}</p>"
        + _table((["service", "operation", "ms"], rows))
        + (
            _table((["service", "operation", i18n.text("errors", language)], errors))
            if errors
            else ""
        )
    )


def _incident(number: int, incident: Incident, language: Language) -> str:
    parts = [
        f"<h2>{escape(i18n.text('incident', language))} {number}: "
        f"{escape(i18n.stamp(incident.start))} – {escape(i18n.clock(incident.end))} UTC</h2>"
    ]
    if note := tables.incident_note(incident, language):
        parts.append(f'<p class="note">{escape(note)}</p>')
    top = incident.candidates[0] if incident.candidates else None
    if top is not None:
        parts.append(
            f'<p class="root">{escape(i18n.text("root_cause", language))}: '
            f"<strong>{escape(top.service)}</strong></p>"
            f"<p>{escape(i18n.cause_line(top, language))}</p>"
        )
    parts += [
        f"<h3>{escape(i18n.text('candidates', language))}</h3>",
        _table(tables.candidate_table(incident, language)),
        _charts(incident, language),
        f"<h3>{escape(i18n.text('anomalies', language))}</h3>",
        _table(tables.anomaly_table(incident, language)),
    ]
    templates = tables.template_table(incident, language)
    if templates[1]:
        parts += [f"<h3>{escape(i18n.text('templates', language))}</h3>", _table(templates)]
    parts.append(_trace(incident, language))
    parts.append(f"<h3>{escape(i18n.text('queries', language))}</h3>")
    for label, query in tables.reproduce(incident):
        parts.append(f"<p class='muted'>{escape(label)}</p><pre>{escape(query)}</pre>")
    return "".join(parts)


def render_html(report: Report) -> str:
    language = report.language
    facts = "".join(
        f"<tr><td>{escape(k)}</td><td>{escape(v)}</td></tr>" for k, v in tables.header_facts(report)
    )
    source = "summary_llm" if report.summary_source == "llm" else "summary_template"
    summary = "".join(f"<p>{escape(line)}</p>" for line in report.summary.splitlines() if line)
    body = [
        f"<h1>{escape(i18n.text('title', language))}</h1>",
        f'<table class="facts">{facts}</table>',
        f"<h2>{escape(i18n.text('summary', language))}</h2>{summary}",
        f"<p class='muted'>{escape(i18n.text(source, language))}</p>",
    ]
    if report.incidents:
        body += [f"<h2>{escape(i18n.text('timeline', language))}</h2>", charts.timeline(report)]
    body += [_incident(n, incident, language) for n, incident in enumerate(report.incidents, 1)]
    body += [
        f"<h2>{escape(i18n.text('signals_status', language))}</h2>",
        _table(tables.signal_table(report)),
    ]
    title = f"{i18n.text('title', language)} {i18n.stamp(report.window_end)}"
    return (
        f'<!DOCTYPE html><html lang="{language}"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title><style>{STYLE}</style></head>"
        f"<body>{''.join(body)}</body></html>\n"
    )
