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
from opslens_ui.settings import UiSettings

DOWNLOADS: list[tuple[ReportFormat, str, str]] = [
    ("html", "Download HTML (with charts)", "text/html"),
    ("md", "Download Markdown", "text/markdown"),
    ("json", "Download JSON", "application/json"),
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
    st.title("Reports")
    try:
        reports = client.reports().reports
    except (AgentUnavailable, AgentError) as exc:
        st.error(escape_markdown(f"Cannot list reports: {exc}"))
        return
    if not reports:
        st.info(
            "No report yet. The scheduler writes one per period; the first appears after "
            "its first run."
        )
        return
    st.dataframe(reports_frame(reports), hide_index=True, key="reports-table")
    by_id = {report.id: report for report in reports}
    chosen = st.selectbox(
        "Report",
        list(by_id),
        format_func=lambda report_id: _report_label(by_id[report_id]),
        key="report-chosen",
    )
    try:
        markdown = client.report(chosen, "md")
    except (AgentUnavailable, AgentError) as exc:
        st.error(escape_markdown(f"Cannot load report {chosen}: {exc}"))
        return
    columns = st.columns(len(DOWNLOADS))
    for column, (fmt, text, mime) in zip(columns, DOWNLOADS, strict=True):
        with column:
            _download(client, chosen, fmt, text, mime)
    st.divider()
    st.markdown(markdown)


def _download(client: AgentClient, report_id: str, fmt: ReportFormat, text: str, mime: str) -> None:
    """A download button that fetches the report only when pressed."""

    def fetch() -> bytes:
        try:
            return client.report(report_id, fmt).encode()
        except (AgentUnavailable, AgentError) as exc:
            return f"opslens could not fetch report {report_id} as {fmt}: {exc}\n".encode()

    st.download_button(
        text, fetch, file_name=f"opslens-report-{report_id}.{fmt}", mime=mime, key=f"report-{fmt}"
    )


def _report_label(report: ReportSummary) -> str:
    return f"{format_time(report.created_at)} — {report.title} ({report.incidents} incidents)"
