"""What every page shares within one UI process: the settings and one agent client."""

from __future__ import annotations

import hashlib

import streamlit as st

from opslens_ui.client import AgentClient
from opslens_ui.settings import UiSettings


def shared_client(settings: UiSettings) -> AgentClient:
    """The agent client for ``settings``, created once and reused by every session."""
    token = settings.agent_token.get_secret_value() if settings.agent_token else ""
    fingerprint = hashlib.sha256(
        f"{settings.agent_url}|{token}|{settings.request_timeout_s}|{settings.status_timeout_s}".encode()
    ).hexdigest()
    return _client(fingerprint, settings)


@st.cache_resource(show_spinner=False, max_entries=8)
def _client(fingerprint: str, _settings: UiSettings) -> AgentClient:
    """One pooled client per distinct configuration (the fingerprint never shows the token)."""
    return AgentClient(_settings)
