"""Scoring the root-cause ranking against labelled faults: AC@k, as RCA papers report it.

For a fault (its root-cause service and time), the matching incident is the one that overlaps
the fault's window the most; the fault's rank is the position of its root-cause service among
that incident's candidates (``None`` when no incident matches or the service is not ranked).
AC@k is the share of faults ranked within the top k; Avg@k the mean of AC@1..AC@k.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from opslens.reports.models import Incident, Report
from opslens.scenarios.truth import GroundTruth

DEFAULT_SLACK = timedelta(minutes=10)


@dataclass(frozen=True)
class LabelledFault:
    name: str
    root_cause: str
    start: datetime
    end: datetime


def _overlap(incident: Incident, start: datetime, end: datetime) -> float:
    return (min(incident.end, end) - max(incident.start, start)).total_seconds()


def matching_incident(
    report: Report, fault: LabelledFault, slack: timedelta = DEFAULT_SLACK
) -> Incident | None:
    """The incident overlapping the fault's window (plus ``slack`` after it) the most."""
    end = fault.end + slack
    overlapping = [i for i in report.incidents if _overlap(i, fault.start, end) >= 0]
    return max(overlapping, key=lambda i: _overlap(i, fault.start, end), default=None)


def root_cause_rank(report: Report, fault: LabelledFault) -> int | None:
    incident = matching_incident(report, fault)
    if incident is None:
        return None
    ranked = [candidate.service for candidate in incident.candidates]
    return ranked.index(fault.root_cause) + 1 if fault.root_cause in ranked else None


def accuracy_at(ranks: Sequence[int | None], k: int) -> float:
    """AC@k: the share of faults whose root cause ranks within the top ``k``."""
    if not ranks:
        return 0.0
    return sum(1 for rank in ranks if rank is not None and rank <= k) / len(ranks)


def average_at(ranks: Sequence[int | None], k: int) -> float:
    """Avg@k: the mean of AC@1 to AC@k."""
    return sum(accuracy_at(ranks, i) for i in range(1, k + 1)) / k


def scenario_faults(truth: GroundTruth) -> list[LabelledFault]:
    """The faults a scenario injected, as labels."""
    return [
        LabelledFault(f"{truth.scenario}/{f.type}", f.root_cause_service, f.start, f.end)
        for f in truth.faults
    ]
