"""Time zone: configurable, the system's by default; windows are right across DST changes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from opslens.agent.understanding import OfflinePlanner

SEOUL = ZoneInfo("Asia/Seoul")
NOW = datetime(2026, 11, 25, 1, 0, tzinfo=UTC)  # 10:00 in Seoul


def test_today_starts_at_local_midnight_of_the_configured_zone() -> None:
    in_utc = OfflinePlanner(["web"], [], "UTC").plan("web errors today", NOW)
    in_seoul = OfflinePlanner(["web"], [], "Asia/Seoul").plan("web errors today", NOW)
    assert in_utc.start == datetime(2026, 11, 25, 0, 0, tzinfo=UTC)
    assert in_seoul.start == datetime(2026, 11, 25, 0, 0, tzinfo=SEOUL)
    assert in_seoul.model_dump(mode="json")["start"] == "2026-11-25T00:00:00+09:00"
    assert in_seoul.model_dump(mode="json")["end"] == "2026-11-25T10:00:00+09:00"


def test_default_zone_is_the_systems() -> None:
    plan = OfflinePlanner(["web"], []).plan("web errors in the last hour", NOW)
    assert plan.end.utcoffset() == NOW.astimezone().utcoffset()


def test_naive_now_is_read_in_the_configured_zone() -> None:
    plan = OfflinePlanner(["web"], [], "Asia/Seoul").plan("web logs", datetime(2026, 11, 25, 10))
    assert plan.end == datetime(2026, 11, 25, 10, 0, tzinfo=SEOUL)


def test_clock_time_in_the_future_means_yesterday() -> None:
    plan = OfflinePlanner(["web"], [], "Asia/Seoul").plan("web logs since 11:00", NOW)
    assert plan.start == datetime(2026, 11, 24, 11, 0, tzinfo=SEOUL)


def test_explicit_offsets_and_zone_names_win_over_the_configured_zone() -> None:
    planner = OfflinePlanner(["web"], [], "Asia/Seoul")
    iso = planner.plan("web logs since 2026-11-24T20:00:00Z", NOW)
    assert iso.start == datetime(2026, 11, 24, 20, 0, tzinfo=UTC)
    named = planner.plan("web logs since 20:00 UTC", NOW)
    assert named.start == datetime(2026, 11, 24, 20, 0, tzinfo=UTC)


def test_windows_across_a_daylight_saving_change() -> None:
    new_york = ZoneInfo("America/New_York")
    planner = OfflinePlanner(["web"], [], "America/New_York")
    now = datetime(2026, 11, 2, 12, 0, tzinfo=new_york)  # clocks went back on 1 November
    yesterday = planner.plan("web errors yesterday", now)
    assert yesterday.window == timedelta(hours=25)
    just_after = datetime(2026, 11, 1, 2, 30, tzinfo=new_york)
    assert planner.plan("web errors in the last 3 hours", just_after).window == timedelta(hours=3)


def test_forty_minutes_ago_is_a_window_around_that_moment() -> None:
    plan = OfflinePlanner(["web"], [], "UTC").plan("what happened to web 40 minutes ago?", NOW)
    assert (plan.start, plan.end) == (NOW - timedelta(minutes=50), NOW - timedelta(minutes=30))
    assert not plan.window_defaulted
