"""The UI in a real browser: the combined question answered on screen, every label in the
answer's language, and the agent-down page.

Screenshots go to ``test-artifacts/`` at the repository root for a person to look at.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from opslens.scenarios.truth import GroundTruth
from opslens_ui.i18n import Language, catalog, text
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
LOGS_QUESTIONS: dict[Language, str] = {
    "ko": "지난 3시간 동안 order-service에서 발생한 에러 로그 보여줘",
    "en": "show the error logs from order-service in the last 3 hours",
}
LOGS_CAPTIONS: dict[Language, re.Pattern[str]] = {
    "ko": re.compile(r"일치하는 줄 [\d,]+개"),
    "en": re.compile(r"[\d,]+ matching lines?"),
}
SIDEBAR_SELECTS = '[data-testid="stSidebar"] [data-testid="stSelectbox"] input'
PLACEHOLDER = re.compile(r"\{[^}]*\}")


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


@pytest.mark.parametrize("language", ["ko", "en"])
def test_every_label_speaks_the_answer_s_language(
    agent_url: str, seeded_demo: GroundTruth, tmp_path: Path, language: Language
) -> None:
    other: Language = "en" if language == "ko" else "ko"
    with running_ui(agent_url, tmp_path, seeded_demo.now) as url, chromium_page() as page:
        page.goto(url)
        page.wait_for_selector(CHAT_BOX, timeout=PAGE_LOAD_MS)
        page.fill(CHAT_BOX, LOGS_QUESTIONS[language])
        page.keyboard.press("Enter")
        page.get_by_role("tab", name=text("answer.tab.queries", language)).wait_for(
            timeout=ANSWER_MS
        )
        wait_until_idle(page, PAGE_LOAD_MS)
        page.get_by_role("tab", name=text("answer.tab.logs", language)).click()
        download = page.get_by_role("button", name=text("answer.download", language))
        download.wait_for(timeout=PAGE_LOAD_MS)  # the last element of the answer is drawn
        screenshot(page, f"ui-labels-{language}.png")
        assert_no_exception(page)
        body = page.inner_text("body")
        assert LOGS_CAPTIONS[language].search(body), "the table caption counts the lines"
        labels = [
            "logs.download",
            "answer.download",
            "logs.select",
            "filters.title",
            "filters.services",
            "filters.level",
            "filters.range",
            "status.title",
            "steps.title",
            "step_short.understand",
            "step_short.execute",
            "step_short.answer",
            "page.ask",
        ]
        for key in labels:
            assert text(key, language) in body, f"{key} is not shown in {language}"
        tabs = set(page.get_by_role("tab").all_inner_texts())
        names = ("logs", "correlation", "queries")
        assert {text(f"answer.tab.{name}", language) for name in names} <= tabs, tabs
        chosen = [field.input_value() for field in page.locator(SIDEBAR_SELECTS).all()]
        assert chosen == [text("language.auto", language), *[text("filters.any", language)] * 3]
        shown_in_other = [phrase for phrase in ui_phrases(other) if phrase in body]
        assert not shown_in_other, f"{other} UI text on a {language} page: {shown_in_other}"


def ui_phrases(language: Language) -> list[str]:
    """The fixed phrases of the catalog in ``language`` that the other language does not share:
    whole messages and the text between placeholders, two words or more (Korean: a Hangul word
    of two syllables or more), so a phrase cannot occur by chance in the data shown."""
    phrases = set()
    for key, message in catalog().items():
        if key.startswith("chat.example."):
            continue  # questions, shown in both languages before the first
        own, theirs = getattr(message, language), message.ko if language == "en" else message.en
        if own == theirs:
            continue
        for fragment in PLACEHOLDER.split(own):
            phrase = fragment.strip(" ,.;:()·—")
            words = phrase.split()
            if (language == "en" and len(words) >= 2) or re.search(r"[가-힣]{2,}", phrase):
                phrases.add(phrase)
    return sorted(phrases)
