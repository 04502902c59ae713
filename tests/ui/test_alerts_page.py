"""The Alerts page against a real agent and a real reports server whose receiver took two
alert groups (one resolved since): the table, the counts and the chosen report, in English
and Korean. The MCP backends are down, so the reports find nothing: what is checked is what
the page shows of the investigations as stored."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from opslens.agent.service import create_agent_app
from opslens.agent.settings import AgentSettings
from opslens.devstack.asgi import serve
from opslens.devstack.process import free_port
from opslens_eval.alerts.receiver import (
    TOKEN,
    Receiver,
    group_alerts,
    running_receiver,
    settings_towards,
)
from opslens_ui.i18n import text
from tests.ui.conftest import AppFactory
from tests.ui.helpers import shown, tables_with, texts

STARTED = datetime.now(UTC) - timedelta(minutes=20)


@pytest.fixture(scope="module")
def investigated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Receiver]]:
    """An agent over a reports server holding two investigations; its URL and the receiver."""
    dead = f"http://127.0.0.1:{free_port()}"
    store = tmp_path_factory.mktemp("alerts-ui") / "reports.sqlite"
    with running_receiver(settings_towards(store, dead)) as receiver:
        for service in ("checkout", "cart"):
            answer = receiver.post(group_alerts("OpslensErrorBudgetBurn", service, 2, STARTED))
            receiver.wait(answer.json()["investigation_id"], ("done", "failed"))
        ended = STARTED + timedelta(minutes=12)
        receiver.post(group_alerts("OpslensErrorBudgetBurn", "cart", 2, STARTED, ended))
        settings = AgentSettings(
            opensearch_url=dead,
            prometheus_url=dead,
            kubernetes_url=dead,
            reports_url=receiver.url,
            servers_token=TOKEN,
        )
        with serve(create_agent_app(settings)) as agent_url:
            yield agent_url, receiver


def test_the_alerts_page_lists_investigations_and_shows_a_report(
    ui_against: AppFactory, investigated: tuple[str, Receiver]
) -> None:
    agent_url, receiver = investigated
    app = ui_against(agent_url, None)
    app.switch_page("pages/alerts.py").run()

    assert not app.exception, [e.value for e in app.exception]
    [table] = tables_with(app, "alert", "scope", "state", "resolved", "lasted_s", "id")
    stored = receiver.get()["investigations"]
    assert list(table["id"]) == [item["id"] for item in stored]
    rows = {row["scope"]: row for row in table.to_dict("records")}
    assert set(rows) == {"shop/checkout", "shop/cart"}
    assert rows["shop/cart"]["lasted_s"] == 720.0 and rows["shop/cart"]["resolved"]
    assert rows["shop/checkout"]["resolved"] == ""
    assert "2 investigations, 1 still firing" in texts(app)
    chosen = app.selectbox(key="alert-chosen")
    assert chosen.value == stored[0]["id"]
    markdown = "\n".join(shown(app, "markdown"))
    assert "opslens anomaly report" in markdown, "the chosen investigation's report is shown"
    chosen.set_value(stored[1]["id"]).run()
    assert not app.exception


def test_the_alerts_page_speaks_korean(
    ui_against: AppFactory, investigated: tuple[str, Receiver], monkeypatch: pytest.MonkeyPatch
) -> None:
    agent_url, _ = investigated
    monkeypatch.setenv("OPSLENS_UI_LANGUAGE", "ko")
    app = ui_against(agent_url, None)
    app.switch_page("pages/alerts.py").run()

    assert not app.exception
    assert text("alerts.title", "ko") in shown(app, "title")
    assert "조사 2건, 그중 1건은 아직 발생 중" in texts(app)
    labels = app.selectbox(key="alert-chosen").options
    assert any("해소" in label for label in labels) and any("발생 중" in label for label in labels)
