"""One backend down: the agent still answers from the rest and says what is missing; the
``ask`` tool answers over plain JSON-RPC too."""

from __future__ import annotations

import httpx
import pytest

from opslens.agent.service import create_agent_app
from opslens.devstack.asgi import serve
from opslens.devstack.process import free_port
from opslens.scenarios.truth import GroundTruth
from tests.conftest import DemoServers, demo_agent_settings

pytestmark = pytest.mark.integration

QUESTION = "order-service의 에러 로그와 관련된 트레이스를 찾아서 분석해줘"


def test_prometheus_down_still_answers(demo_servers: DemoServers, seeded_demo: GroundTruth) -> None:
    closed = f"http://127.0.0.1:{free_port()}"
    settings = demo_agent_settings(demo_servers, prometheus_url=closed, tool_timeout_s=5)
    with serve(create_agent_app(settings)) as url:
        body = httpx.post(
            f"{url}/v1/ask",
            json={"question": QUESTION, "now": seeded_demo.now.isoformat()},
            timeout=120,
        ).json()
    fault = seeded_demo.fault("dependency_down")
    assert body["correlation"]["root_cause"] == fault.root_cause_service
    assert any("prometheus" in item for item in body["missing"])
    failed = [q for q in body["queries"] if not q["ok"]]
    assert failed and all(q["backend"] == "prometheus" for q in failed)
    # Said once, last, in Korean: which reads failed, and why.
    last = body["answer"].splitlines()[-1]
    assert last.startswith("조회 실패: ") and body["answer"].count("조회 실패") == 1
    assert f"{fault.root_cause_service}의 에러율 (prometheus)" in last


def test_prometheus_down_the_anomaly_check_still_finds_the_outage(
    demo_servers: DemoServers, seeded_demo: GroundTruth
) -> None:
    closed = f"http://127.0.0.1:{free_port()}"
    settings = demo_agent_settings(demo_servers, prometheus_url=closed, tool_timeout_s=5)
    fault = seeded_demo.fault("dependency_down")
    now = fault.end  # log and span buckets are coarser than metrics: the whole outage
    with serve(create_agent_app(settings)) as url:
        body = httpx.post(
            f"{url}/v1/ask",
            json={"question": "지금 이상 징후 있어?", "now": now.isoformat()},
            timeout=120,
        ).json()
    assert body["incidents"][0]["root_cause"] == fault.root_cause_service  # logs and traces
    assert any(item.startswith("metrics") for item in body["missing"])
    failed = [q for q in body["queries"] if not q["ok"]]
    assert failed and all(q["backend"] == "prometheus" for q in failed)
    assert "조회 실패" in body["answer"]


def test_ask_tool_over_json_rpc(agent_url: str, seeded_demo: GroundTruth) -> None:
    call = {
        "jsonrpc": "2.0",
        "method": "ask",
        "params": {"question": QUESTION, "now": seeded_demo.now.isoformat()},
        "id": 1,
    }
    body = httpx.post(f"{agent_url}/rpc", json=call, timeout=120).json()
    result = body["result"]
    assert result["language"] == "ko"
    assert (
        result["correlation"]["root_cause"]
        == seeded_demo.fault("dependency_down").root_cause_service
    )
    assert result["queries"]
