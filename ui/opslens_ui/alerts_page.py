"""The Alerts page: the investigations opslens ran when alerts fired (firing and resolved),
and the report of the one chosen.

The page is addressable: ``?page=alerts&alertname=...&namespace=...&service=...`` (or
``&pod=...``, or ``&fingerprint=...`` as Alertmanager knows it), as the shipped alert rules'
``runbook_url`` links, chooses the newest investigation of that alert."""

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

PAGE_PARAM = "page"
LINK_PARAMS = ("alertname", "namespace", "service", "pod")
"""Query parameters an investigation's labels are matched on (besides ``fingerprint``)."""


def linked(items: list[AlertInvestigation], params: dict[str, str]) -> AlertInvestigation | None:
    """The newest of ``items`` (newest first) that a link's query ``params`` name; None when
    the link names none or no investigation matches."""
    wanted = {name: params[name] for name in LINK_PARAMS if params.get(name)}
    fingerprint = params.get("fingerprint")
    if not wanted and not fingerprint:
        return None
    for item in items:
        labels = {**item.labels, "alertname": item.alertname}
        if fingerprint and fingerprint not in item.fingerprints:
            continue
        if all(labels.get(name) == value for name, value in wanted.items()):
            return item
    return None


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
    params = st.query_params.to_dict()
    target = linked(items, params)
    if target is None and any(params.get(name) for name in (*LINK_PARAMS, "fingerprint")):
        link = ", ".join(f"{k}={v}" for k, v in params.items() if k != PAGE_PARAM)
        st.info(escape_markdown(text("alerts.link_unmatched", language, link=link)))
    chosen = by_id[
        st.selectbox(
            text("alerts.choose", language),
            list(by_id),
            index=list(by_id).index(target.id) if target else 0,
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
