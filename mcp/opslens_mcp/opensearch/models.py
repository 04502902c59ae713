"""Wire models every OpenSearch tool shares: common params and the result envelope."""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    WithJsonSchema,
)

from opslens_mcp.opensearch.timerange import TimeRange

Name = Annotated[str, StringConstraints(min_length=1, max_length=256)]


def as_list(value: Any) -> Any:
    """Accept ``"x"`` where a list is expected (models often send one value bare)."""
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    return value


Names = Annotated[list[Name], BeforeValidator(as_list), Field(max_length=100)]

_TRACE_ID = re.compile(r"^[0-9a-fA-F]{16,64}$")
TRACE_ID_RULE = (
    "16 to 64 hexadecimal digits (OpenTelemetry and W3C trace ids have 32, "
    "Jaeger and Zipkin 64-bit ids 16)"
)


def is_trace_id(value: str) -> bool:
    """Whether ``value`` looks like a trace id (what the trace tools accept)."""
    return bool(_TRACE_ID.match(value))


def check_trace_id(value: str) -> str:
    """``value`` if it looks like a trace id; ValueError naming the rule otherwise."""
    if not is_trace_id(value):
        raise ValueError(f"not a trace id: it must be {TRACE_ID_RULE}")
    return value


TraceId = Annotated[
    str,
    StringConstraints(strip_whitespace=True),
    AfterValidator(check_trace_id),
    WithJsonSchema({"type": "string", "pattern": _TRACE_ID.pattern}, mode="validation"),
]
TraceIds = Annotated[list[TraceId], BeforeValidator(as_list), Field(max_length=100)]


class OpenSearchRequest(BaseModel):
    """A request exactly as sent; paste ``method path`` and ``body`` into Dev Tools to rerun."""

    method: str
    path: str
    body: dict[str, Any] | list[dict[str, Any]] = Field(
        description="The JSON body; for _msearch the header/body lines in order."
    )
    cached: bool = Field(description="Answered from the server's cache, not OpenSearch.")


class TimeWindow(BaseModel):
    """The resolved time range a result covers (ISO-8601, UTC offsets)."""

    start: str
    end: str

    @classmethod
    def of(cls, window: TimeRange) -> TimeWindow:
        start, end = window.iso()
        return cls(start=start, end=end)


class TimeParams(BaseModel):
    """A time range; relative times resolve against ``now``."""

    model_config = ConfigDict(extra="forbid")

    start: str | None = Field(
        default=None,
        max_length=64,
        description="Start: ISO-8601 (2026-11-26T01:00:00Z, +09:00 offsets welcome) or relative "
        "(now-3h, now-1d/d, now/d for today's midnight, or just 3h). Default: end minus the "
        "server's default window (1 hour), recent enough to matter and cheap to search.",
    )
    end: str | None = Field(
        default=None, max_length=64, description="End (excluded), same forms; default now."
    )
    now: str | None = Field(
        default=None,
        max_length=64,
        description="Pin 'now' (ISO-8601) so a question and its follow-ups use the same window; "
        "default: the server clock.",
    )


class WindowParams(TimeParams):
    """A time range plus the session a call belongs to."""

    session_id: str | None = Field(
        default=None,
        max_length=128,
        description="Session for follow-ups (else the X-Opslens-Session header).",
    )
    inherit: bool = Field(
        default=False,
        description="Fill the filters this call leaves out from the session's previous call of "
        "the same kind (e.g. 'and the warnings?' right after an error search).",
    )


class Envelope(BaseModel):
    """What every result carries besides its data."""

    requests: list[OpenSearchRequest] = Field(
        default_factory=list, description="The exact OpenSearch requests this answer came from."
    )
    time_range: TimeWindow | None = None
    warnings: list[str] = Field(
        default_factory=list, description="Sources skipped, fields unmapped, results cut short."
    )
    session_id: str | None = None
