"""With the agent down (a loopback port nobody listens on), every page says so plainly."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

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


def test_asking_while_down_shows_a_message_not_a_traceback(down_ui: AppTest) -> None:
    turn = ask(down_ui, "order-service의 에러 로그와 관련된 트레이스를 찾아서 분석해줘")
    assert turn.response is None
    assert turn.error is not None and "not reachable" in turn.error
    assert any("not reachable" in error for error in shown(down_ui, "error"))
    assert not down_ui.exception


def test_filters_still_work_without_service_lists(down_ui: AppTest) -> None:
    assert any("unavailable while the agent is down" in text for text in texts(down_ui))
    down_ui.sidebar.selectbox(key="filter-level").set_value("error").run()
    assert not down_ui.exception


def test_the_reports_page_says_the_agent_is_down(down_ui: AppTest) -> None:
    down_ui.switch_page("pages/reports.py").run()
    assert not down_ui.exception
    assert any("Cannot list reports" in text and "not reachable" in text for text in texts(down_ui))
