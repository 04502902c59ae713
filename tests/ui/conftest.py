"""Fixtures of the UI tests: the app under Streamlit's AppTest, pointed at a real agent.

``demo_ui`` talks to the real agent service over the seeded demo scenario (the ``agent_url``
fixture), with "now" pinned to the scenario's now so windows match the ground truth;
``down_ui`` talks to a loopback port nobody listens on (a real connection failure).
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

import pytest
from streamlit.testing.v1 import AppTest

from opslens.devstack.process import free_port
from opslens.scenarios.truth import GroundTruth
from tests.ui.helpers import APP_PATH


class AppFactory(Protocol):
    def __call__(
        self, agent_url: str, now: datetime | None, query: dict[str, str] | None = None
    ) -> AppTest: ...


ANSWER_TIMEOUT_S = 240  # a cold agent plans, queries three backends and correlates


@pytest.fixture
def ui_against(monkeypatch: pytest.MonkeyPatch) -> AppFactory:
    """Build the app configured (through its environment) for one agent URL and first run it,
    as opened at a URL with ``query`` parameters."""

    def make(
        agent_url: str, now: datetime | None = None, query: dict[str, str] | None = None
    ) -> AppTest:
        monkeypatch.setenv("OPSLENS_UI_AGENT_URL", agent_url)
        if now is None:
            monkeypatch.delenv("OPSLENS_UI_NOW", raising=False)
        else:
            monkeypatch.setenv("OPSLENS_UI_NOW", now.isoformat())
        app = AppTest.from_file(str(APP_PATH), default_timeout=ANSWER_TIMEOUT_S)
        app.query_params.update(query or {})
        app.run()
        return app

    return make


@pytest.fixture
def demo_ui(ui_against: AppFactory, agent_url: str, seeded_demo: GroundTruth) -> AppTest:
    return ui_against(agent_url, seeded_demo.now)


@pytest.fixture
def closed_agent_url() -> str:
    """A loopback URL where nothing listens: connecting is refused at once."""
    return f"http://127.0.0.1:{free_port()}"


@pytest.fixture
def down_ui(ui_against: AppFactory, closed_agent_url: str) -> AppTest:
    return ui_against(closed_agent_url, None)
