"""The logs tab: matching lines as a table, counts per service, frequent patterns, CSV export.

Selecting a row opens it: the whole message (stack trace included) and, when the line carries
a trace id, a link that opens that trace. Messages are shown as plain text, never as markup.
"""

from __future__ import annotations

from urllib.parse import urlencode

import pandas as pd
import streamlit as st
from streamlit.typing import DataframeState

from opslens_ui.contract import LogEvidence, LogRecord
from opslens_ui.formatting import escape_markdown, first_line, format_time
from opslens_ui.i18n import Language, text
from opslens_ui.tables import header, show_table

TRACE_QUERY_PARAM = "trace"
TABLE_COLUMNS = ["timestamp", "service", "level", "trace", "message", "pod"]


def trace_link(base_url: str, trace_id: str) -> str:
    """The UI's own address that opens ``trace_id`` (see the chat page's ``?trace=`` handling)."""
    return f"{base_url.split('?', 1)[0]}?{urlencode({TRACE_QUERY_PARAM: trace_id})}"


def logs_frame(records: list[LogRecord], base_url: str) -> pd.DataFrame:
    """One row per log line with the first line of its message and a link to its trace."""
    rows = [
        {
            "timestamp": format_time(record.timestamp),
            "service": record.service or "",
            "level": (record.level or "").upper(),
            "message": first_line(record.message),
            "pod": record.pod or "",
            "trace": trace_link(base_url, record.trace_id) if record.trace_id else None,
        }
        for record in records
    ]
    return pd.DataFrame(rows, columns=TABLE_COLUMNS)


def export_frame(records: list[LogRecord]) -> pd.DataFrame:
    """Every field of every line, whole messages included (what the CSV download holds)."""
    return pd.DataFrame(
        [record.model_dump() for record in records], columns=list(LogRecord.model_fields)
    )


def matching_note(evidence: LogEvidence, language: Language) -> str:
    """``1,394 matching lines; the 50 newest are shown …`` (or only the count when all are)."""
    shown = len(evidence.records)
    if shown < evidence.total or evidence.truncated:
        return text("logs.newest", language, count=evidence.total, shown=shown)
    return text("logs.matching", language, count=evidence.total)


def render_logs(evidence: LogEvidence, key: str, language: Language) -> None:
    """The table of lines, its summary, the selected line in full, and the CSV download."""
    st.caption(escape_markdown(matching_note(evidence, language)))
    by_service = pd.DataFrame([item.model_dump() for item in evidence.by_service])
    patterns = pd.DataFrame([item.model_dump() for item in evidence.patterns])
    summaries = [frame for frame in (by_service, patterns) if not frame.empty]
    slots = st.columns([1, 2]) if len(summaries) == 2 else [st.container()]
    for slot, summary in zip(slots, summaries, strict=False):
        with slot:
            name = "patterns" if "template" in summary else "by-service"
            show_table(summary, language, f"{key}-{name}")
    if not evidence.records:
        st.info(text("logs.none", language))
        return
    frame = logs_frame(evidence.records, st.context.url or "")
    table = show_table(
        frame,
        language,
        f"{key}-table",
        on_select="rerun",
        selection_mode="single-row",
        column_config={
            "message": st.column_config.TextColumn(header("message", language), width="large"),
            "trace": st.column_config.LinkColumn(
                header("trace", language),
                display_text=rf"{TRACE_QUERY_PARAM}=([0-9a-fA-F]{{1,16}})",
            ),
        },
    )
    selected = table.selection.rows if isinstance(table, DataframeState) else []
    if selected:
        _render_record(evidence.records[selected[0]], language)
    else:
        st.caption(text("logs.select", language))
    st.download_button(
        text("logs.download", language),
        export_frame(evidence.records).to_csv(index=False).encode("utf-8-sig"),
        file_name="opslens-logs.csv",
        mime="text/csv",
        key=f"{key}-csv",
    )


def _render_record(record: LogRecord, language: Language) -> None:
    where = " · ".join(
        part
        for part in (format_time(record.timestamp), record.service, record.pod, record.namespace)
        if part
    )
    st.caption(escape_markdown(where))
    st.code(record.message, language=None, wrap_lines=True)
    if record.trace_id:
        st.link_button(
            text("logs.open_trace", language, trace_id=record.trace_id),
            trace_link(st.context.url or "", record.trace_id),
        )
