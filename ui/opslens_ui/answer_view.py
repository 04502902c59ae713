"""One answer on screen: the text, what was understood, and the evidence in tabs.

Tabs appear only for what the answer has (incidents of an anomaly check first, then logs,
traces, metrics, Kubernetes), then the correlation and the queries, which every answer has.
Labels follow the answer's language.
"""

from __future__ import annotations

import streamlit as st

from opslens_ui.contract import AskResponse
from opslens_ui.conversation import Turn
from opslens_ui.correlation_view import render_correlation
from opslens_ui.formatting import escape_markdown, format_ms, format_time
from opslens_ui.i18n import Labels, pick
from opslens_ui.incidents_view import render_incidents
from opslens_ui.k8s_view import render_kubernetes
from opslens_ui.logs_view import render_logs
from opslens_ui.metrics_view import render_metrics
from opslens_ui.queries_view import render_queries
from opslens_ui.traces_view import render_traces

LABELS: Labels = {
    "incidents": {"en": "Incidents", "ko": "인시던트"},
    "logs": {"en": "Logs", "ko": "로그"},
    "traces": {"en": "Traces", "ko": "트레이스"},
    "metrics": {"en": "Metrics", "ko": "메트릭"},
    "k8s": {"en": "Kubernetes", "ko": "쿠버네티스"},
    "correlation": {"en": "Correlation", "ko": "연관 분석"},
    "queries": {"en": "Queries", "ko": "실행한 쿼리"},
    "missing": {"en": "Could not fetch", "ko": "가져오지 못한 항목"},
    "download": {"en": "Download answer (JSON)", "ko": "답변 다운로드 (JSON)"},
}


def label(name: str, language: str) -> str:
    return pick(LABELS, name, language)


def understood_as(response: AskResponse) -> str:
    """The plan in one line: intent, services, level, window and the time taken."""
    plan = response.plan
    parts = [plan.intent or "?"]
    if plan.services:
        parts.append(", ".join(plan.services))
    if plan.level:
        parts.append(f"level {plan.level}")
    if plan.namespace:
        parts.append(f"namespace {plan.namespace}")
    if plan.start and plan.end:
        window = f"{format_time(plan.start)} – {format_time(plan.end)}"
        parts.append(window + (" (default window)" if plan.window_defaulted else ""))
    if plan.min_duration_ms:
        parts.append(f"slower than {format_ms(plan.min_duration_ms)}")
    total = response.timings.get("total_ms")
    if total is not None:
        parts.append(f"answered in {format_ms(total)}")
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


def render_answer(turn: Turn, response: AskResponse) -> None:
    """The answer text and its evidence; widget keys are scoped to ``turn``."""
    language = response.language
    st.text(response.answer or "(no answer text)")
    st.caption(escape_markdown(understood_as(response)))
    for note in response.plan.notes:
        st.caption(escape_markdown(note))
    if response.missing:
        st.warning(escape_markdown(f"{label('missing', language)}: " + "; ".join(response.missing)))
    names = evidence_tabs(response)
    tabs = st.tabs([label(name, language) for name in names])
    evidence = response.evidence
    for name, tab in zip(names, tabs, strict=True):
        with tab:
            key = f"{turn.key}-{name}"
            if name == "incidents":
                render_incidents(response.incidents, key, language)
            elif name == "logs" and evidence.logs is not None:
                render_logs(evidence.logs, key)
            elif name == "traces" and evidence.traces is not None:
                render_traces(evidence.traces, key, response.correlation.root_cause)
            elif name == "metrics" and evidence.metrics is not None:
                render_metrics(evidence.metrics, key)
            elif name == "k8s" and evidence.k8s is not None:
                render_kubernetes(evidence.k8s, key)
            elif name == "correlation":
                render_correlation(response.correlation, key, language)
            elif name == "queries":
                render_queries(response.plan, response.queries)
    st.download_button(
        label("download", language),
        response.model_dump_json(indent=2).encode(),
        file_name=f"opslens-answer-{turn.number}.json",
        mime="application/json",
        key=f"{turn.key}-json",
    )
