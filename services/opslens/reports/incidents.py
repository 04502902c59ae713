"""Incidents: anomalies that overlap in time, grouped.

Anomalies are swept in order of their start; one joins the current group when it starts before
the group ends plus ``slack`` (a rate over five minutes lags its cause by a few minutes, so
signals of one failure rarely start at the very same sample). Findings that only describe the
present (a pod crash-looping now) carry the window's end as their time and join whatever is
still going on then.

A group becomes an incident only when something in it measures impact (errors, latency,
saturation, restarts, a cluster finding). New log templates and new error types say what is
different, not that anything suffers: alone, they are the rare messages every service logs
now and then, and they make no incident; with an impact, they explain it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from opslens.reports.models import Anomaly, Incident

DEFAULT_SLACK = timedelta(minutes=5)
EXPLANATORY_KINDS = frozenset({"new_log_template", "new_error_type", "call_gap"})


def group_anomalies(
    anomalies: Sequence[Anomaly], slack: timedelta = DEFAULT_SLACK
) -> list[list[Anomaly]]:
    """Anomalies in groups that overlap in time (each group sorted by start)."""
    groups: list[list[Anomaly]] = []
    group_end = None
    for anomaly in sorted(anomalies, key=lambda a: (a.start, a.end, a.id)):
        if groups and group_end is not None and anomaly.start <= group_end + slack:
            groups[-1].append(anomaly)
            group_end = max(group_end, anomaly.end)
        else:
            groups.append([anomaly])
            group_end = anomaly.end
    return groups


def has_impact(members: list[Anomaly]) -> bool:
    """Whether a group holds an anomaly that measures impact (not only explanations)."""
    return any(anomaly.kind not in EXPLANATORY_KINDS for anomaly in members)


def build_incident(members: list[Anomaly]) -> Incident:
    """An incident of ``members``, not yet ranked."""
    start = min(a.start for a in members)
    end = max(a.end for a in members)
    services = sorted({a.service for a in members if a.service})
    return Incident(
        id=Anomaly.make_id("incident", start.isoformat(), *services),
        start=start,
        end=end,
        services=services,
        anomalies=sorted(members, key=lambda a: (-a.score, a.start, a.id)),
        candidates=[],
    )
