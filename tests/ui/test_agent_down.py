"""With the agent down (a loopback port nobody listens on), every page says so plainly."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from opslens_ui.i18n import text
from opslens_ui.ui_language import CHOICE_KEY
from tests.ui.conftest import AppFactory
from tests.ui.helpers import ask, shown, texts


def test_the_ask_page_names_the_agent_and_the_reason(
    down_ui: AppTest, closed_agent_url: str
) -> None:
    assert not down_ui.exception
    page = "\n".join(texts(down_ui))
    assert "not reachable" in page
    assert closed_agent_url in page
    assert "make demo" in page, "the message says how to fix it"
    examples = [button for button in down_ui.button if (button.key or "").startswith("example-")]
    assert examples, "the example questions are listed"
    assert all(button.disabled for button in examples), "examples cannot be asked while down"


def test_asking_while_down_shows_a_message_not_a_traceback(
    down_ui: AppTest, closed_agent_url: str
) -> None:
    turn = ask(down_ui, "find and analyse the traces related to order-service's error logs")
    assert turn.response is None
    assert turn.error is not None and "not reachable" in turn.error
    assert any(closed_agent_url in error for error in shown(down_ui, "error"))
    assert not down_ui.exception


def test_filters_still_work_without_service_lists(down_ui: AppTest) -> None:
    assert any("unavailable while the agent is down" in text for text in texts(down_ui))
    down_ui.sidebar.selectbox(key="filter-level").set_value("error").run()
    assert not down_ui.exception


def test_the_reports_page_says_the_agent_is_down(down_ui: AppTest) -> None:
    down_ui.switch_page("pages/reports.py").run()
    assert not down_ui.exception
    assert any("Cannot list reports" in text and "not reachable" in text for text in texts(down_ui))


def test_a_korean_question_turns_the_page_korean_at_once(down_ui: AppTest) -> None:
    """The sidebar is drawn before the answer: it already speaks the question's language."""
    turn = ask(down_ui, "order-service의 에러 로그 보여줘")
    assert turn.error is not None and "에이전트에 연결할 수 없습니다" in turn.error
    assert turn.error.endswith(text("error.reason.refused", "ko")), "the reason too is Korean"
    sidebar = [element.label for element in down_ui.sidebar.selectbox]
    assert {text("filters.level", "ko"), text("filters.range", "ko")} <= set(sidebar)
    assert text("filters.title", "en") not in shown(down_ui.sidebar, "subheader")
    assert any(line.startswith("지금은 질문할 수 없습니다") for line in shown(down_ui, "error"))


def test_the_ui_language_setting_fixes_the_language(
    ui_against: AppFactory, closed_agent_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPSLENS_UI_LANGUAGE", "ko")
    app = ui_against(closed_agent_url, None)
    assert text("chat.examples", "ko") in shown(app, "caption"), "Korean before any question"
    turn = ask(app, "show the error logs from order-service")
    assert turn.error is not None and "에이전트에 연결할 수 없습니다" in turn.error
    assert text("filters.level", "ko") in [element.label for element in app.sidebar.selectbox]


def test_the_sidebar_choice_wins_over_the_setting(
    ui_against: AppFactory, closed_agent_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # One run only: AppTest keeps the entry script's sidebar widgets for the first run of a
    # multipage app, so the choice cannot be carried into a later question here (a browser
    # keeps it; the browser test covers the language of whole answers).
    monkeypatch.setenv("OPSLENS_UI_LANGUAGE", "ko")
    app = ui_against(closed_agent_url, None)
    app.sidebar.selectbox(key=CHOICE_KEY).set_value("en").run()
    assert not app.exception
    assert text("chat.examples", "en") in shown(app, "caption")
    assert text("filters.level", "en") in [element.label for element in app.sidebar.selectbox]
    assert any(line.startswith("Cannot ask anything right now") for line in texts(app))
