"""Times and durations as callers write them, resolved to what Prometheus needs.

Times and durations follow :mod:`opslens_mcp.core.times` (ISO-8601, Unix seconds, ``now-3h``;
durations in Prometheus' own syntax, ``5m``, ``1h30m``, ``1d``). Callers pin "now" by passing
an absolute ``end``/``at``: relative times in the same call then count back from it, so an
agent gets the same answer on every rerun.

Example::

    >>> clock = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
    >>> resolve_range("now-3h", "2026-11-26T10:00:00Z", clock)[0].isoformat()
    '2026-11-26T07:00:00+00:00'
"""

from __future__ import annotations

import math
from datetime import UTC, datetime

from opslens_mcp.core.times import is_relative, parse_time

# The most points Prometheus returns per series in a range query ((end - start) / step).
PROMETHEUS_MAX_POINTS = 11_000
# Steps a chart reads well at; an automatic step is rounded up to one of these.
_NICE_STEPS = (1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200)


def check_time(text: str) -> str:
    """Validate a time expression without resolving it (for params models)."""
    parse_time(text, datetime.now(UTC))
    return text.strip()


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
