"""Time windows computed from what a time expression matched, one reader per kind of form.

Each reader gets the regex match (named groups ``a``/``b`` for points, ``num``/``unit``/``word``
for amounts), ``now`` in the configured zone and the day named elsewhere in the question (if
any), and returns the window or ``None`` when the text names no real time. Instants are compared
and shifted in UTC; days and clock times are built in the local zone.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from opslens.agent.understanding.clock import DAY_OFFSETS, PointSpec, read_point
from opslens.agent.understanding.quantities import duration_seconds

AROUND_POINT = timedelta(minutes=15)
MAX_LOOKBACK = timedelta(days=400)
AGO_MIN_HALF_WIDTH = timedelta(minutes=5)
AGO_MAX_HALF_WIDTH = timedelta(hours=1)


@dataclass(frozen=True)
class TimeWindow:
    """A window read from the question; ``start`` is ``None`` for "until X" with no start."""

    start: datetime | None
    end: datetime
    swapped: bool = False
    """The question gave the range the wrong way round ("between 1 and 2 hours ago")."""
    capped: bool = False
    """The question asked further back than ``MAX_LOOKBACK``; the window starts there."""


Reader = Callable[[re.Match[str], datetime, date | None], TimeWindow | None]


def _utc(moment: datetime) -> datetime:
    """Instants are compared and shifted in UTC: local wall-clock arithmetic is wrong across
    daylight-saving changes."""
    return moment.astimezone(UTC)


def _capped(start: datetime, end: datetime, now: datetime) -> TimeWindow:
    start, end, now = _utc(start), _utc(end), _utc(now)
    end = min(end, now) if start <= now else end
    return TimeWindow(start, max(end, start))


def _point(match: re.Match[str], group: str, now: datetime) -> PointSpec | None:
    return read_point(match.group(group), now)


def _day_start(day: date, now: datetime) -> datetime:
    return datetime.combine(day, time(0, 0), tzinfo=now.tzinfo)


def _duration(match: re.Match[str]) -> timedelta:
    groups = match.groupdict()
    seconds = duration_seconds(
        groups.get("num"), groups.get("unit"), groups.get("word"), groups.get("more")
    )
    return min(timedelta(seconds=min(seconds, MAX_LOOKBACK.total_seconds())), MAX_LOOKBACK)


def _back(number: str | None, unit: str | None, word: str | None = None) -> timedelta:
    seconds = duration_seconds(number, unit, word)
    return timedelta(seconds=min(seconds, MAX_LOOKBACK.total_seconds()))


def ago_range(match: re.Match[str], now: datetime, anchor: date | None) -> TimeWindow | None:
    """From N units ago to M units ago ("between 3 and 2 hours ago": the first unit defaults to
    the second); swapped, and marked so, when given the wrong way round."""
    groups = match.groupdict()
    first_unit = groups.get("u1") or groups.get("u2") or "일"
    first = _back(groups.get("n1"), first_unit, groups.get("w1"))
    second = _back(groups.get("n2"), groups.get("u2"), groups.get("w2"))
    if first == second:
        return None
    earlier, later = max(first, second), min(first, second)
    return TimeWindow(_utc(now) - earlier, _utc(now) - later, swapped=first < second)


def relative(match: re.Match[str], now: datetime, anchor: date | None) -> TimeWindow:
    """The last N units up to now (at most ``MAX_LOOKBACK``, and marked when cut)."""
    span = _duration(match)
    return TimeWindow(_utc(now) - span, _utc(now), capped=span >= MAX_LOOKBACK)


def ago(match: re.Match[str], now: datetime, anchor: date | None) -> TimeWindow:
    """Around N units ago (half-width N/4 within [5 min, 1 h]); N whole days: that day."""
    span = _duration(match)
    moment = _utc(now) - span
    if span >= timedelta(days=1) and span % timedelta(days=1) == timedelta(0):
        day = moment.astimezone(now.tzinfo).date()
        return _capped(_day_start(day, now), _day_start(day + timedelta(days=1), now), now)
    half = min(max(span / 4, AGO_MIN_HALF_WIDTH), AGO_MAX_HALF_WIDTH)
    return _capped(moment - half, moment + half, now)


def between(match: re.Match[str], now: datetime, anchor: date | None) -> TimeWindow | None:
    """From point ``a`` to point ``b``; ``b`` without a date is on ``a``'s day."""
    first, second = _point(match, "a", now), _point(match, "b", now)
    if first is None or second is None:
        return None
    start = first.resolve(now, anchor or second.day_in(now))
    zone = first.zone or now.tzinfo
    end = second.resolve(now, start.astimezone(zone).date(), zone)
    if _utc(end) <= _utc(start) and not second.has_day:
        # "오후 3시부터 4시까지": the end keeps the afternoon; "23:00 to 01:00" ends next day.
        later = end + timedelta(hours=12)
        afternoon = second.clock and second.clock.hour < 12 and _utc(later) > _utc(start)
        end = later if afternoon else end
        end += timedelta(days=1) if _utc(end) <= _utc(start) else timedelta(0)
    return _capped(start, end, now)


def since(match: re.Match[str], now: datetime, anchor: date | None) -> TimeWindow | None:
    """From point ``a`` to now."""
    point = _point(match, "a", now)
    if point is None:
        return None
    start = _utc(point.resolve(now, anchor))
    return TimeWindow(start, max(_utc(now), start))


def until(match: re.Match[str], now: datetime, anchor: date | None) -> TimeWindow | None:
    """Up to point ``b``, from the start of its day when a day is named (else no start)."""
    point = _point(match, "b", now)
    if point is None:
        return None
    end = point.resolve(now, anchor)
    if point.clock is None:
        end += timedelta(days=1)
    end = min(_utc(end), _utc(now))
    day = point.day_in(now) or anchor
    start = _utc(_day_start(day, now)) if day is not None and point.clock is not None else None
    return TimeWindow(start if start is not None and start <= end else None, end)


def around(match: re.Match[str], now: datetime, anchor: date | None) -> TimeWindow | None:
    """Point ``a`` +-15 minutes, or the whole day when only a day is named."""
    point = _point(match, "a", now)
    if point is None:
        return None
    moment = point.resolve(now, anchor)
    if point.clock is None:
        return _capped(moment, moment + timedelta(days=1), now) if point.has_day else None
    return _capped(_utc(moment) - AROUND_POINT, _utc(moment) + AROUND_POINT, now)


def this_period(match: re.Match[str], now: datetime, anchor: date | None) -> TimeWindow:
    """This week (from Monday) or this month (from the 1st) up to now."""
    today = now.date()
    if (match.group("unit") or match.group("ko")) in ("week", "주"):
        first = today - timedelta(days=today.weekday())
    else:
        first = today.replace(day=1)
    return TimeWindow(_utc(_day_start(first, now)), _utc(now))


_PART_HOURS: dict[str, tuple[int, int]] = {
    "morning": (6, 12), "afternoon": (12, 18), "evening": (18, 24), "night": (18, 30),
    "오전": (0, 12), "오후": (12, 24), "아침": (6, 12), "낮": (12, 18), "저녁": (18, 24),
    "밤": (18, 30), "새벽": (0, 6),
}  # fmt: skip
_PART_DAY_OFFSETS = {"this": 0, "today": 0, "tonight": 0, "yesterday": 1, "last": 1, **DAY_OFFSETS}


def part_of_day(match: re.Match[str], now: datetime, anchor: date | None) -> TimeWindow:
    """A morning, afternoon, evening or night of the day named (default: the latest one)."""
    part = match.group("part")
    said = match.group("day")
    if said in ("어젯", "간"):
        part, said = "밤", "어제"
    first, last = _PART_HOURS[part]
    if said:
        day = now.date() - timedelta(days=_PART_DAY_OFFSETS[said])
    else:
        day = anchor or now.date()
        if anchor is None and _utc(_day_start(day, now) + timedelta(hours=first)) > _utc(now):
            day -= timedelta(days=1)
    start = _day_start(day, now) + timedelta(hours=first)
    return _capped(start, _day_start(day, now) + timedelta(hours=last), now)


def day_or_point(match: re.Match[str], now: datetime, anchor: date | None) -> TimeWindow | None:
    """A bare point: a clock time is "around", a day is that whole day."""
    point = _point(match, "a", now)
    if point is None:
        return None
    if point.clock is not None:
        return around(match, now, anchor)
    day = point.day_in(now)
    if day is None:
        return None
    start = _day_start(day, now)
    return _capped(start, start + timedelta(days=1), now)
