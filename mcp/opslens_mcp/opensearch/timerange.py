"""Time ranges from what people and agents write: ISO-8601, ``now-3h``, ``now/d``, ``90m``
(the grammar of :mod:`opslens_mcp.core.times`).

Relative times are resolved against a pinned ``now`` (the agent passes one so that a question
and its follow-ups see the same window); the result is validated (end after start) and bounded.

Example::

    >>> now = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
    >>> resolve_range("now-3h", None, now=now, default=timedelta(hours=1),
    ...               limit=timedelta(days=31), zone=UTC).start.isoformat()
    '2026-11-26T09:00:00+00:00'
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from opslens_mcp.core import times
from opslens_mcp.core.errors import InvalidParams
from opslens_mcp.core.times import parse_instant


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
    return parse_iso(value, zone)


def parse_iso(text: str, zone: tzinfo = UTC) -> datetime:
    """An ISO-8601 time (or Unix seconds); naive times are read in ``zone``."""
    try:
        return parse_instant(text, zone)
    except ValueError as exc:
        raise InvalidParams(str(exc)) from None


def parse_time(text: str, now: datetime, zone: tzinfo) -> datetime:
    """One point in time: ISO-8601, ``now[±N unit...][/unit]`` or a bare ``3h`` (= now-3h)."""
    try:
        return times.parse_time(text, now, zone)
    except ValueError as exc:
        raise InvalidParams(str(exc)) from None


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
