"""Thresholds and windows that make no sense get a note and a plan that still runs."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from opslens.agent.understanding import OfflinePlanner
from opslens.agent.understanding.windows import MAX_LOOKBACK

NOW = datetime.fromisoformat("2026-11-25T14:30:00+09:00")
SERVICES = ["order-service", "payment-service"]


def plan(question: str):  # type: ignore[no-untyped-def]
    return OfflinePlanner(SERVICES, [], "Asia/Seoul").plan(question, NOW)


@pytest.mark.parametrize(
    "question", ["services with error ratio above 250%", "에러율 300% 넘는 서비스"]
)
def test_a_share_above_100_percent_is_dropped_with_a_note(question: str) -> None:
    understood = plan(question)
    assert understood.threshold is None
    assert understood.group_by == "service"
    assert any("100%" in note for note in understood.notes)


@pytest.mark.parametrize(
    "question",
    [
        "payment-service logs between 1 and 3 hours ago",
        "payment-service 로그 1시간 전부터 3시간 전까지",
    ],
)
def test_a_reversed_range_is_swapped_with_a_note(question: str) -> None:
    understood = plan(question)
    assert (understood.start, understood.end) == (
        NOW - timedelta(hours=3),
        NOW - timedelta(hours=1),
    )
    assert len(understood.notes) == 1


@pytest.mark.parametrize(
    "question", ["order-service errors over the past 20 years", "지난 50년 에러"]
)
def test_a_window_longer_than_any_data_is_capped_with_a_note(question: str) -> None:
    understood = plan(question)
    assert understood.window == MAX_LOOKBACK
    assert any(str(MAX_LOOKBACK.days) in note for note in understood.notes)
