"""Any string gives a valid plan; values are extracted verbatim and never turned into syntax."""

from __future__ import annotations

import json
from datetime import datetime
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from opslens.agent.plan import Plan
from opslens.agent.understanding import OfflinePlanner
from opslens.agent.understanding.normalize import MAX_QUESTION_CHARS, prepare

NOW = datetime(2026, 11, 25, 14, 30, tzinfo=ZoneInfo("Asia/Seoul"))
SERVICES = ["frontend", "order-service", "payment-service", "postgres"]
PLANNER = OfflinePlanner(SERVICES, ["shop"], "Asia/Seoul")

# Pieces of real questions, so random combinations reach deep into every extractor.
FRAGMENTS = [
    "order-service", "ordr-service", "payment servce", "에서", "의", "에러", "로그", "트레이스",
    "logs", "traces", "error rate", "p95", "CPU", "메모리", "restarts", "재시작", "파드", "why",
    "원인", "관련", "지난", "3시간", "last", "2 hours", "since", "10:00", "10시부터", "11시까지",
    "between", "and", "2026-11-25T10:00:00Z", "오늘", "yesterday", "어제", "ago", "40 minutes",
    "over 500ms", "1초 이상", "'connection refused'", "“x”", "containing", "포함된", "namespace",
    "shop", "trace", "4bf92f3577b34da6a3ce929d0e0e4736", "those", "그 서비스", "?", "~", "-",
    "오후", "3pm", "at", "around", "쯤", "전", "최근", "shipping-service", "pod",
    "x-1a2b3c4d5e-f6g7h",
]  # fmt: skip
QUESTIONS = st.one_of(
    st.text(max_size=300),
    st.lists(st.sampled_from(FRAGMENTS) | st.text(max_size=8), max_size=14).map(" ".join),
    st.lists(st.sampled_from(FRAGMENTS), max_size=14).map("".join),
)


def _check(question: str, plan: Plan, previous: Plan | None = None) -> None:
    assert plan.start <= plan.end
    assert set(plan.services) <= set(SERVICES)
    assert plan.language in ("en", "ko")
    assert 0 <= plan.confidence <= 1
    if plan.text is not None and not (previous and plan.text == previous.text):
        assert plan.text in prepare(question)[0], "search text must be the user's own characters"
    assert Plan.model_validate_json(plan.model_dump_json()) == plan


@settings(max_examples=300, deadline=None)
@given(QUESTIONS)
def test_any_text_gives_a_valid_plan(question: str) -> None:
    _check(question, PLANNER.plan(question, NOW))


@settings(max_examples=150, deadline=None)
@given(QUESTIONS, QUESTIONS)
def test_any_follow_up_gives_a_valid_plan(first: str, second: str) -> None:
    previous = PLANNER.plan(first, NOW)
    _check(second, PLANNER.plan(second, NOW, previous), previous)


def test_long_input_is_cut_with_a_note() -> None:
    question = "payment-service error logs " + "x" * 50_000
    plan = PLANNER.plan(question, NOW)
    assert plan.services == ["payment-service"]
    assert any(str(MAX_QUESTION_CHARS) in note for note in plan.notes)


def test_hostile_text_is_kept_verbatim_and_scoped_nowhere_else() -> None:
    hostile = 'level:error OR service:"*" AND {__name__=~".+"}'
    plan = PLANNER.plan(f"payment-service logs containing '{hostile}'", NOW)
    assert plan.text == hostile
    assert plan.services == ["payment-service"]
    injected = PLANNER.plan('payment-service"} or vector(1) error rate', NOW)
    assert injected.services == ["payment-service"]
    assert injected.text is None and injected.namespace is None


def test_korean_passes_through_unescaped() -> None:
    plan = PLANNER.plan("payment-service 로그에서 '결제 실패' 포함된 거", NOW)
    assert plan.text == "결제 실패"
    assert "결제 실패" in plan.model_dump_json()
    assert "결제 실패" in json.dumps(plan.model_dump(mode="json"), ensure_ascii=False)


def test_decomposed_hangul_is_normalized() -> None:
    import unicodedata

    question = unicodedata.normalize("NFD", "order-service 에러 로그 지난 3시간")
    plan = PLANNER.plan(question, NOW)
    assert (plan.intent, plan.services, plan.level, plan.language) == (
        "logs",
        ["order-service"],
        "error",
        "ko",
    )
