"""The reports server over real HTTP (JSON-RPC tools) and the ``report`` CLI, on the seeded
default demo: what they return is checked against the scenario's ground truth."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from opslens.devstack.asgi import serve
from opslens.reports.cli import app as report_cli
from opslens.reports_server import create_service
from opslens.rpc_client import RpcClient, RpcError
from opslens_eval.scoring import scenario_faults
from opslens_eval.testbed import ReportBackends
from opslens_mcp.core.app import create_app
from opslens_mcp.core.settings import ServerSettings

# The session fixture seeds every scenario and the Nezha data first: minutes, not seconds.
pytestmark = pytest.mark.timeout(5400)

DEMO = "checkout-incident"


@pytest.fixture(scope="module")
def reports_url(
    report_backends: ReportBackends, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    store = tmp_path_factory.mktemp("reports-server") / "reports.sqlite"
    settings = report_backends.scenario_settings(DEMO, store)
    service = create_service(settings, scheduler=False)
    with serve(create_app(service, ServerSettings(call_timeout_s=300))) as url:
        yield url


async def test_run_list_and_get_a_report(reports_url: str, report_backends: ReportBackends) -> None:
    truth = report_backends.scenarios[DEMO].truth
    expected = {fault.root_cause for fault in scenario_faults(truth)}
    async with RpcClient(reports_url, name="reports", timeout_s=300) as reports:
        run = await reports.call(
            "run_report",
            {
                "window": "6h",
                "end": truth.now.isoformat(),
                "format": "html",
                "max_chars": 2_000_000,
            },
        )
        assert {i["root_cause"] for i in run["incidents"]} == expected
        assert all(i["queries"] for i in run["incidents"])
        assert run["content"].startswith("<!DOCTYPE html>") and not run["truncated"]
        korean = await reports.call(
            "run_report",
            {"window": "6h", "end": truth.now.isoformat(), "language": "ko", "save": False},
        )
        assert "가장 유력한 근본 원인" in korean["summary"]
        listed = await reports.call("list_reports", {"limit": 10})
        assert listed["total"] == 1 and not listed["has_more"]  # save=False kept nothing
        assert listed["reports"][0]["id"] == run["report_id"]
        assert set(listed["reports"][0]["root_causes"]) == expected
        markdown = await reports.call(
            "get_report", {"report_id": run["report_id"], "format": "markdown", "max_chars": 2000}
        )
        assert markdown["truncated"] and len(markdown["content"]) == 2000
        assert markdown["content"].startswith("# opslens anomaly report")
        with pytest.raises(RpcError) as unknown:
            await reports.call("get_report", {"report_id": "no-such-report"})
        assert unknown.value.code == -32602
        with pytest.raises(RpcError) as bad_window:
            await reports.call("run_report", {"window": "an hour"})
        assert bad_window.value.code == -32602


def test_cli_runs_a_report(
    report_backends: ReportBackends, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    truth = report_backends.scenarios[DEMO].truth
    settings = report_backends.scenario_settings(DEMO, tmp_path / "cli.sqlite")
    for name in ("prometheus_url", "opensearch_url", "kubernetes_url", "store_path"):
        monkeypatch.setenv(f"OPSLENS_REPORTS_{name.upper()}", str(getattr(settings, name)))
    monkeypatch.setenv("OPSLENS_REPORTS_NAMESPACES", f'["{truth.namespace}"]')
    output = tmp_path / "report.md"
    result = CliRunner().invoke(
        report_cli,
        [
            "run",
            "--window",
            "6h",
            "--end",
            truth.now.isoformat(),
            "--format",
            "md",
            "--output",
            str(output),
        ],
    )
    assert result.exit_code == 0, result.output
    text = output.read_text(encoding="utf-8")
    for fault in scenario_faults(truth):
        assert f"**Most likely root cause: {fault.root_cause}**" in text
    listed = CliRunner().invoke(report_cli, ["list"])
    assert listed.exit_code == 0 and "incident(s)" in listed.output


async def test_the_served_scheduler_makes_scheduled_reports(
    report_backends: ReportBackends, tmp_path: Path
) -> None:
    every_ten_seconds = {"name": "fast", "cron": "*/10 * * * * *", "window": "1h"}
    settings = report_backends.scenario_settings(
        DEMO, tmp_path / "scheduled.sqlite", schedules=[every_ten_seconds]
    )
    with serve(create_app(create_service(settings), ServerSettings(call_timeout_s=300))) as url:
        async with RpcClient(url, name="reports", timeout_s=60) as reports:
            listed: dict[str, Any] = {"reports": []}
            deadline = time.monotonic() + 240
            while not listed["reports"] and time.monotonic() < deadline:
                await asyncio.sleep(2)
                listed = await reports.call("list_reports", {"schedule": "fast"})
    assert listed["reports"], "no scheduled report within 4 minutes"
    made = listed["reports"][0]
    start = datetime.fromisoformat(made["window_start"])
    end = datetime.fromisoformat(made["window_end"])
    assert end - start == timedelta(hours=1)
    assert end.second % 10 == 0 and end.microsecond == 0  # the cron slot, not the run's clock
