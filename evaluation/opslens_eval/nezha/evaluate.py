"""The report pipeline over each Nezha fault case, ranked against its label.

Each case is reported like an on-call engineer would ask right after the fault: the three
minutes after the injection, against the metrics of the minutes before and, for logs and
traces (only the fault minute exists), the fault-free reference minute. As in Nezha's own
evaluation, the window is known to hold a fault (``known_problem``, as an alert's investigation
runs); ``known_problem=False`` reports it as a scheduled report would, detectors first.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from datetime import timedelta

from opslens.reports.collect_periods import READS
from opslens.reports.models import Candidate, Report
from opslens.reports.pipeline import ReportClients, RunRequest, blames, run_report
from opslens.reports.settings import ReportSettings
from opslens_eval.nezha.importer import NezhaImport
from opslens_eval.nezha.labels import InnerLabels, inner_position
from opslens_eval.scoring import LabelledFault, matching_incident, root_cause_rank

CASE_WINDOW = timedelta(minutes=3)
BASELINE = "2h"
"""Metrics, and the trailing periods of logs and traces (the earlier fault minutes)."""


@dataclass(frozen=True)
class CaseResult:
    fault: LabelledFault
    rank: int | None
    report: Report
    seconds: float
    """Wall-clock time of the fault's report (collect, detect, rank)."""
    inner_label: str | None = None
    inner_rank: int | None = None
    """Position of the first evidence of the root-cause service naming the inner label."""

    @property
    def candidates(self) -> list[Candidate]:
        """The ranked services of the incident matched with the fault."""
        incident = matching_incident(self.report, self.fault)
        return incident.candidates if incident is not None else []


async def evaluate_cases(
    settings: ReportSettings,
    clients: ReportClients,
    imported: NezhaImport,
    labels: InnerLabels | None = None,
    known_problem: bool = True,
    cold: bool = False,
) -> list[CaseResult]:
    """Run one report per case; the settings' namespace must be the import's. With the
    inner-service ``labels``, each result also scores the fine-grained cause. ``cold``: forget
    what earlier cases read of their periods before each case, as if it were the first."""
    settings = settings.model_copy(update={"baseline": BASELINE})
    reference = imported.references[0] if imported.references else None
    results: list[CaseResult] = []
    for case in imported.cases:
        start = case.case.inject_time
        fault = LabelledFault(
            case.case.name, case.case.root_cause_service, start, start + CASE_WINDOW
        )
        request = RunRequest(
            window="3m",
            end=fault.end,
            reference=reference,
            known_problem=known_problem,
            blamed=tuple(blames(result.report for result in results)),
        )
        if cold:
            READS.pop(clients.clients["opensearch"], None)
        started = time.perf_counter()
        report = await run_report(settings, clients, request)
        seconds = time.perf_counter() - started
        result = CaseResult(fault, root_cause_rank(report, fault), report, seconds)
        label = (labels or {}).get(fault.root_cause, {}).get(case.case.fault_type)
        if label and result.rank is not None:
            evidence = result.candidates[result.rank - 1].evidence
            result = replace(result, inner_label=label, inner_rank=inner_position(label, evidence))
        elif label:
            result = replace(result, inner_label=label)
        results.append(result)
    return results
