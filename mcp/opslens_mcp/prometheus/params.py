"""Argument types the Prometheus tools share: times, durations, names, label filters, limits.

Validation happens here, at the wire, so a malformed argument is a -32602 with a precise message
before anything reaches Prometheus.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field

from opslens_mcp.core.errors import InvalidParams
from opslens_mcp.core.times import parse_duration
from opslens_mcp.prometheus.profiles import check_label_name, check_metric_name
from opslens_mcp.prometheus.times import check_time, resolve_at, resolve_range

MAX_PROMQL_CHARS = 10_000
MAX_WINDOW_SECONDS = 400 * 86400


def _as_text(value: Any) -> Any:
    """Accept Unix seconds as numbers too."""
    return str(value) if isinstance(value, int | float) and not isinstance(value, bool) else value


def _check_duration(text: str) -> str:
    if parse_duration(text) > MAX_WINDOW_SECONDS:
        raise ValueError(f"{text!r} is longer than 400 days")
    return text.strip()


TimeText = Annotated[
    str,
    BeforeValidator(_as_text),
    Field(max_length=64),
    AfterValidator(check_time),
]
Duration = Annotated[
    str,
    BeforeValidator(_as_text),
    Field(max_length=32),
    AfterValidator(_check_duration),
]
MetricName = Annotated[str, Field(max_length=200), AfterValidator(check_metric_name)]
LabelName = Annotated[str, Field(max_length=200), AfterValidator(check_label_name)]
LabelValue = Annotated[str, Field(max_length=1024)]
LabelFilters = Annotated[dict[LabelName, LabelValue], Field(max_length=20)]
Name = Annotated[str, Field(min_length=1, max_length=253)]
HTTP_STATUS = re.compile(r"[1-5]([0-9]{2}|xx)")


def check_http_status(value: str) -> str:
    """``value`` if it is an HTTP status (``503``) or class (``5xx``)."""
    if not HTTP_STATUS.fullmatch(value):
        raise ValueError(f"{value!r} is not an HTTP status (503) or class (5xx)")
    return value


HttpStatus = Annotated[
    str,
    Field(
        max_length=3,
        description="An HTTP status (503) or class (5xx).",
        examples=["503", "5xx"],
        json_schema_extra={"pattern": HTTP_STATUS.pattern},
    ),
    AfterValidator(check_http_status),
]


class StrictParams(BaseModel):
    """Unknown arguments are an error (a typo should not silently widen a query)."""

    model_config = ConfigDict(extra="forbid")


AT_DESCRIPTION = (
    "Evaluation time: ISO-8601, Unix seconds, or now / now-30m. Default now. Pass an absolute "
    "time to pin 'now' so the answer is the same on every rerun."
)
END_DESCRIPTION = (
    "End of the range (default now). An absolute time pins 'now': a relative start such as "
    "now-3h then counts back from it."
)
START_DESCRIPTION = "Start of the range: ISO-8601, Unix seconds, or relative such as now-3h."


def pinned_at(at: str | None) -> datetime:
    """The evaluation time an ``at`` argument means now."""
    try:
        return resolve_at(at, datetime.now(UTC))
    except ValueError as exc:
        raise InvalidParams(str(exc)) from exc


def pinned_range(start: str, end: str | None) -> tuple[datetime, datetime]:
    """The range ``start``/``end`` arguments mean now (start before end)."""
    try:
        return resolve_range(start, end, datetime.now(UTC))
    except ValueError as exc:
        raise InvalidParams(str(exc)) from exc


def window_start(at: datetime, window: str) -> datetime:
    return datetime.fromtimestamp(at.timestamp() - parse_duration(window), UTC)
