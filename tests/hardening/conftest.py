"""The demo stack with every server the product has: the three MCP servers (from the session
fixtures), a reports server over them and an agent that reaches all four."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

from opslens.agent.service import create_agent_app
from opslens.devstack.asgi import serve
from opslens.reports.settings import ReportSettings
from opslens.reports_server import create_service as create_reports_service
from opslens.rpc_client import RpcClient
from opslens.scenarios.truth import GroundTruth
from opslens_mcp.core.app import create_app
from opslens_mcp.core.settings import ServerSettings
from tests.conftest import DemoServers, demo_agent_settings

REPORT_TIMEOUT_S = 300.0


@pytest.fixture(scope="session")
def demo_reports_url(
    demo_servers: DemoServers, seeded_demo: GroundTruth, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A reports server over the demo servers (no schedules), holding one report."""
    settings = ReportSettings(
        opensearch_url=demo_servers.opensearch,
        prometheus_url=demo_servers.prometheus,
        kubernetes_url=demo_servers.kubernetes,
        namespaces=[seeded_demo.namespace],
        store_path=str(tmp_path_factory.mktemp("hardening-reports") / "reports.sqlite"),
        schedules=[],
    )
    service = create_reports_service(settings, scheduler=False)
    with serve(create_app(service, ServerSettings(call_timeout_s=REPORT_TIMEOUT_S))) as url:
        yield url


@pytest.fixture(scope="session")
def demo_report_id(demo_reports_url: str, seeded_demo: GroundTruth) -> str:
    """The id of a report over the last hour of the demo, stored by the reports server."""

    params = {"window": "1h", "end": seeded_demo.now.isoformat()}

    async def run() -> str:
        async with RpcClient(demo_reports_url, name="reports", timeout_s=REPORT_TIMEOUT_S) as rpc:
            result = await rpc.call("run_report", params)
        return str(result["report_id"])

    return asyncio.run(run())


@pytest.fixture(scope="session")
def full_agent_url(demo_servers: DemoServers, demo_reports_url: str) -> Iterator[str]:
    """An agent over the demo servers and the reports server, without an LLM."""
    settings = demo_agent_settings(demo_servers, reports_url=demo_reports_url)
    with serve(create_agent_app(settings)) as url:
        yield url
