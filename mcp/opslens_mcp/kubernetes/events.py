"""core/v1 Events merged per (object, reason), newest first (pure functions).

The kubelet and controllers already fold repeats into ``count``; different Event objects for the
same object and reason remain (one per pod restart, per series...). Merging them answers "what
keeps happening to what" in a few lines.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from opslens_mcp.kubernetes.models import EventGroup, ObjectRef
from opslens_mcp.kubernetes.pod_status import Json, metadata
from opslens_mcp.kubernetes.timeparse import parse_timestamp


def event_times(event: Json) -> tuple[dt.datetime | None, dt.datetime | None]:
    """(first, last) time of an event, from whichever of its time fields are set."""
    series = event.get("series") or {}
    last = (
        parse_timestamp(series.get("lastObservedTime"))
        or parse_timestamp(event.get("lastTimestamp"))
        or parse_timestamp(event.get("eventTime"))
        or parse_timestamp(metadata(event).get("creationTimestamp"))
    )
    first = (
        parse_timestamp(event.get("firstTimestamp"))
        or parse_timestamp(event.get("eventTime"))
        or last
    )
    return first, last


def event_count(event: Json) -> int:
    series = event.get("series") or {}
    return int(series.get("count") or event.get("count") or 1)


def involved(event: Json) -> ObjectRef:
    obj = event.get("involvedObject") or event.get("regarding") or {}
    return ObjectRef(
        kind=str(obj.get("kind") or ""),
        name=str(obj.get("name") or ""),
        namespace=obj.get("namespace") or metadata(event).get("namespace"),
    )


def _source(event: Json) -> str | None:
    source = event.get("source") or {}
    component = source.get("component") or event.get("reportingComponent")
    host = source.get("host") or event.get("reportingInstance")
    parts = [str(p) for p in (component, host) if p]
    return " on ".join(parts) or None


def group_events(
    events: Iterable[Json], *, since: dt.datetime | None = None, until: dt.datetime | None = None
) -> list[EventGroup]:
    """Merge events by (object, reason), keep those last seen in [since, until], newest first."""
    groups: dict[tuple[str, str, str, str], EventGroup] = {}
    for event in events:
        first, last = event_times(event)
        if since and (last is None or last < since):
            continue
        if until and last is not None and last > until:
            continue
        ref = involved(event)
        key = (ref.kind, ref.namespace or "", ref.name, str(event.get("reason") or ""))
        found = groups.get(key)
        if found is None:
            groups[key] = EventGroup(
                object=ref,
                reason=key[3],
                type=str(event.get("type") or "Normal"),
                message=str(event.get("message") or event.get("note") or "").strip(),
                count=event_count(event),
                first_seen=first,
                last_seen=last,
                source=_source(event),
            )
            continue
        found.count += event_count(event)
        if first and (found.first_seen is None or first < found.first_seen):
            found.first_seen = first
        if last and (found.last_seen is None or last >= found.last_seen):
            found.last_seen = last
            found.message = str(event.get("message") or "").strip()
            found.type = str(event.get("type") or found.type)
    epoch = dt.datetime.min.replace(tzinfo=dt.UTC)
    return sorted(groups.values(), key=lambda g: g.last_seen or epoch, reverse=True)
