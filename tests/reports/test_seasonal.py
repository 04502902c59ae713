"""The seasonal baseline on real Prometheus history: a daily rush that a trailing baseline
would call anomalous is normal against the same hour of earlier days, while today's burst of
errors still stands out."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from opslens.reports.models import Report
from opslens.reports.pipeline import ReportClients, RunRequest, run_report
from opslens_eval.seasonal import NAMESPACE, SERVICE
from opslens_eval.testbed import NEZHA_PREFIX, ReportBackends

# The session fixture seeds every scenario and the Nezha data first: minutes, not seconds.
pytestmark = pytest.mark.timeout(5400)


async def seasonal_report(backends: ReportBackends, store: Path, seasonal_days: int) -> Report:
    assert backends.seasonal is not None
    settings = backends.settings(NEZHA_PREFIX, NAMESPACE, store, seasonal_days=seasonal_days)
    end = datetime.fromtimestamp(backends.seasonal.end, UTC)
    async with ReportClients.from_settings(settings) as clients:
        return await run_report(settings, clients, RunRequest(window="1h", end=end))


def kinds(report: Report) -> set[str]:
    return {a.kind for i in report.incidents for a in i.anomalies if a.service == SERVICE}


async def test_daily_rush_is_normal_and_todays_burst_is_not(
    report_backends: ReportBackends, tmp_path: Path
) -> None:
    history = report_backends.seasonal
    assert history is not None
    seasonal = await seasonal_report(report_backends, tmp_path / "r.sqlite", seasonal_days=3)
    assert seasonal.signals["metrics"].baseline_mode == "seasonal"
    assert "request_rate" not in kinds(seasonal)
    errors = [
        a
        for i in seasonal.incidents
        for a in i.anomalies
        if a.service == SERVICE and a.kind == "error_ratio"
    ]
    assert errors and all(a.baseline_mode == "seasonal" for a in errors)
    burst = (history.burst_start, history.burst_end)
    assert any(a.start.timestamp() <= burst[1] and a.end.timestamp() >= burst[0] for a in errors)
    # Without earlier days, the same rush is measured against the quiet hours before it.
    trailing = await seasonal_report(report_backends, tmp_path / "r.sqlite", seasonal_days=0)
    assert trailing.signals["metrics"].baseline_mode == "trailing"
    assert "request_rate" in kinds(trailing)
