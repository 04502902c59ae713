"""The opslens UI: ``streamlit run ui/opslens_ui/app.py`` (agent URL from OPSLENS_UI_AGENT_URL).

This entry only sets the page up and routes: the pages live in ``pages/``, their logic in the
``opslens_ui`` modules, and the agent is reached over HTTP only. ``?page=alerts`` opens the
Alerts page with the link's other parameters (the alert rules' runbook links).
"""

from __future__ import annotations

import streamlit as st

from opslens_ui.alerts_page import PAGE_PARAM
from opslens_ui.filters import SELECT_KEYS
from opslens_ui.i18n import text
from opslens_ui.runtime import shared_client
from opslens_ui.settings import UiSettings
from opslens_ui.status import render_status
from opslens_ui.ui_language import CHOICE_KEY, page_language, relabel, render_choice

st.set_page_config(page_title="opslens", page_icon=":material/troubleshoot:", layout="wide")
settings = UiSettings()
language = page_language(settings)
relabel(language, (CHOICE_KEY, *SELECT_KEYS))
alerts = st.Page(
    "pages/alerts.py",
    title=text("page.alerts", language),
    icon=":material/notifications_active:",
    url_path="alerts",
)
navigation = st.navigation(
    [
        st.Page(
            "pages/ask.py", title=text("page.ask", language), icon=":material/forum:", default=True
        ),
        st.Page(
            "pages/reports.py",
            title=text("page.reports", language),
            icon=":material/summarize:",
            url_path="reports",
        ),
        alerts,
    ]
)
# Links from outside (the alert rules' runbook_url) name the page: ?page=alerts&alertname=...
if st.query_params.get(PAGE_PARAM) == alerts.url_path != navigation.url_path:
    linked = {k: v for k, v in st.query_params.to_dict().items() if k != PAGE_PARAM}
    st.switch_page(alerts, query_params=linked)
render_choice(settings, language)
render_status(shared_client(settings), language)
navigation.run()
