"""Time ranges from what people and agents write: ISO-8601, ``now-3h``, ``now/d``, ``90m``.

Relative times are resolved against a pinned ``now`` (the agent passes one so that a question
and its follow-ups see the same window); the result is validated (end after start) and bounded.

Example::

    >>> now = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
    >>> resolve_range("now-3h", None, now=now, default=timedelta(hours=1),
    ...               limit=timedelta(days=31), zone=UTC).start.isoformat()
    '2026-11-26T09:00:00+00:00'
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from opslens_mcp.core.errors import InvalidParams

_UNITS = {
    "s": timedelta(seconds=1),
    "m": timedelta(minutes=1),
    "h": timedelta(hours=1),
    "d": timedelta(days=1),
    "w": timedelta(weeks=1),
}
_STEP = re.compile(r"([+-])(\d{1,6})([smhdw])")
_RELATIVE = re.compile(r"now((?:[+-]\d{1,6}[smhdw])*)(?:/([smhdw]))?")
_BARE_DURATION = re.compile(r"-?(\d{1,6})([smhdw])")


@dataclass(frozen=True)
class TimeRange:
    """A resolved, validated window ``[start, end]`` in UTC."""

    start: datetime
    end: datetime

    @property
    def span(self) -> timedelta:
        return self.end - self.start

    def iso(self) -> tuple[str, str]:
        return iso(self.start), iso(self.end)


def iso(moment: datetime) -> str:
    """ISO-8601 with an explicit offset, e.g. ``2026-11-26T01:02:03.123000+00:00``."""
    return moment.astimezone(UTC).isoformat()


def zone_named(name: str) -> tzinfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise InvalidParams(f"unknown time zone {name!r}") from exc


def parse_now(value: str | None, zone: tzinfo) -> datetime:
    """The pinned ``now`` (ISO-8601) or the server clock, to the second."""
    if value is None:
        return datetime.now(UTC).replace(microsecond=0)
    return _parse_absolute(value, zone)


def _round_down(moment: datetime, unit: str, zone: tzinfo) -> datetime:
    local = moment.astimezone(zone)
    if unit == "w":
        local = local - timedelta(days=local.weekday())
        unit = "d"
    if unit == "s":
        local = local.replace(microsecond=0)
    elif unit == "m":
        local = local.replace(second=0, microsecond=0)
    elif unit == "h":
        local = local.replace(minute=0, second=0, microsecond=0)
    else:
        local = local.replace(hour=0, minute=0, second=0, microsecond=0)
    return local.astimezone(UTC)


def parse_iso(text: str, zone: tzinfo = UTC) -> datetime:
    """An ISO-8601 time; naive times are read in ``zone``."""
    return _parse_absolute(text, zone)


def _parse_absolute(text: str, zone: tzinfo) -> datetime:
    cleaned = text.strip()
    if cleaned.endswith(("Z", "z")):
        cleaned = cleaned[:-1] + "+00:00"
    cleaned = re.sub(r"(\.\d{6})\d+", r"\1", cleaned)  # nanoseconds: keep microseconds
    try:
        moment = datetime.fromisoformat(cleaned)
    except ValueError as exc:
        raise InvalidParams(
            f"cannot read time {text[:80]!r}: use ISO-8601 (2026-11-26T01:00:00Z) "
            "or a relative time (now-3h, now/d, 90m)"
        ) from exc
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone)
    return moment.astimezone(UTC)


def parse_time(text: str, now: datetime, zone: tzinfo) -> datetime:
    """One point in time: ISO-8601, ``now[±N unit...][/unit]`` or a bare ``3h`` (= now-3h)."""
    value = text.strip()
    relative = _RELATIVE.fullmatch(value)
    if relative:
        moment = now
        for sign, amount, unit in _STEP.findall(relative.group(1)):
            step = _UNITS[unit] * int(amount)
            moment = moment + step if sign == "+" else moment - step
        if relative.group(2):
            moment = _round_down(moment, relative.group(2), zone)
        return moment
    bare = _BARE_DURATION.fullmatch(value)
    if bare:
        return now - _UNITS[bare.group(2)] * int(bare.group(1))
    return _parse_absolute(value, zone)


def resolve_range(
    start: str | None,
    end: str | None,
    *,
    now: datetime,
    default: timedelta,
    limit: timedelta,
    zone: tzinfo,
) -> TimeRange:
    """Resolve ``start``/``end`` (either may be missing) into a validated :class:`TimeRange`.

    A missing end is ``now``; a missing start is ``end - default``.
    """
    end_at = parse_time(end, now, zone) if end else now
    start_at = parse_time(start, now, zone) if start else end_at - default
    if end_at <= start_at:
        raise InvalidParams(
            f"the time range is empty: end {iso(end_at)} is not after start {iso(start_at)}"
        )
    if end_at - start_at > limit:
        raise InvalidParams(
            f"the time range spans {end_at - start_at}, more than the {limit} allowed: "
            "narrow it, or aggregate (count_logs, log_histogram) instead of listing"
        )
    return TimeRange(start_at, end_at)
