"""The UI in a real browser: the combined question answered on screen, and the agent-down page.

Screenshots go to ``test-artifacts/`` at the repository root for a person to look at.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from opslens.scenarios.truth import GroundTruth
from tests.ui.browser import (
    CHAT_BOX,
    assert_no_exception,
    chromium_page,
    running_ui,
    screenshot,
    wait_until_idle,
)

COMBINED_QUESTION = "order-service의 에러 로그와 관련된 트레이스를 찾아서 분석해줘"
PAGE_LOAD_MS = 60_000
ANSWER_MS = 240_000


def test_combined_question_in_a_browser(
    agent_url: str, seeded_demo: GroundTruth, tmp_path: Path
) -> None:
    origin = seeded_demo.fault("dependency_down").root_cause_service
    with running_ui(agent_url, tmp_path, seeded_demo.now) as url, chromium_page() as page:
        page.goto(url)
        page.wait_for_selector(CHAT_BOX, timeout=PAGE_LOAD_MS)
        page.fill(CHAT_BOX, COMBINED_QUESTION)
        page.keyboard.press("Enter")
        page.get_by_role("tab", name="연관 분석").wait_for(timeout=ANSWER_MS)
        wait_until_idle(page, PAGE_LOAD_MS)
        page.get_by_role("tab", name="트레이스").click()
        page.wait_for_selector('[data-testid="stVegaLiteChart"]', timeout=PAGE_LOAD_MS)
        page.wait_for_timeout(1500)  # let Vega draw
        screenshot(page, "ui-combined-question.png")
        assert_no_exception(page)
        body = page.inner_text("body")
        assert COMBINED_QUESTION in body, "the Korean question is shown as typed"
        assert origin in body, "the answer names where the errors start"
        assert "에러" in body, "the answer is in Korean"


@pytest.mark.parametrize(
    ("path", "message"), [("", "Cannot ask anything right now"), ("reports", "Cannot list reports")]
)
def test_pages_with_the_agent_down(
    closed_agent_url: str, tmp_path: Path, path: str, message: str
) -> None:
    with running_ui(closed_agent_url, tmp_path) as url, chromium_page() as page:
        page.goto(f"{url}/{path}")
        page.get_by_text(message).wait_for(timeout=PAGE_LOAD_MS)
        wait_until_idle(page, PAGE_LOAD_MS)
        screenshot(page, f"ui-agent-down{'-' + path if path else ''}.png")
        assert_no_exception(page)
        assert closed_agent_url in page.inner_text("body")
