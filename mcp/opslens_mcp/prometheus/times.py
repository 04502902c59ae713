"""Times and durations as callers write them, resolved to what Prometheus needs.

Times are ISO-8601 (``2026-11-26T01:00:00Z``; no offset means UTC), Unix seconds, or relative
to "now" (``now``, ``now-3h``, ``now-1h30m``). Durations use Prometheus' own syntax (``5m``,
``1h30m``, ``1d``). Callers pin "now" by passing an absolute ``end``/``at``: relative times in
the same call then count back from it, so an agent gets the same answer on every rerun.

Example::

    >>> clock = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
    >>> resolve_range("now-3h", "2026-11-26T10:00:00Z", clock)[0].isoformat()
    '2026-11-26T07:00:00+00:00'
"""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime, timedelta

_UNITS = {"y": 365 * 86400, "w": 7 * 86400, "d": 86400, "h": 3600, "m": 60, "s": 1, "ms": 0.001}
_DURATION = re.compile(
    r"^(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?$"
)
_RELATIVE = re.compile(r"^now(?:\s*([+-])\s*([0-9a-z]+))?$")
_NUMBER = re.compile(r"^\d+(?:\.\d+)?$")
# The most points Prometheus returns per series in a range query ((end - start) / step).
PROMETHEUS_MAX_POINTS = 11_000
# Steps a chart reads well at; an automatic step is rounded up to one of these.
_NICE_STEPS = (1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200)


def parse_duration(text: str) -> float:
    """Seconds in a Prometheus duration such as ``90s``, ``5m`` or ``1h30m``; ValueError if not."""
    match = _DURATION.match(text.strip())
    if not text.strip() or match is None:
        raise ValueError(f"{text!r} is not a Prometheus duration (e.g. 30s, 5m, 1h30m, 1d)")
    seconds = sum(
        int(amount) * unit
        for amount, unit in zip(match.groups(), _UNITS.values(), strict=True)
        if amount
    )
    if seconds <= 0:
        raise ValueError(f"{text!r} must be longer than zero")
    return seconds


def format_duration(seconds: float) -> str:
    """The shortest Prometheus duration for ``seconds`` (``5400`` -> ``1h30m``)."""
    millis = round(seconds * 1000)
    if millis <= 0:
        raise ValueError("a duration must be longer than zero")
    parts = []
    for unit in ("d", "h", "m", "s"):
        size = int(_UNITS[unit] * 1000)
        amount, millis = divmod(millis, size)
        if amount:
            parts.append(f"{amount}{unit}")
    if millis:
        parts.append(f"{millis}ms")
    return "".join(parts)


def check_time(text: str) -> str:
    """Validate a time expression without resolving it (for params models)."""
    parse_time(text, datetime.now(UTC))
    return text.strip()


def is_relative(text: str) -> bool:
    return text.strip().lower().startswith("now")


def parse_time(text: str, now: datetime) -> datetime:
    """Resolve ``now``/``now-3h``, ISO-8601 or Unix seconds to an aware UTC datetime."""
    value = text.strip()
    relative = _RELATIVE.match(value.lower())
    if relative:
        sign, amount = relative.groups()
        if not amount:
            return now.astimezone(UTC)
        delta = timedelta(seconds=parse_duration(amount))
        return (now + delta if sign == "+" else now - delta).astimezone(UTC)
    if _NUMBER.match(value):
        return datetime.fromtimestamp(float(value), UTC)
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(
            f"{text!r} is not a time: use ISO-8601 (2026-11-26T01:00:00Z), Unix seconds, "
            "or now / now-3h"
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def resolve_at(at: str | None, clock: datetime) -> datetime:
    """The evaluation time of an instant query (``None`` means the clock)."""
    return parse_time(at or "now", clock)


def resolve_range(start: str, end: str | None, clock: datetime) -> tuple[datetime, datetime]:
    """Resolve a range; relative ``start`` counts back from an absolute ``end`` (the pinned now)."""
    end_text = end or "now"
    end_time = parse_time(end_text, clock)
    anchor = clock if is_relative(end_text) else end_time
    start_time = parse_time(start, anchor)
    if start_time >= end_time:
        raise ValueError(
            f"start ({start_time.isoformat()}) must be before end ({end_time.isoformat()})"
        )
    return start_time, end_time


def auto_step(span_seconds: float, points: int) -> float:
    """A readable step giving about ``points`` points over the span, never over the limit."""
    wanted = span_seconds / max(points, 1)
    for step in _NICE_STEPS:
        if step >= wanted:
            return float(step)
    return float(math.ceil(wanted / 3600) * 3600)


def min_step(span_seconds: float) -> float:
    """The smallest step that keeps a range within Prometheus' 11,000 points per series."""
    return span_seconds / PROMETHEUS_MAX_POINTS


def unix(moment: datetime) -> float:
    return moment.timestamp()
