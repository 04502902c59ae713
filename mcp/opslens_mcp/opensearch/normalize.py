"""Turn hits of any profile into opslens records: log lines and spans with the same shape.

Field paths are looked up the way OpenSearch reads ``_source``: ``resource.attributes.service.name``
finds ``{"resource": {"attributes": {"service.name": ...}}}`` (nested 2.x) as well as a flat
``"resource.attributes.service@name"`` key (1.x) when the profile says so.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any

from opslens_mcp.opensearch.profiles import LogProfile, TimeUnit, TraceProfile
from opslens_mcp.opensearch.queries import canonical_level

_ISO = re.compile(
    r"(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}(?::\d{2})?)(?:[.,](\d{1,9}))?\s*(Z|z|[+-]\d{2}:?\d{2})?"
)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_UNIT_NANOS = {"ms": 1_000_000, "us": 1_000, "ns": 1}


def lookup(source: Any, path: str) -> Any:
    """The value at dotted ``path`` in a ``_source``, whichever way its keys are split."""
    if not isinstance(source, dict) or not path:
        return None
    value = source.get(path)
    if value is not None:
        return value
    head, dot, rest = path.partition(".")
    while dot:
        child = source.get(head)
        if child is not None:
            found = lookup(child, rest)
            if found is not None:
                return found
        step, dot, rest = rest.partition(".")
        head = f"{head}.{step}"
    return None


def to_nanos(value: Any, unit: TimeUnit = "iso") -> int | None:
    """Epoch nanoseconds from an ISO string (up to 9 fraction digits) or a number in ``unit``."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return int(value * _UNIT_NANOS.get(unit, 1_000_000))
    text = str(value).strip()
    if len(text) >= 20 and text[10] == "T" and text[19] == "." and text[-1] in "Zz":
        fraction = text[20:-1]  # the usual 2021-03-25T17:23:30.088478464Z, read without a regex
        if fraction.isdigit() and len(fraction) <= 9:
            seconds = _epoch_seconds(text[:19])
            if seconds is not None:
                return seconds * 1_000_000_000 + int(fraction.ljust(9, "0"))
    if text.isdigit():
        return int(text) * _UNIT_NANOS.get(unit, 1_000_000)
    match = _ISO.fullmatch(text)
    if not match:
        return None
    day, clock, fraction, offset = match.groups()
    if clock.count(":") == 1:
        clock += ":00"
    zone = "+00:00" if offset in (None, "Z", "z") else offset
    try:
        whole = datetime.fromisoformat(f"{day}T{clock}{zone}")
    except ValueError:
        return None
    nanos = int((fraction or "0").ljust(9, "0"))
    seconds = (whole - _EPOCH) // timedelta(seconds=1)
    return seconds * 1_000_000_000 + nanos


@lru_cache(maxsize=4096)
def _epoch_seconds(whole_seconds: str) -> int | None:
    try:
        moment = datetime.fromisoformat(whole_seconds).replace(tzinfo=UTC)
    except ValueError:
        return None
    return (moment - _EPOCH) // timedelta(seconds=1)


def iso_from_nanos(nanos: int) -> str:
    """ISO-8601 with offset, to the microsecond."""
    return (_EPOCH + timedelta(microseconds=nanos // 1_000)).isoformat()


def _text(value: Any) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, list):
        return _text(value[0]) if value else None
    return str(value)


@dataclass(frozen=True)
class LogLine:
    """One normalized log record."""

    timestamp: str | None
    source: str
    index: str
    id: str
    service: str | None
    level: str | None
    message: str
    pod: str | None
    namespace: str | None
    container: str | None
    node: str | None
    trace_id: str | None
    span_id: str | None


def log_line(hit: dict[str, Any], source_name: str, profile: LogProfile) -> LogLine:
    """A search hit of a log source as a :class:`LogLine`."""
    doc = hit.get("_source") or {}
    raw_time = lookup(doc, profile.time_field)
    nanos = to_nanos(raw_time, "ms")
    number_field = profile.severity_number_field
    message = lookup(doc, profile.message_field)
    return LogLine(
        timestamp=iso_from_nanos(nanos) if nanos is not None else _text(raw_time),
        source=source_name,
        index=str(hit.get("_index", "")),
        id=str(hit.get("_id", "")),
        service=_text(lookup(doc, profile.service_field)),
        level=canonical_level(
            lookup(doc, profile.level_field), lookup(doc, number_field) if number_field else None
        ),
        message=message if isinstance(message, str) else "" if message is None else str(message),
        pod=_text(lookup(doc, profile.pod_field)),
        namespace=_text(lookup(doc, profile.namespace_field)),
        container=_text(lookup(doc, profile.container_field)),
        node=_text(lookup(doc, profile.node_field)),
        trace_id=_text(lookup(doc, profile.trace_id_field)),
        span_id=_text(lookup(doc, profile.span_id_field)),
    )


@dataclass(frozen=True)
class Span:
    """One normalized span; times in epoch nanoseconds."""

    trace_id: str
    span_id: str
    parent_id: str | None
    service: str
    operation: str
    kind: str | None
    start_ns: int
    duration_ns: int
    error: bool
    error_message: str | None
    http_status: str | None
    peer: str | None = None
    db_system: str | None = None

    @property
    def end_ns(self) -> int:
        return self.start_ns + self.duration_ns


def _parent_of(doc: dict[str, Any], profile: TraceProfile) -> str | None:
    if profile.references_field:
        references = lookup(doc, profile.references_field) or []
        if isinstance(references, list) and references:
            preferred = [
                r for r in references if isinstance(r, dict) and r.get("refType") == "CHILD_OF"
            ]
            chosen = (preferred or references)[0]
            if isinstance(chosen, dict) and chosen.get("spanID"):
                return str(chosen["spanID"])
    if profile.parent_span_id_field:
        return _text(lookup(doc, profile.parent_span_id_field))
    return None


def _event_error(events: Any) -> str | None:
    """An exception message from span events (OpenTelemetry) or span logs (Jaeger)."""
    for event in events if isinstance(events, list) else []:
        if not isinstance(event, dict):
            continue
        attributes = event.get("attributes")
        if isinstance(attributes, dict):
            for key in ("exception@message", "exception.message"):
                message = lookup(attributes, key)
                if message:
                    return str(message)
        for item in event.get("fields") or []:
            if isinstance(item, dict) and item.get("key") == "error" and item.get("value"):
                return str(item["value"])
    return None


def is_error_value(value: Any, wanted: str | int | bool) -> bool:
    return value is not None and str(value).lower() == str(wanted).lower()


def span_of(doc: dict[str, Any], profile: TraceProfile) -> Span:
    """A span ``_source`` as a :class:`Span`."""
    start = to_nanos(lookup(doc, profile.start_field), profile.start_unit) or 0
    duration_raw = lookup(doc, profile.duration_field)
    unit_nanos = _UNIT_NANOS[profile.duration_unit]
    duration = int(duration_raw) * unit_nanos if isinstance(duration_raw, (int, float)) else 0
    if not duration and profile.end_field:
        end = to_nanos(lookup(doc, profile.end_field), profile.start_unit)
        duration = max(0, end - start) if end is not None else 0
    error = is_error_value(lookup(doc, profile.error_field), profile.error_value)
    message = (
        _text(lookup(doc, profile.status_message_field)) if profile.status_message_field else None
    )
    if error and not message and profile.events_field:
        message = _event_error(lookup(doc, profile.events_field))
    http = lookup(doc, profile.http_status_field) if profile.http_status_field else None
    return Span(
        trace_id=_text(lookup(doc, profile.trace_id_field)) or "",
        span_id=_text(lookup(doc, profile.span_id_field)) or "",
        parent_id=_parent_of(doc, profile),
        service=_text(lookup(doc, profile.service_field)) or "unknown",
        operation=_text(lookup(doc, profile.operation_field)) or "",
        kind=_text(lookup(doc, profile.kind_field)) if profile.kind_field else None,
        start_ns=start,
        duration_ns=duration,
        error=error,
        error_message=message.strip() or None if message else None,
        http_status=_text(http),
        peer=_text(lookup(doc, profile.peer_field)) if profile.peer_field else None,
        db_system=_text(lookup(doc, profile.db_system_field)) if profile.db_system_field else None,
    )
