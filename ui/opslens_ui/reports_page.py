"""The Reports page: the scheduled anomaly reports, and the one chosen rendered in full.

The report is shown from its Markdown form (HTML inside it is not rendered); the
self-contained HTML version, with its charts, and the JSON are there to download.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from opslens_ui.client import AgentClient, AgentError, AgentUnavailable, ReportFormat
from opslens_ui.contract import ReportSummary
from opslens_ui.formatting import escape_markdown, format_time
from opslens_ui.i18n import Language, text
from opslens_ui.settings import UiSettings
from opslens_ui.status import error_text
from opslens_ui.tables import show_table
from opslens_ui.ui_language import page_language

DOWNLOADS: list[tuple[ReportFormat, str]] = [  # the button says reports.download.<format>
    ("html", "text/html"),
    ("md", "text/markdown"),
    ("json", "application/json"),
]


def reports_frame(reports: list[ReportSummary]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "created": format_time(report.created_at),
                "title": report.title,
                "incidents": report.incidents,
                "window": f"{format_time(report.window_start)} – {format_time(report.window_end)}",
                "language": report.language or "",
                "id": report.id,
            }
            for report in reports
        ],
        columns=["created", "title", "incidents", "window", "language", "id"],
    )


def render(client: AgentClient, settings: UiSettings) -> None:
    """The list of reports and the chosen one (the newest by default)."""
    language = page_language(settings)
    st.title(text("reports.title", language))
    try:
        reports = client.reports().reports
    except (AgentUnavailable, AgentError) as exc:
        error = error_text(exc, language)
        st.error(escape_markdown(text("reports.cannot_list", language, error=error)))
        return
    if not reports:
        st.info(text("reports.none", language))
        return
    show_table(reports_frame(reports), language, "reports-table")
    by_id = {report.id: report for report in reports}
    chosen = st.selectbox(
        text("reports.choose", language),
        list(by_id),
        format_func=lambda report_id: _report_label(by_id[report_id], language),
        key="report-chosen",
    )
    try:
        markdown = client.report(chosen, "md")
    except (AgentUnavailable, AgentError) as exc:
        error = error_text(exc, language)
        loading = text("reports.cannot_load", language, report_id=chosen, error=error)
        st.error(escape_markdown(loading))
        return
    columns = st.columns(len(DOWNLOADS))
    for column, (fmt, mime) in zip(columns, DOWNLOADS, strict=True):
        with column:
            _download(client, chosen, fmt, mime, language)
    st.divider()
    st.markdown(markdown)


def _download(
    client: AgentClient, report_id: str, fmt: ReportFormat, mime: str, language: Language
) -> None:
    """A download button that fetches the report only when pressed."""

    def fetch() -> bytes:
        try:
            return client.report(report_id, fmt).encode()
        except (AgentUnavailable, AgentError) as exc:
            error = error_text(exc, language)
            failed = text(
                "reports.fetch_failed", language, report_id=report_id, fmt=fmt, error=error
            )
            return f"{failed}\n".encode()

    st.download_button(
        text(f"reports.download.{fmt}", language),
        fetch,
        file_name=f"opslens-report-{report_id}.{fmt}",
        mime=mime,
        key=f"report-{fmt}",
    )


def _report_label(report: ReportSummary, language: Language) -> str:
    created = format_time(report.created_at)
    return text(
        "reports.label", language, count=report.incidents, created=created, title=report.title
    )
