"""The Alerts page: the investigations opslens ran when alerts fired (firing and resolved),
and the report of the one chosen."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from opslens_ui.client import AgentClient, AgentError, AgentUnavailable
from opslens_ui.contract import AlertInvestigation
from opslens_ui.formatting import escape_markdown, format_time
from opslens_ui.i18n import Language, text
from opslens_ui.settings import UiSettings
from opslens_ui.status import error_text
from opslens_ui.tables import show_table
from opslens_ui.ui_language import page_language


def scope(item: AlertInvestigation) -> str:
    labels = item.labels
    service = labels.get("service") or labels.get("destination_service_name") or labels.get("pod")
    return "/".join(part for part in (labels.get("namespace"), service) if part)


def alerts_frame(items: list[AlertInvestigation]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "alert": item.alertname,
                "scope": scope(item),
                "state": item.state,
                "root_cause": item.root_cause or "",
                "started": format_time(item.starts_at),
                "resolved": format_time(item.resolved_at) if item.resolved_at else "",
                "lasted_s": item.duration_s,
                "id": item.id,
            }
            for item in items
        ],
        columns=["alert", "scope", "state", "root_cause", "started", "resolved", "lasted_s", "id"],
    )


def render(client: AgentClient, settings: UiSettings) -> None:
    """The investigations and the chosen one's report (the newest by default)."""
    language = page_language(settings)
    st.title(text("alerts.title", language))
    try:
        items = client.alerts().investigations
    except (AgentUnavailable, AgentError) as exc:
        error = error_text(exc, language)
        st.error(escape_markdown(text("alerts.cannot_list", language, error=error)))
        return
    if not items:
        st.info(text("alerts.none", language))
        return
    firing = sum(1 for item in items if not item.resolved_at)
    st.caption(text("alerts.counts", language, count=len(items), firing=firing))
    show_table(alerts_frame(items), language, "alerts-table")
    by_id = {item.id: item for item in items}
    chosen = by_id[
        st.selectbox(
            text("alerts.choose", language),
            list(by_id),
            format_func=lambda key: _label(by_id[key], language),
            key="alert-chosen",
        )
    ]
    if chosen.error:
        st.warning(escape_markdown(text("alerts.failed", language, error=chosen.error)))
    if not chosen.report_id:
        st.info(text("alerts.running", language, state=chosen.state))
        return
    try:
        markdown = client.report(chosen.report_id, "md")
    except (AgentUnavailable, AgentError) as exc:
        error = error_text(exc, language)
        loading = text("reports.cannot_load", language, report_id=chosen.report_id, error=error)
        st.error(escape_markdown(loading))
        return
    st.divider()
    st.markdown(markdown)


def _label(item: AlertInvestigation, language: Language) -> str:
    state = (
        text("alerts.resolved", language, time=format_time(item.resolved_at))
        if item.resolved_at
        else text("alerts.firing", language)
    )
    cause = item.root_cause or "-"
    return text(
        "alerts.label", language, alert=item.alertname, scope=scope(item), state=state, cause=cause
    )
