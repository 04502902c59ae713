"""Measures of a summary tool drawn over its window as series (for a chart)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime

from pydantic import BaseModel, Field

from opslens_mcp.core.times import format_duration, parse_duration
from opslens_mcp.prometheus.client import PrometheusClient
from opslens_mcp.prometheus.params import window_start
from opslens_mcp.prometheus.series import SeriesSet, tidy
from opslens_mcp.prometheus.times import auto_step

# A rate needs a few scrapes in its window: one minute, or the step when that is longer.
MIN_RATE_WINDOW_S = 60.0


class WindowSeries(BaseModel):
    """Each measure over ``start``..``end`` at ``step``, with the PromQL that drew it."""

    start: datetime
    end: datetime
    step: str
    rate_window: str = Field(description="Window of rate() at each point.")
    queries: dict[str, str]
    measures: dict[str, SeriesSet]


async def window_series(
    client: PrometheusClient,
    build: Callable[[str], dict[str, str]],
    *,
    at: datetime,
    window: str,
    points: int,
    limit: int,
) -> WindowSeries:
    """Run ``build(rate_window)``'s queries as range queries over the window ending at ``at``."""
    step = auto_step(parse_duration(window), points)
    rate_window = format_duration(max(step, MIN_RATE_WINDOW_S))
    queries = build(rate_window)
    start = window_start(at, window)
    answers = await asyncio.gather(
        *(
            client.query_range(query, start.timestamp(), at.timestamp(), step)
            for query in queries.values()
        )
    )
    return WindowSeries(
        start=start,
        end=at,
        step=format_duration(step),
        rate_window=rate_window,
        queries=queries,
        measures={
            measure: tidy(data, limit=limit, max_points=limit * points)
            for measure, data in zip(queries, answers, strict=True)
        },
    )
