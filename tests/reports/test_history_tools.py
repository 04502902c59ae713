"""``list_reports`` and ``get_report`` over real HTTP on a store holding known reports, in the
formats the agent and the UI ask for (no backend needed: nothing is run)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from opslens.devstack.asgi import serve
from opslens.devstack.process import free_port
from opslens.reports.incidents import build_incident
from opslens.reports.rootcause.ranking import rank_candidates
from opslens.reports.settings import ReportSettings
from opslens.reports.store import open_store
from opslens.reports_server import create_service
from opslens.rpc_client import RpcClient, RpcError
from opslens_mcp.core.app import create_app
from opslens_mcp.core.settings import ServerSettings
from tests.reports.factories import T0, anomaly, report


def stored_reports(path: Path) -> list[str]:
    store = open_store(str(path))
    ids = []
    for hour, language in enumerate(("en", "ko", "en")):
        incident = build_incident([anomaly("payment-service", "error_ratio", 0, 20)])
        incident.candidates = rank_candidates(incident.anomalies, set())
        made = report(
            id=f"hourly-{hour}",
            schedule="hourly",
            language=language,
            incidents=[incident],
            created_at=T0 + timedelta(hours=hour),
            summary=f"summary {hour}",
        )
        store.save(made)
        ids.append(made.id)
    return ids


async def test_list_and_get_stored_reports(tmp_path: Path) -> None:
    ids = stored_reports(tmp_path / "r.sqlite")
    nowhere = f"http://127.0.0.1:{free_port()}"
    settings = ReportSettings(
        prometheus_url=nowhere,
        opensearch_url=nowhere,
        kubernetes_url=nowhere,
        store_path=str(tmp_path / "r.sqlite"),
        schedules=[],
    )
    with serve(create_app(create_service(settings), ServerSettings())) as url:
        async with RpcClient(url, name="reports") as reports:
            page = await reports.call("list_reports", {"limit": 2})
            assert [r["id"] for r in page["reports"]] == [ids[2], ids[1]]  # newest first
            assert page["total"] == 3 and page["has_more"]
            korean = page["reports"][1]
            assert korean["language"] == "ko" and "인시던트 1건" in korean["title"]
            assert korean["root_causes"] == ["payment-service"]
            for form, start in (("md", "# opslens"), ("html", "<!DOCTYPE html>"), ("json", "{")):
                got = await reports.call(
                    "get_report", {"report_id": ids[1], "format": form, "max_chars": 500_000}
                )
                assert got["content"].startswith(start) and not got["truncated"]
            brief = await reports.call("get_report", {"report_id": ids[0], "format": "summary"})
            assert brief["content"] is None and brief["summary"] == "summary 0"
            assert brief["incidents"][0]["root_cause"] == "payment-service"
            with pytest.raises(RpcError) as missing:
                await reports.call("get_report", {"report_id": "nope"})
            assert missing.value.code == -32602
