"""What sampled traces say about blame, as pure functions over ``get_traces`` results.

Error types: each error span's message with its variable parts masked, by service and
operation; spans where the failure starts (no error below them) are counted apart.

Call gaps: the time a caller's client span lasts beyond the callee's server span under it. It
is spent on the network to the callee, in its sidecar or waiting for one of its threads, so it
counts against the callee: a delayed or starved pod shows up here while its own spans look
normal.
"""

from __future__ import annotations

import re
import statistics
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from opslens.reports.times import parse_iso

_VARIABLE = re.compile(r"0x[0-9a-fA-F]+|[0-9a-fA-F]{8,}|\d+")
CLIENT_KIND = "SPAN_KIND_CLIENT"
Trace = dict[str, Any]


def error_type(message: str | None) -> str:
    """An error message with its variable parts (ids, numbers) masked: its type."""
    return _VARIABLE.sub("<*>", (message or "error").strip())[:200]


@dataclass
class ErrorTally:
    service: str
    operation: str
    message: str
    count: int = 0
    origin_count: int = 0
    first_seen: datetime | None = None
    last_seen: datetime | None = None
    trace_ids: list[str] = field(default_factory=list)


def error_tallies(traces: Iterable[Trace]) -> list[ErrorTally]:
    """Error spans grouped by (service, operation, error type), with where failures start."""
    grouped: dict[tuple[str, str, str], ErrorTally] = {}
    for trace in traces:
        seen = parse_iso(trace.get("start"))
        for error in trace.get("errors") or []:
            key = (str(error["service"]), str(error["operation"]), error_type(error.get("message")))
            tally = grouped.setdefault(key, ErrorTally(*key))
            tally.count += 1
            tally.origin_count += int(bool(error.get("origin")))
            if seen is not None:
                tally.first_seen = min(filter(None, (tally.first_seen, seen)))
                tally.last_seen = max(filter(None, (tally.last_seen, seen)))
            if len(tally.trace_ids) < 3 and trace["trace_id"] not in tally.trace_ids:
                tally.trace_ids.append(str(trace["trace_id"]))
    return list(grouped.values())


@dataclass(frozen=True)
class GapStats:
    caller: str
    callee: str
    count: int
    median_ms: float
    trace_ids: tuple[str, ...]


def call_gaps(traces: Iterable[Trace]) -> dict[tuple[str, str], GapStats]:
    """Per (caller, callee): how long client spans outlast the server spans they wrap."""
    gaps: dict[tuple[str, str], list[float]] = defaultdict(list)
    examples: dict[tuple[str, str], list[str]] = defaultdict(list)
    for trace in traces:
        spans = {s["span_id"]: s for s in trace.get("spans") or []}
        for span in spans.values():
            parent = spans.get(span.get("parent_span_id") or "")
            if parent is None or parent.get("kind") != CLIENT_KIND:
                continue
            if parent["service"] == span["service"]:
                continue
            key = (str(parent["service"]), str(span["service"]))
            gaps[key].append(max(float(parent["duration_ms"]) - float(span["duration_ms"]), 0.0))
            if len(examples[key]) < 3 and trace["trace_id"] not in examples[key]:
                examples[key].append(str(trace["trace_id"]))
    return {
        key: GapStats(key[0], key[1], len(values), statistics.median(values), tuple(examples[key]))
        for key, values in gaps.items()
    }
