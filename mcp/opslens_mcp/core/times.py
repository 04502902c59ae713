"""The one grammar of times and durations every server's tools accept.

* Durations use Prometheus' syntax: ``90s``, ``5m``, ``1h30m``, ``1d``, ``2w``, ``500ms``.
* An instant is ISO-8601 (``2026-11-26T01:00:00Z``; nanoseconds are cut to microseconds; a
  time without offset is read in the caller's zone, UTC unless said) or Unix seconds.
* A relative time counts from ``now``: ``now``, ``now-3h``, ``now-1d+2h``, rounded down with a
  trailing ``/unit`` (``now/d`` is today's midnight in the zone); a bare ``3h`` or ``-3h``
  means ``now-3h``.

Every failure is a ``ValueError`` whose message shows the forms above; servers turn it into
their invalid-params error. Example::

    >>> now = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
    >>> parse_time("now-1h30m", now).isoformat()
    '2026-11-26T10:30:00+00:00'
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, tzinfo

_UNITS = {"y": 365 * 86400, "w": 7 * 86400, "d": 86400, "h": 3600, "m": 60, "s": 1, "ms": 0.001}
_DURATION = re.compile(
    r"(?:(\d{1,9})y)?(?:(\d{1,9})w)?(?:(\d{1,9})d)?(?:(\d{1,9})h)?(?:(\d{1,9})m)?"
    r"(?:(\d{1,9})s)?(?:(\d{1,9})ms)?"
)
_DURATION_TEXT = r"\d{1,9}(?:ms|[ywdhms])(?:\d{1,9}(?:ms|[ywdhms]))*"
_RELATIVE = re.compile(rf"now((?:\s*[+-]\s*{_DURATION_TEXT})*)(?:/([smhdw]))?")
_OFFSET = re.compile(rf"([+-])\s*({_DURATION_TEXT})")
_BARE = re.compile(rf"-?({_DURATION_TEXT})")
_UNIX = re.compile(r"\d{1,12}(?:\.\d{1,9})?")
_FORMS = (
    "use ISO-8601 (2026-11-26T01:00:00Z), Unix seconds, or a time relative to now "
    "(now, now-3h, now-1h30m, now/d, 90m)"
)


def parse_duration(text: str) -> float:
    """Seconds in a duration such as ``90s``, ``5m`` or ``1h30m``; ValueError if not one."""
    match = _DURATION.fullmatch(text.strip())
    if not text.strip() or match is None:
        raise ValueError(f"{text[:80]!r} is not a duration (e.g. 30s, 5m, 1h30m, 1d)")
    seconds = sum(
        int(amount) * unit
        for amount, unit in zip(match.groups(), _UNITS.values(), strict=True)
        if amount
    )
    if seconds <= 0:
        raise ValueError(f"{text!r} must be longer than zero")
    return seconds


def format_duration(seconds: float) -> str:
    """The shortest duration text for ``seconds`` (``5400`` -> ``1h30m``)."""
    millis = round(seconds * 1000)
    if millis <= 0:
        raise ValueError("a duration must be longer than zero")
    parts = []
    for unit in ("d", "h", "m", "s"):
        amount, millis = divmod(millis, int(_UNITS[unit] * 1000))
        if amount:
            parts.append(f"{amount}{unit}")
    if millis:
        parts.append(f"{millis}ms")
    return "".join(parts)


def parse_instant(text: str, zone: tzinfo = UTC) -> datetime:
    """An ISO-8601 time or Unix seconds as an aware UTC datetime; naive times are in ``zone``."""
    value = text.strip()
    try:
        if _UNIX.fullmatch(value):
            return datetime.fromtimestamp(float(value), UTC)
        if value.endswith(("Z", "z")):
            value = value[:-1] + "+00:00"
        value = re.sub(r"(\.\d{6})\d+", r"\1", value)  # nanoseconds: keep microseconds
        moment = datetime.fromisoformat(value)
    except (ValueError, OverflowError, OSError):
        raise ValueError(f"cannot read time {text[:80]!r}: {_FORMS}") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone)
    return moment.astimezone(UTC)


def is_relative(text: str) -> bool:
    """Whether ``text`` counts from now (``now-3h``, ``3h``) rather than naming an instant."""
    lowered = text.strip().lower()
    return bool(_RELATIVE.fullmatch(lowered) or _BARE.fullmatch(lowered))


def parse_time(text: str, now: datetime, zone: tzinfo = UTC) -> datetime:
    """One point in time: relative to ``now`` (see the module), or an instant."""
    value = text.strip()
    lowered = value.lower()
    relative = _RELATIVE.fullmatch(lowered)
    bare = None if relative else _BARE.fullmatch(lowered)
    if relative is None and bare is None:
        return parse_instant(value, zone)
    try:
        if bare is not None:
            return (now - timedelta(seconds=parse_duration(bare.group(1)))).astimezone(UTC)
        assert relative is not None
        moment = now
        for sign, amount in _OFFSET.findall(relative.group(1)):
            step = timedelta(seconds=parse_duration(amount))
            moment = moment + step if sign == "+" else moment - step
    except OverflowError:
        raise ValueError(f"{text[:80]!r} reaches beyond the calendar") from None
    if relative.group(2):
        moment = round_down(moment, relative.group(2), zone)
    return moment.astimezone(UTC)


def round_down(moment: datetime, unit: str, zone: tzinfo) -> datetime:
    """The start of ``moment``'s second, minute, hour, day or week (Monday) in ``zone``."""
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
