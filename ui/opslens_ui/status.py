"""Connection status in the sidebar: the agent, and each backend behind it.

A backend that is down is named with the reason the agent gives, and what it means for
answers (e.g. no logs and traces while OpenSearch is down), never as a traceback.
"""

from __future__ import annotations

import streamlit as st

from opslens_ui.client import AgentClient, AgentError, AgentUnavailable
from opslens_ui.contract import AgentStatus, ServiceCatalog
from opslens_ui.formatting import escape_markdown

STATUS_TTL_S = 10  # short: a backend coming back shows up within seconds, without a reload
CATALOG_TTL_S = 60  # services change with deployments, not between two questions
READY = {"ok", "ready"}
WHAT_IS_MISSING = {
    "opensearch": "answers will have no logs and no traces",
    "prometheus": "answers will have no metrics",
    "kubernetes": "answers will have no pods and no events",
    "reports": "the reports page is empty",
}


@st.cache_data(ttl=STATUS_TTL_S, show_spinner=False)
def fetch_status(agent_url: str, _client: AgentClient) -> AgentStatus:
    """The agent's status, cached per agent URL (failures are not cached)."""
    return _client.status()


@st.cache_data(ttl=CATALOG_TTL_S, show_spinner=False)
def fetch_catalog(agent_url: str, _client: AgentClient) -> ServiceCatalog:
    """The services and namespaces for the filters, cached per agent URL."""
    return _client.services()


def render_status(client: AgentClient) -> None:
    """The sidebar block: agent state, each backend's state, and a refresh button."""
    sidebar = st.sidebar
    sidebar.subheader("Connections", divider="gray")
    try:
        status = fetch_status(client.base_url, client)
    except AgentUnavailable as exc:
        sidebar.error(escape_markdown(f"Agent: not reachable ({exc.reason})"))
        sidebar.caption(escape_markdown(exc.url))
    except AgentError as exc:
        sidebar.error(escape_markdown(f"Agent: answered with an error: {exc.message}"))
    else:
        sidebar.success(escape_markdown(f"Agent: {status.agent}"))
        for name, backend in sorted(status.backends.items()):
            line = f"{name}: {backend.status}"
            if backend.status in READY:
                sidebar.text(f"● {line}")
            else:
                reason = f" ({backend.detail})" if backend.detail else ""
                sidebar.warning(escape_markdown(f"{line}{reason}"))
    if sidebar.button("Refresh status", key="refresh-status"):
        fetch_status.clear()
        fetch_catalog.clear()
        st.rerun()


def render_outages(client: AgentClient) -> bool:
    """Clear messages in the main area for what is down; False when the agent itself is down."""
    try:
        status = fetch_status(client.base_url, client)
    except (AgentUnavailable, AgentError) as exc:
        st.error(
            escape_markdown(f"Cannot ask anything right now: {exc}")
            + "  \nStart the agent service (`make demo` starts everything), then press "
            "*Refresh status* in the sidebar."
        )
        return False
    for name, backend in sorted(status.backends.items()):
        if backend.status not in READY:
            consequence = WHAT_IS_MISSING.get(name, "answers may be incomplete")
            st.warning(escape_markdown(f"{name} is {backend.status}: {consequence}."))
    return True
