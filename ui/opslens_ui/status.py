"""Connection status in the sidebar: the agent, and each backend behind it.

A backend that is down is named with the reason the agent gives, and what it means for
answers (e.g. no logs and traces while OpenSearch is down), never as a traceback.
"""

from __future__ import annotations

import streamlit as st

from opslens_ui.client import AgentClient, AgentError, AgentUnavailable
from opslens_ui.contract import AgentStatus, ServiceCatalog
from opslens_ui.formatting import escape_markdown
from opslens_ui.i18n import Language, text, text_or

STATUS_TTL_S = 10  # short: a backend coming back shows up within seconds, without a reload
CATALOG_TTL_S = 60  # services change with deployments, not between two questions
READY = {"ok", "ready"}
BACKENDS_EXPLAINED = ("opensearch", "prometheus", "kubernetes", "reports")  # status.missing.*


@st.cache_data(ttl=STATUS_TTL_S, show_spinner=False)
def fetch_status(agent_url: str, _client: AgentClient) -> AgentStatus:
    """The agent's status, cached per agent URL (failures are not cached)."""
    return _client.status()


@st.cache_data(ttl=CATALOG_TTL_S, show_spinner=False)
def fetch_catalog(agent_url: str, _client: AgentClient) -> ServiceCatalog:
    """The services and namespaces for the filters, cached per agent URL."""
    return _client.services()


def state_word(state: str, language: Language) -> str:
    """A state the agent reports (``ok``, ``ready``, ``unavailable``) in ``language``."""
    return text_or(f"state.{state}", language, state)


def error_text(error: AgentUnavailable | AgentError, language: Language) -> str:
    """What went wrong talking to the agent, in ``language`` (the agent's own words inside)."""
    if isinstance(error, AgentUnavailable):
        reason = unavailable_reason(error, language)
        return text("error.unreachable", language, url=error.url, reason=reason)
    return error.message


def unavailable_reason(error: AgentUnavailable, language: Language) -> str:
    """Why the agent cannot be reached, in ``language`` (an HTTP status or a transport error's
    own words stay as they are)."""
    return text_or(f"error.reason.{error.kind}", language, error.reason)


def render_status(client: AgentClient, language: Language) -> None:
    """The sidebar block: agent state, each backend's state, and a refresh button."""
    sidebar = st.sidebar
    sidebar.subheader(text("status.title", language), divider="gray")
    try:
        status = fetch_status(client.base_url, client)
    except AgentUnavailable as exc:
        reason = unavailable_reason(exc, language)
        sidebar.error(escape_markdown(text("status.unreachable", language, reason=reason)))
        sidebar.caption(escape_markdown(exc.url))
    except AgentError as exc:
        sidebar.error(escape_markdown(text("status.agent_error", language, message=exc.message)))
    else:
        sidebar.success(
            escape_markdown(
                text("status.agent", language, status=state_word(status.agent, language))
            )
        )
        for name, backend in sorted(status.backends.items()):
            line = f"{name}: {state_word(backend.status, language)}"
            if backend.status in READY:
                sidebar.text(f"● {line}")
            else:
                reason = f" ({backend.detail})" if backend.detail else ""
                sidebar.warning(escape_markdown(f"{line}{reason}"))
    if sidebar.button(text("status.refresh", language), key="refresh-status"):
        fetch_status.clear()
        fetch_catalog.clear()
        st.rerun()


def render_outages(client: AgentClient, language: Language) -> bool:
    """Clear messages in the main area for what is down; False when the agent itself is down."""
    try:
        status = fetch_status(client.base_url, client)
    except (AgentUnavailable, AgentError) as exc:
        error = text("status.cannot_ask", language, error=error_text(exc, language))
        st.error(escape_markdown(error) + "  \n" + text("status.how_to_start", language))
        return False
    for name, backend in sorted(status.backends.items()):
        if backend.status not in READY:
            explained = name if name in BACKENDS_EXPLAINED else "other"
            consequence = text(f"status.missing.{explained}", language)
            st.warning(
                escape_markdown(
                    text(
                        "status.backend_down",
                        language,
                        name=name,
                        status=state_word(backend.status, language),
                        consequence=consequence,
                    )
                )
            )
    return True
