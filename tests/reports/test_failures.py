"""A report still comes out when the MCP servers cannot be reached, saying what is missing."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from opslens.devstack.process import free_port
from opslens.reports.pipeline import ReportClients, RunRequest, run_report
from opslens.reports.render_md import render_markdown
from opslens.reports.settings import ReportSettings


async def test_unreachable_servers_give_an_empty_report_with_the_failures(tmp_path: Path) -> None:
    nowhere = {name: f"http://127.0.0.1:{free_port()}" for name in ("p", "o", "k")}
    settings = ReportSettings(
        prometheus_url=nowhere["p"],
        opensearch_url=nowhere["o"],
        kubernetes_url=nowhere["k"],
        store_path=str(tmp_path / "r.sqlite"),
        tool_timeout_s=2,
        seasonal_days=0,
    )
    end = datetime(2026, 11, 26, 1, 0, tzinfo=UTC)
    async with ReportClients.from_settings(settings) as clients:
        report = await run_report(settings, clients, RunRequest(window="1h", end=end))
    assert report.incidents == []
    for signal in ("metrics", "logs", "traces", "kubernetes"):
        status = report.signals[signal]
        assert status.calls > 0
        assert status.failures and all("unreachable" in f for f in status.failures)
    text = render_markdown(report)
    assert "prometheus.query_range: prometheus server unreachable" in text
