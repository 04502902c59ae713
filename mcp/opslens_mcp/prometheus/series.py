"""Tidy series: Prometheus results as labels, timestamps and values, bounded for an LLM.

Prometheus answers with ``[unix_seconds, "value"]`` pairs; here they become two parallel
arrays per series (ready for a chart), with ``None`` where Prometheus said NaN or ±Inf (JSON
has no such numbers). When a result is larger than the caller's budget, each series is
summarized (min/max/avg/last) instead, and ``summarized`` says so; series beyond ``limit``
are dropped and ``truncated`` says so.

The models are built with ``model_construct``: every field is computed here from Prometheus'
answer (a checked envelope, floats made here), so validating them again would only cost time.
"""

from __future__ import annotations

import math
from math import isfinite
from typing import Any, Literal

from pydantic import BaseModel, Field

from opslens_mcp.core.schemas import BulkList

ResultType = Literal["vector", "matrix", "scalar", "string"]


class SeriesSummary(BaseModel):
    """Aggregates of one series over the points returned (``None`` when it has no numbers)."""

    points: int
    min: float | None
    max: float | None
    avg: float | None
    last: float | None
    first_timestamp: float | None
    last_timestamp: float | None


class Series(BaseModel):
    """One series: its labels, and either its points or (for big results) only its summary."""

    labels: dict[str, str]
    timestamps: BulkList[float] | None = Field(
        default=None,
        description="Unix seconds, one number per point; omitted when the result is summarized.",
    )
    values: BulkList[float | None] | None = Field(
        default=None,
        description="One number per point, null where Prometheus had NaN or ±Inf; omitted when "
        "the result is summarized.",
    )
    summary: SeriesSummary | None = Field(
        default=None, description="Present for range results and whenever summarized."
    )


class SeriesSet(BaseModel):
    """The series of one result with the flags that say what was left out."""

    result_type: ResultType
    series: list[Series]
    total_series: int = Field(description="Series Prometheus returned before the limit.")
    truncated: bool = Field(description="True when series beyond the limit were dropped.")
    summarized: bool = Field(
        description="True when points were replaced by per-series summaries (too many points)."
    )


def to_number(text: str) -> float | None:
    """A Prometheus sample value as a JSON-safe number (NaN and ±Inf become ``None``)."""
    value = float(text)
    return value if math.isfinite(value) else None


def summarize(pairs: list[list[Any]], values: list[float | None]) -> SeriesSummary:
    """The :class:`SeriesSummary` of one series' points."""
    numbers = [value for value in values if value is not None]
    return SeriesSummary.model_construct(
        points=len(values),
        min=min(numbers) if numbers else None,
        max=max(numbers) if numbers else None,
        avg=sum(numbers) / len(numbers) if numbers else None,
        last=next((value for value in reversed(values) if value is not None), None),
        first_timestamp=float(pairs[0][0]) if pairs else None,
        last_timestamp=float(pairs[-1][0]) if pairs else None,
    )


def _series(
    labels: dict[str, str], pairs: list[list[Any]], *, with_points: bool, with_summary: bool
) -> Series:
    stamps, texts = zip(*pairs, strict=True) if pairs else ((), ())
    # Loops in C where possible: a range answer has thousands of points per call.
    values = [value if isfinite(value) else None for value in map(float, texts)]
    return Series.model_construct(
        labels={str(key): str(value) for key, value in labels.items()},
        timestamps=list(map(float, stamps)) if with_points else None,
        values=values if with_points else None,
        summary=summarize(pairs, values) if with_summary else None,
    )


def tidy(data: dict[str, Any], *, limit: int, max_points: int) -> SeriesSet:
    """Turn the ``data`` of a query or query_range answer into a bounded :class:`SeriesSet`."""
    result_type: ResultType = data["resultType"]
    raw = data["result"]
    if result_type in ("scalar", "string"):
        timestamp, value = raw
        labels = {} if result_type == "scalar" else {"string": value}
        pair = [timestamp, value if result_type == "scalar" else "NaN"]
        series = [_series(labels, [pair], with_points=True, with_summary=False)]
        raw, summarized = [None], False
    else:
        kept = raw[:limit]
        is_range = result_type == "matrix"
        total_points = sum(len(item["values"]) for item in kept) if is_range else len(kept)
        summarized = total_points > max_points
        series = [
            _series(
                item["metric"],
                item["values"] if is_range else [item["value"]],
                with_points=not summarized,
                with_summary=is_range or summarized,
            )
            for item in kept
        ]
    return SeriesSet.model_construct(
        result_type=result_type,
        series=series,
        total_series=len(raw),
        truncated=len(raw) > limit,
        summarized=summarized,
    )


def values_by_labels(data: dict[str, Any]) -> dict[frozenset[tuple[str, str]], float | None]:
    """An instant vector as ``{labels: value}``, for joining several queries' answers."""
    return {
        frozenset(item["metric"].items()): to_number(item["value"][1]) for item in data["result"]
    }
