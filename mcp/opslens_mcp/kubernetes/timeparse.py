"""Time expressions of the tools: ISO 8601 instants and ``now-6h``-style relative times.

``now`` is the wall clock unless a tool call pins it (``now="2026-11-26T01:00:00Z"``), so an
answer can be reproduced later. Example::

    >>> now = parse_instant("2026-11-26T01:00:00Z")
    >>> resolve_time("now-90m", now).isoformat()
    '2026-11-25T23:30:00+00:00'
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated

from pydantic import AfterValidator

_RELATIVE = re.compile(r"^now(?:\s*-\s*((?:\d+[smhdw])+))?$")
_PART = re.compile(r"(\d+)([smhdw])")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def parse_instant(text: str) -> dt.datetime:
    """An ISO 8601 instant as an aware UTC datetime (a time without offset is taken as UTC)."""
    value = dt.datetime.fromisoformat(text.strip().replace("Z", "+00:00").replace("z", "+00:00"))
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC)


def parse_timestamp(value: object) -> dt.datetime | None:
    """A Kubernetes timestamp field (RFC 3339 string) as UTC, or None when absent or invalid."""
    if not isinstance(value, str) or not value:
        return None
    try:
        return parse_instant(value)
    except ValueError:
        return None


def resolve_time(text: str, now: dt.datetime) -> dt.datetime:
    """``now``, ``now-6h``, ``now-1h30m`` (units s, m, h, d, w) or an ISO 8601 instant."""
    match = _RELATIVE.match(text.strip())
    if match:
        offset = sum(int(n) * _UNITS[unit] for n, unit in _PART.findall(match.group(1) or ""))
        return now - dt.timedelta(seconds=offset)
    return parse_instant(text)


def resolve_now(pinned: str | None) -> dt.datetime:
    """The pinned ``now`` of a call, else the wall clock (UTC)."""
    return parse_instant(pinned) if pinned else dt.datetime.now(dt.UTC)


def _check_time(text: str) -> str:
    try:
        resolve_time(text, dt.datetime.now(dt.UTC))
    except ValueError:
        raise ValueError(
            "expected an ISO 8601 time (2026-11-26T01:00:00Z) or now-<n><s|m|h|d|w> (now-6h)"
        ) from None
    return text


def _check_instant(text: str) -> str:
    try:
        parse_instant(text)
    except ValueError:
        raise ValueError("expected an ISO 8601 time such as 2026-11-26T01:00:00Z") from None
    return text


TimeExpr = Annotated[str, AfterValidator(_check_time)]
"""A tool parameter holding an ISO time or a ``now-...`` expression, checked at the wire."""

Instant = Annotated[str, AfterValidator(_check_instant)]
"""A tool parameter holding an ISO time (used for a pinned ``now``)."""
