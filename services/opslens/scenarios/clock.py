"""Scenario time: durations like ``-50m``, the pinned ``now``, and timestamp formatting.

All generation works on integer milliseconds since the epoch (UTC). ``now`` is always a whole
minute, so every minute of history is a clean ``[start, start + 60 s)`` bucket that any
minute-aligned query window can be summed from.
"""

from __future__ import annotations

import datetime as dt
import functools
import re

MINUTE_MS = 60_000
_UNITS_MS = {"ms": 1, "s": 1_000, "m": MINUTE_MS, "h": 60 * MINUTE_MS, "d": 24 * 60 * MINUTE_MS}
_PART = re.compile(r"(\d+)(ms|s|m|h|d)")


def parse_duration_ms(text: str) -> int:
    """Milliseconds of ``'6h'``, ``'1h30m'``, ``'-50m'`` or ``'90s'`` (sign kept)."""
    raw = text.strip()
    sign = -1 if raw.startswith("-") else 1
    body = raw.lstrip("+-")
    parts = _PART.findall(body)
    if not body or "".join(f"{n}{u}" for n, u in parts) != body:
        raise ValueError(f"duration like '50m', '-2h30m' or '90s' expected, got {text!r}")
    return sign * sum(int(number) * _UNITS_MS[unit] for number, unit in parts)


def format_duration(ms: int) -> str:
    """The shortest ``'2h30m'``-style text for a duration in milliseconds."""
    sign = "-" if ms < 0 else ""
    rest = abs(ms)
    out = []
    for unit in ("d", "h", "m", "s"):
        size = _UNITS_MS[unit]
        if rest >= size:
            out.append(f"{rest // size}{unit}")
            rest %= size
    if rest:
        out.append(f"{rest}ms")
    return sign + ("".join(out) or "0s")


def resolve_now(value: str | dt.datetime | None = None) -> int:
    """``now`` in epoch ms, truncated to the whole minute (default: the current UTC time)."""
    if value is None:
        moment = dt.datetime.now(dt.UTC)
    elif isinstance(value, dt.datetime):
        moment = value
    else:
        moment = dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    epoch_ms = int(moment.timestamp() * 1000)
    return epoch_ms - epoch_ms % MINUTE_MS


def to_datetime(epoch_ms: int) -> dt.datetime:
    return dt.datetime.fromtimestamp(epoch_ms / 1000, dt.UTC)


@functools.lru_cache(maxsize=8192)
def _second_text(epoch_s: int) -> str:
    return dt.datetime.fromtimestamp(epoch_s, dt.UTC).strftime("%Y-%m-%dT%H:%M:%S")


def iso_ms(epoch_ms: int) -> str:
    """``2026-11-26T01:02:03.123Z``."""
    seconds, millis = divmod(epoch_ms, 1000)
    return f"{_second_text(seconds)}.{millis:03d}Z"


def iso_seconds(epoch_ms: int) -> str:
    """``2026-11-26T01:02:03Z`` (Kubernetes timestamps have whole seconds)."""
    return f"{_second_text(epoch_ms // 1000)}Z"


def iso_nanos(epoch_ns: int) -> str:
    """``2026-11-26T01:02:03.123456789Z`` (Data Prepper's span times)."""
    seconds, nanos = divmod(epoch_ns, 1_000_000_000)
    return f"{_second_text(seconds)}.{nanos:09d}Z"


def day_suffix(epoch_ms: int) -> str:
    """``2026.11.26``: the suffix of daily indices such as ``logs-2026.11.26``."""
    return _second_text(epoch_ms // 1000)[:10].replace("-", ".")
