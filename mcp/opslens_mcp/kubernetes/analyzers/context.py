"""What every analyzer reads besides the objects: the time window and its events."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cached_property

from opslens_mcp.kubernetes.models import Analyzer, EventGroup, Finding, ObjectRef, Severity
from opslens_mcp.kubernetes.pod_status import Json

MAX_EVENTS_PER_FINDING = 5
SEVERITY_ORDER: dict[Severity, int] = {"critical": 0, "warning": 1, "info": 2}


@dataclass(frozen=True)
class Context:
    """When "now" is, how far back past failures count, and the events of that window."""

    now: dt.datetime
    since: dt.datetime
    events: list[EventGroup] = field(default_factory=list)
    pending_grace: dt.timedelta = dt.timedelta(minutes=5)

    @cached_property
    def _events_by_object(self) -> dict[tuple[str, str | None, str], list[EventGroup]]:
        index: dict[tuple[str, str | None, str], list[EventGroup]] = defaultdict(list)
        for group in self.events:  # newest first already; warnings first, stably
            index[(group.object.kind, group.object.namespace, group.object.name)].append(group)
        for groups in index.values():
            groups.sort(key=lambda g: g.type != "Warning")
        return index

    def events_for(self, ref: ObjectRef) -> list[EventGroup]:
        """The object's events, warnings first, newest first within each type."""
        found = self._events_by_object.get((ref.kind, ref.namespace, ref.name), [])
        return found[:MAX_EVENTS_PER_FINDING]

    def in_window(self, moment: dt.datetime | None) -> bool:
        return moment is not None and self.since <= moment <= self.now

    def finding(
        self,
        analyzer: Analyzer,
        problem: str,
        severity: Severity,
        ref: ObjectRef,
        explanation: str,
        evidence: list[str],
        container: str | None = None,
    ) -> Finding:
        """A finding about ``ref`` with the object's events of the window attached."""
        return Finding(
            analyzer=analyzer,
            problem=problem,
            severity=severity,
            object=ref,
            container=container,
            explanation=explanation,
            evidence=evidence,
            events=self.events_for(ref),
        )


@dataclass
class Snapshot:
    """The objects one diagnosis looks at."""

    pods: list[Json] = field(default_factory=list)
    deployments: list[Json] = field(default_factory=list)
    nodes: list[Json] = field(default_factory=list)
    services: list[Json] = field(default_factory=list)
    endpoints: list[Json] = field(default_factory=list)
    pvcs: list[Json] = field(default_factory=list)


def sort_findings(findings: list[Finding]) -> list[Finding]:
    """Most severe first, then by namespace, kind and name."""
    return sorted(
        findings,
        key=lambda f: (
            SEVERITY_ORDER[f.severity],
            f.object.namespace or "",
            f.object.kind,
            f.object.name,
            f.container or "",
            f.problem,
        ),
    )
