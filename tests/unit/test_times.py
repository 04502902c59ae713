"""The one time grammar of every server: durations, instants and times relative to now."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from opslens_mcp.core.times import (
    format_duration,
    is_relative,
    parse_duration,
    parse_instant,
    parse_time,
)

NOW = datetime(2026, 11, 26, 12, 34, 56, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("now", NOW),
        ("NOW-3H", NOW - timedelta(hours=3)),
        ("now-1h30m", NOW - timedelta(minutes=90)),
        ("now - 1d + 2h", NOW - timedelta(hours=22)),
        ("now-500ms", NOW - timedelta(milliseconds=500)),
        ("90m", NOW - timedelta(minutes=90)),
        ("-2h", NOW - timedelta(hours=2)),
        ("now-1d/d", datetime(2026, 11, 25, tzinfo=UTC)),
        ("now/w", datetime(2026, 11, 23, tzinfo=UTC)),
        ("1795696496", NOW),
        ("2026-11-26T10:02:03+09:00", datetime(2026, 11, 26, 1, 2, 3, tzinfo=UTC)),
        ("2026-11-26T01:02:03.123456789Z", datetime(2026, 11, 26, 1, 2, 3, 123456, tzinfo=UTC)),
    ],
)
def test_every_form_resolves(text: str, expected: datetime) -> None:
    assert parse_time(text, NOW) == expected


def test_naive_times_and_day_rounding_use_the_zone() -> None:
    seoul = ZoneInfo("Asia/Seoul")
    assert parse_time("now/d", NOW, seoul) == datetime(2026, 11, 26, tzinfo=seoul)
    assert parse_instant("2026-11-26T09:00:00", seoul) == datetime(2026, 11, 26, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    "text", ["yesterday", "now-3x", "} OR 1=1", "now-99999999999999d", "", "now-", "1h-"]
)
def test_what_is_not_a_time_says_which_forms_are(text: str) -> None:
    with pytest.raises(ValueError, match=r"ISO-8601|duration|calendar"):
        parse_time(text, NOW)


def test_relative_and_absolute_are_told_apart() -> None:
    assert is_relative("now-3h") and is_relative("3h") and is_relative(" now ")
    assert not is_relative("2026-11-26T01:00:00Z") and not is_relative("1795696496")


@given(st.integers(min_value=1, max_value=10**8))
def test_durations_round_trip(millis: int) -> None:
    assert parse_duration(format_duration(millis / 1000)) == pytest.approx(millis / 1000)


@given(st.text(max_size=30))
def test_any_text_is_a_time_or_a_value_error(text: str) -> None:
    try:
        moment = parse_time(text, NOW)
    except ValueError:
        return
    assert moment.tzinfo is not None
