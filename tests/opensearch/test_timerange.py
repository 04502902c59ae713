"""Time ranges: ISO-8601, relative times against a pinned now, validation and bounds."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from opslens_mcp.core.errors import InvalidParams
from opslens_mcp.opensearch.timerange import parse_time, resolve_range

NOW = datetime(2026, 11, 26, 12, 34, 56, tzinfo=UTC)
HOUR = timedelta(hours=1)
MONTH = timedelta(days=31)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("now", NOW),
        ("now-3h", NOW - 3 * HOUR),
        ("now-1d-30m", NOW - timedelta(days=1, minutes=30)),
        ("now+5m", NOW + timedelta(minutes=5)),
        ("90m", NOW - timedelta(minutes=90)),
        ("-2h", NOW - 2 * HOUR),
        ("now/d", datetime(2026, 11, 26, tzinfo=UTC)),
        ("now-1d/d", datetime(2026, 11, 25, tzinfo=UTC)),
        ("now/h", datetime(2026, 11, 26, 12, tzinfo=UTC)),
        ("2026-11-26T01:02:03Z", datetime(2026, 11, 26, 1, 2, 3, tzinfo=UTC)),
        ("2026-11-26T10:02:03+09:00", datetime(2026, 11, 26, 1, 2, 3, tzinfo=UTC)),
        ("2026-11-26T01:02:03.123456789Z", datetime(2026, 11, 26, 1, 2, 3, 123456, tzinfo=UTC)),
        ("2026-11-26", datetime(2026, 11, 26, tzinfo=UTC)),
    ],
)
def test_parse_time(text: str, expected: datetime) -> None:
    assert parse_time(text, NOW, UTC) == expected


def test_today_starts_at_midnight_of_the_configured_zone() -> None:
    seoul = ZoneInfo("Asia/Seoul")
    assert parse_time("now/d", NOW, seoul) == datetime(2026, 11, 26, tzinfo=seoul)
    assert parse_time("2026-11-26T09:00:00", NOW, seoul) == datetime(2026, 11, 26, 0, tzinfo=UTC)


def test_defaults_are_the_last_window_before_now() -> None:
    window = resolve_range(None, None, now=NOW, default=HOUR, limit=MONTH, zone=UTC)
    assert (window.start, window.end) == (NOW - HOUR, NOW)
    window = resolve_range(None, "now-1h", now=NOW, default=HOUR, limit=MONTH, zone=UTC)
    assert (window.start, window.end) == (NOW - 2 * HOUR, NOW - HOUR)
    assert window.iso() == ("2026-11-26T10:34:56+00:00", "2026-11-26T11:34:56+00:00")


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [
        ("now", "now-1h", "is not after start"),
        ("now-40d", None, "more than"),
        ("yesterday", None, "cannot read time"),
        ("now-3x", None, "cannot read time"),
        ("} OR 1=1", None, "cannot read time"),
    ],
)
def test_bad_ranges_are_invalid_params(start: str, end: str | None, message: str) -> None:
    with pytest.raises(InvalidParams, match=message):
        resolve_range(start, end, now=NOW, default=HOUR, limit=MONTH, zone=UTC)
