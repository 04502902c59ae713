"""Reports over every shipped scenario in the real backends: each injected fault is an
incident whose first-ranked cause is the fault's root-cause service (from the scenario's ground
truth), and the healthy scenarios raise no incident at all."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
import pytest_asyncio

from opslens.reports.models import Report
from opslens.reports.pipeline import ReportClients, RunRequest, run_report
from opslens.scenarios.model import load_scenario
from opslens.scenarios.seed import SCENARIOS_DIR
from opslens_eval.scoring import (
    accuracy_at,
    matching_incident,
    root_cause_rank,
    scenario_faults,
)
from opslens_eval.testbed import ReportBackends

# The session fixture seeds every scenario and the Nezha data first: minutes, not seconds.
pytestmark = pytest.mark.timeout(5400)

SHIPPED = {path.stem: load_scenario(path) for path in sorted(SCENARIOS_DIR.glob("*.yaml"))}
FAULTY = sorted(name for name, spec in SHIPPED.items() if spec.faults)
HEALTHY = sorted(name for name, spec in SHIPPED.items() if not spec.faults)


async def report_of(
    backends: ReportBackends, name: str, store: Path, window: str, end_before: timedelta
) -> Report:
    truth = backends.scenarios[name].truth
    settings = backends.scenario_settings(name, store)
    async with ReportClients.from_settings(settings) as clients:
        request = RunRequest(window=window, end=truth.now - end_before)
        return await run_report(settings, clients, request)


@pytest_asyncio.fixture(scope="session")
async def history_reports(
    report_backends: ReportBackends, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Report]:
    """One report per scenario over its whole history (6 hours for the shop, 3 for travel)."""
    store = tmp_path_factory.mktemp("reports") / "reports.sqlite"
    return {
        name: await report_of(report_backends, name, store, SHIPPED[name].history, timedelta())
        for name in SHIPPED
    }


@pytest.mark.parametrize("name", FAULTY)
def test_every_fault_is_an_incident_with_its_root_cause_first(
    name: str, report_backends: ReportBackends, history_reports: dict[str, Report]
) -> None:
    report = history_reports[name]
    for fault in scenario_faults(report_backends.scenarios[name].truth):
        incident = matching_incident(report, fault)
        assert incident is not None, f"{fault.name}: no incident around {fault.start:%H:%M}"
        ranked = [c.service for c in incident.candidates]
        assert ranked[0] == fault.root_cause, f"{fault.name}: ranked {ranked}"
        # The incident is about this fault: it starts within minutes of the injection.
        assert abs(incident.start - fault.start) < timedelta(minutes=15)


@pytest.mark.parametrize("name", HEALTHY)
async def test_healthy_scenarios_raise_no_incident(
    name: str,
    report_backends: ReportBackends,
    history_reports: dict[str, Report],
    tmp_path: Path,
) -> None:
    whole = history_reports[name]
    assert whole.incidents == [], [i.candidates[0].service for i in whole.incidents]
    for hours_before_end in (0, 1, 2):  # the hourly reports of the last hours, trailing baseline
        hourly = await report_of(
            report_backends, name, tmp_path / "r.sqlite", "1h", timedelta(hours=hours_before_end)
        )
        assert hourly.incidents == [], (hours_before_end, [i.root_cause for i in hourly.incidents])


def test_root_cause_accuracy_over_all_scenario_faults(
    report_backends: ReportBackends, history_reports: dict[str, Report]
) -> None:
    ranks = [
        root_cause_rank(history_reports[name], fault)
        for name in FAULTY
        for fault in scenario_faults(report_backends.scenarios[name].truth)
    ]
    ac1, ac3 = accuracy_at(ranks, 1), accuracy_at(ranks, 3)
    print(f"\nscenario faults: {len(ranks)}  AC@1 {ac1:.2f}  AC@3 {ac3:.2f}  ranks {ranks}")
    assert len(ranks) == sum(len(SHIPPED[name].faults) for name in FAULTY)
    assert ac1 == 1.0 and ac3 == 1.0
