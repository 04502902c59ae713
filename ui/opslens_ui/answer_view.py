"""One answer on screen: the text, what was understood, and the evidence in tabs.

Tabs appear only for what the answer has (incidents of an anomaly check first, then logs,
traces, metrics, Kubernetes), then the correlation and the queries, which every answer has.
Labels are in the language the page passes (the answer's, unless the UI fixes one).
"""

from __future__ import annotations

import streamlit as st

from opslens_ui.contract import AskResponse
from opslens_ui.conversation import Turn
from opslens_ui.correlation_view import render_correlation
from opslens_ui.formatting import escape_markdown, format_ms, format_time
from opslens_ui.i18n import Language, text, text_or
from opslens_ui.incidents_view import render_incidents
from opslens_ui.k8s_view import render_kubernetes
from opslens_ui.logs_view import render_logs
from opslens_ui.metrics_view import render_metrics
from opslens_ui.queries_view import render_queries
from opslens_ui.traces_view import render_traces


def label(name: str, language: str) -> str:
    """The name of the evidence tab ``name`` (see :func:`evidence_tabs`)."""
    return text(f"answer.tab.{name}", language)


def understood_as(response: AskResponse, language: Language) -> str:
    """The plan in one line: intent, services, level, window and the time taken."""
    plan = response.plan
    intent = plan.intent or "unknown"
    parts = [text_or(f"intent.{intent}", language, intent)]
    if plan.services:
        parts.append(", ".join(plan.services))
    if plan.level:
        level = text_or(f"filters.level.{plan.level}", language, plan.level)
        parts.append(text("answer.level", language, level=level))
    if plan.namespace:
        parts.append(text("answer.namespace", language, namespace=plan.namespace))
    if plan.start and plan.end:
        window = f"{format_time(plan.start)} – {format_time(plan.end)}"
        defaulted = text("answer.default_window", language) if plan.window_defaulted else ""
        parts.append(window + defaulted)
    if plan.min_duration_ms:
        duration = format_ms(plan.min_duration_ms)
        parts.append(text("answer.slower_than", language, duration=duration))
    total = response.timings.get("total_ms")
    if total is not None:
        parts.append(text("answer.answered_in", language, duration=format_ms(total)))
    return " · ".join(parts)


def evidence_tabs(response: AskResponse) -> list[str]:
    """The tab names for this answer, in display order."""
    evidence = response.evidence
    present = [
        name
        for name, section in (
            ("logs", evidence.logs),
            ("traces", evidence.traces),
            ("metrics", evidence.metrics),
            ("k8s", evidence.k8s),
        )
        if section is not None
    ]
    incidents = ["incidents"] if response.incidents else []
    return [*incidents, *present, "correlation", "queries"]


def render_answer(turn: Turn, response: AskResponse, language: Language) -> None:
    """The answer text and its evidence, labelled in ``language``; widget keys are scoped to
    ``turn``."""
    st.text(response.answer or text("chat.no_answer", language))
    st.caption(escape_markdown(understood_as(response, language)))
    for note in response.plan.notes:
        st.caption(escape_markdown(note))
    if response.missing:
        missing = "; ".join(response.missing)
        st.warning(escape_markdown(text("answer.missing", language, what=missing)))
    names = evidence_tabs(response)
    tabs = st.tabs([label(name, language) for name in names])
    evidence = response.evidence
    for name, tab in zip(names, tabs, strict=True):
        with tab:
            key = f"{turn.key}-{name}"
            if name == "incidents":
                render_incidents(response.incidents, key, language)
            elif name == "logs" and evidence.logs is not None:
                render_logs(evidence.logs, key, language)
            elif name == "traces" and evidence.traces is not None:
                render_traces(evidence.traces, key, language, response.correlation.root_cause)
            elif name == "metrics" and evidence.metrics is not None:
                render_metrics(evidence.metrics, key, language)
            elif name == "k8s" and evidence.k8s is not None:
                render_kubernetes(evidence.k8s, key, language)
            elif name == "correlation":
                render_correlation(response.correlation, key, language)
            elif name == "queries":
                render_queries(response.plan, response.queries, language)
    st.download_button(
        text("answer.download", language),
        response.model_dump_json(indent=2).encode(),
        file_name=f"opslens-answer-{turn.number}.json",
        mime="application/json",
        key=f"{turn.key}-json",
    )
