"""The report pipeline over each Nezha fault case, ranked against its label.

Each case is reported like an on-call engineer would ask right after the fault: the three
minutes after the injection, against the metrics of the minutes before and, for logs and
traces (only the fault minute exists), the fault-free reference minute.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from opslens.reports.models import Report
from opslens.reports.pipeline import ReportClients, RunRequest, run_report
from opslens.reports.settings import ReportSettings
from opslens_eval.nezha.importer import NezhaImport
from opslens_eval.scoring import LabelledFault, root_cause_rank

CASE_WINDOW = timedelta(minutes=3)
METRIC_BASELINE = "15m"


@dataclass(frozen=True)
class CaseResult:
    fault: LabelledFault
    rank: int | None
    report: Report


async def evaluate_cases(
    settings: ReportSettings, clients: ReportClients, imported: NezhaImport
) -> list[CaseResult]:
    """Run one report per case; the settings' namespace must be the import's."""
    settings = settings.model_copy(update={"baseline": METRIC_BASELINE})
    reference = imported.references[0] if imported.references else None
    results = []
    for case in imported.cases:
        start = case.case.inject_time
        fault = LabelledFault(
            case.case.name, case.case.root_cause_service, start, start + CASE_WINDOW
        )
        request = RunRequest(window="3m", end=fault.end, reference=reference)
        report = await run_report(settings, clients, request)
        results.append(CaseResult(fault, root_cause_rank(report, fault), report))
    return results
