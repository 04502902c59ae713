"""The queries tab: how the question was understood, and every query run, ready to copy.

Each query is the exact text the backend received (OpenSearch request, PromQL, Kubernetes API
call), so a person can paste it into OpenSearch Dashboards, Prometheus or kubectl and check.
"""

from __future__ import annotations

import streamlit as st

from opslens_ui.contract import Plan, QueryRun
from opslens_ui.formatting import format_ms
from opslens_ui.i18n import Language, text

CODE_LANGUAGES = {"opensearch": "json", "prometheus": None, "kubernetes": "http"}
MAX_CODE_HEIGHT_PX = 320  # longer queries scroll inside their box (the copy button copies all)
LINES_BEFORE_SCROLL = 14


def query_heading(query: QueryRun, language: Language) -> str:
    """One line per query: outcome, backend, tool and time taken."""
    outcome = text("queries.ok" if query.ok else "queries.failed", language)
    return f"{outcome} · {query.backend} · {query.tool} · {format_ms(query.ms)}"


def plan_facts(plan: Plan) -> dict[str, object]:
    """The fields of the plan that were set (what the agent understood), in plan order."""
    return {
        name: value
        for name, value in plan.model_dump().items()
        if value not in (None, [], False, "")
    }


def render_queries(plan: Plan, queries: list[QueryRun], language: Language) -> None:
    """The plan as JSON, then each query's heading, its native text and its error if any."""
    st.caption(text("queries.plan", language))
    st.json(plan_facts(plan), expanded=False)
    if not queries:
        st.info(text("queries.none", language))
        return
    for query in queries:
        st.text(query_heading(query, language))
        st.code(
            query.native or text("queries.no_text", language),
            language=CODE_LANGUAGES.get(query.backend),
            wrap_lines=True,
            height=MAX_CODE_HEIGHT_PX
            if query.native.count("\n") > LINES_BEFORE_SCROLL
            else "content",
        )
        if query.error:
            st.text(text("queries.error", language, error=query.error))
