"""The order of events inside each request, as Nezha mines it: which event follows which.

A trace is cut into segments, one per service visit: an entry span (the span that received the
request in that service) with the log lines written and the spans started under it in the same
service, ordered by time between a ``start`` and an ``end`` mark. A transition is a pair of
consecutive events of one segment, keyed like the per-request counts by service and entry
operation. Times are only compared within a segment (one process's clock); across services the
trace's structure orders them: what a callee did happened while its caller's call ran.

An exception or an altered return changes what follows what where it happens: a callee that
throws goes from a statement to its end (or to an error statement) instead of the next usual
statement. Its caller then changes too, but later: after the call returned. Walking each trace
in the order things happened (a segment's transitions, and before the transition that leaves a
call, the segments of that call), the first transition that is unusual in the period is where
the change started; the service owning it gets the trace's vote.

Example::

    roots, counts = segments(traces, timed_events)
    first = first_divergence(roots[0], {("payment", "POST /pay", "log:3", "end")})
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC
from itertools import pairwise
from typing import Any

from opslens.reports.times import parse_iso
from opslens.reports.trace_analysis import Trace

START = "start"
END = "end"
CALL_EVENT = "call:"
TransitionKey = tuple[str, str, str, str]
"""(service, entry operation, event, next event); events as in the per-request counts, or
:data:`START` / :data:`END`."""
TimedEvent = tuple[float, str]
"""(epoch seconds, event)."""


@dataclass
class Segment:
    """One service's part of one trace: its events in time order and, per event index, the
    segments of the calls that event made into other services."""

    service: str
    operation: str
    events: list[str] = field(default_factory=list)
    calls: dict[int, list[Segment]] = field(default_factory=dict)

    def transitions(self) -> list[tuple[str, str]]:
        """Its consecutive events between the marks; none for a visit that recorded no event
        (its lines were not sampled, or it ran nothing worth a line or a span): an absent
        record says nothing of the order of what ran."""
        if not self.events:
            return []
        marked = [START, *self.events, END]
        return list(pairwise(marked))


@dataclass(frozen=True)
class Divergence:
    """The first unusual transition of a trace: where, and between which two events."""

    service: str
    operation: str
    before: str
    after: str


def instant(value: object) -> float | None:
    """Epoch seconds of a time given as a number or an ISO-8601 text (naive means UTC)."""
    if isinstance(value, int | float):
        return float(value)
    parsed = parse_iso(value) if isinstance(value, str) else None
    if parsed is None:
        return None
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).timestamp()


def segments(
    traces: Iterable[Trace],
    entries: Mapping[str, dict[str, Any]],
    span_events: Mapping[str, Sequence[TimedEvent]],
    event_of_span: Mapping[str, str],
) -> tuple[list[Segment], Counter[TransitionKey]]:
    """Each trace's root segments (the visits no traced caller made) and the transitions of
    every segment. ``entries`` maps a span id to its entry span; ``span_events`` the timed
    events written under a span id (its log lines); ``event_of_span`` the event of a span that
    is not an entry (its operation). Spans without a readable start are left out."""
    roots: list[Segment] = []
    counts: Counter[TransitionKey] = Counter()
    for trace in traces:
        spans = trace.get("spans") or []
        by_id = {str(s["span_id"]): s for s in spans}
        made: dict[str, Segment] = {}
        # per entry span: (time, order read, event, span whose calls the event made)
        timed: dict[str, list[tuple[float, int, str, str]]] = {}
        callees: dict[str, list[str]] = {}
        for order, span in enumerate(spans):
            span_id = str(span["span_id"])
            entry = entries[span_id]
            entry_id = str(entry["span_id"])
            if entry_id not in made:
                made[entry_id] = Segment(str(entry["service"]), str(entry["operation"]))
            items = timed.setdefault(entry_id, [])
            items += [(at, order, event, "") for at, event in span_events.get(span_id, ())]
            start = instant(span.get("start"))
            parent = by_id.get(str(span.get("parent_span_id") or ""))
            if entry is not span:
                if start is not None and span_id in event_of_span:
                    items.append((start, order, event_of_span[span_id], span_id))
            elif parent is None:
                roots.append(made[entry_id])
            elif entries[str(parent["span_id"])] is parent:
                # called straight from the caller's entry span: the call is an event of its own
                if start is not None:
                    caller = timed.setdefault(str(parent["span_id"]), [])
                    caller.append((start, order, f"{CALL_EVENT}{span['service']}", span_id))
                    callees.setdefault(span_id, []).append(entry_id)
            else:
                callees.setdefault(str(parent["span_id"]), []).append(entry_id)
        for entry_id, items in timed.items():
            segment = made.get(entry_id)
            if segment is None:
                continue
            for index, (_, _, event, span_id) in enumerate(sorted(items)):
                segment.events.append(event)
                called = [made[c] for c in callees.get(span_id, ()) if c in made]
                if called:
                    segment.calls[index] = called
            for before, after in segment.transitions():
                counts[(segment.service, segment.operation, before, after)] += 1
    return roots, counts


def first_divergence(segment: Segment, unusual: Collection[TransitionKey]) -> Divergence | None:
    """The first unusual transition in the order things happened: a segment's transitions in
    turn, and before the transition that leaves an event, the segments that event called."""
    for index, (before, after) in enumerate(segment.transitions()):
        for callee in segment.calls.get(index - 1, ()):
            if (found := first_divergence(callee, unusual)) is not None:
                return found
        if (segment.service, segment.operation, before, after) in unusual:
            return Divergence(segment.service, segment.operation, before, after)
    return None


def votes(roots: Iterable[Segment], unusual: Collection[TransitionKey]) -> Counter[Divergence]:
    """Per first divergence, how many traces it began."""
    found: Counter[Divergence] = Counter()
    for root in roots:
        if (first := first_divergence(root, unusual)) is not None:
            found[first] += 1
    return found
