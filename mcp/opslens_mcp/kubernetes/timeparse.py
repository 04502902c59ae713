"""Time expressions of the Kubernetes tools, in the grammar of :mod:`opslens_mcp.core.times`.

``now`` is the wall clock unless a tool call pins it (``now="2026-11-26T01:00:00Z"``), so an
answer can be reproduced later. Example::

    >>> now = parse_instant("2026-11-26T01:00:00Z")
    >>> resolve_time("now-90m", now).isoformat()
    '2026-11-25T23:30:00+00:00'
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import AfterValidator

from opslens_mcp.core.times import parse_instant, parse_time


def parse_timestamp(value: object) -> dt.datetime | None:
    """A Kubernetes timestamp field (RFC 3339 string) as UTC, or None when absent or invalid."""
    if not isinstance(value, str) or not value:
        return None
    try:
        return parse_instant(value)
    except ValueError:
        return None


def resolve_time(text: str, now: dt.datetime) -> dt.datetime:
    """``now``, ``now-6h``, ``now-1h30m``, ``6h`` or an ISO 8601 instant, as UTC."""
    return parse_time(text, now)


def resolve_now(pinned: str | None) -> dt.datetime:
    """The pinned ``now`` of a call, else the wall clock (UTC)."""
    return parse_instant(pinned) if pinned else dt.datetime.now(dt.UTC)


def _check_time(text: str) -> str:
    resolve_time(text, dt.datetime.now(dt.UTC))
    return text


def _check_instant(text: str) -> str:
    parse_instant(text)
    return text


TimeExpr = Annotated[str, AfterValidator(_check_time)]
"""A tool parameter holding an ISO time or a ``now-...`` expression, checked at the wire."""

Instant = Annotated[str, AfterValidator(_check_instant)]
"""A tool parameter holding an ISO time (used for a pinned ``now``)."""
