"""The agent with Prometheus stopped (SIGSTOP): it answers within its budget from the logs,
traces and pods, names what is missing, and gets full evidence again once Prometheus resumes.

tests/agent covers Prometheus' server being gone (connection refused, fast); a stopped
backend is the case that hangs naive code: connections are accepted and never answered.
Prometheus here is this module's own, holding the demo scenario's metrics, behind a server
whose backend timeout (30 s) is far longer than the agent's: only the agent can end the wait,
with its tool timeout for one call and its question budget for a question that would wait in
several rounds. The demo's OpenSearch and Kubernetes servers are
shared and left alone.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import datetime
from typing import Any

import httpx
import pytest

from opslens.agent.service import create_agent_app
from opslens.devstack.asgi import serve
from opslens.devstack.process import free_port
from opslens.devstack.prometheus import PrometheusBackend
from opslens.scenarios.seed import scenario_path, seed_scenario
from opslens.scenarios.truth import GroundTruth
from opslens_mcp.core.app import create_app
from opslens_mcp.core.health import READINESS_TIMEOUT_S
from opslens_mcp.core.settings import ServerSettings
from opslens_mcp.prometheus.server import create_service
from opslens_mcp.prometheus.settings import PrometheusSettings
from tests.conftest import DemoServers, demo_agent_settings
from tests.faults.faults import TIMER_SLACK_S, paused, readyz

pytestmark = pytest.mark.integration
QUESTION = "order-service의 에러 로그와 관련된 트레이스를 찾아서 분석해줘"
TOOL_TIMEOUT_S = 4.0  # the agent's budget per tool call
# The budget of all of one question's calls, where a test sets one: three tool timeouts, and
# room for the healthy anomaly question (41 calls) on a busy two-core machine.
QUESTION_BUDGET_S = 12.0
SERVER_TIMEOUT_S = 30.0  # the Prometheus server's own backend timeout
STATUS_PROBE_S = 3.0  # the agent's /v1/status probe of each server
# The agent's answer does more than wait (planning, OpenSearch, correlation) on a shared
# two-core machine: the pause may add one tool timeout, plus this.
MARGIN_S = 5.0


@pytest.fixture(scope="module")
def prometheus(
    tmp_path_factory: pytest.TempPathFactory, seeded_demo: GroundTruth
) -> Iterator[PrometheusBackend]:
    """A Prometheus of this module's own with the demo's metrics (the scenario at its `now`)."""
    backend = PrometheusBackend(tmp_path_factory.mktemp("faults-agent-prometheus"), free_port())
    seed_scenario(
        scenario_path(),
        now=seeded_demo.now.isoformat(),
        metrics=backend,
        out_dir=tmp_path_factory.mktemp("faults-agent-scenario"),
    )
    backend.start()
    try:
        yield backend
    finally:
        backend.stop()


@pytest.fixture(scope="module")
def prometheus_server(prometheus: PrometheusBackend) -> Iterator[str]:
    settings = PrometheusSettings(url=prometheus.url, timeout_s=SERVER_TIMEOUT_S)
    with serve(create_app(create_service(settings), ServerSettings(call_timeout_s=60))) as url:
        yield url


@contextmanager
def agent(prometheus_server: str, demo_servers: DemoServers, budget_s: float) -> Iterator[str]:
    settings = demo_agent_settings(
        demo_servers,
        prometheus_url=prometheus_server,
        tool_timeout_s=TOOL_TIMEOUT_S,
        question_budget_s=budget_s,
    )
    with serve(create_agent_app(settings)) as url:
        yield url


@pytest.fixture(scope="module")
def agent_url(prometheus_server: str, demo_servers: DemoServers) -> Iterator[str]:
    # The question budget out of the way: each call's timeout rules.
    with agent(prometheus_server, demo_servers, budget_s=SERVER_TIMEOUT_S * 10) as url:
        yield url


@pytest.fixture(scope="module")
def budgeted_agent_url(prometheus_server: str, demo_servers: DemoServers) -> Iterator[str]:
    with agent(prometheus_server, demo_servers, budget_s=QUESTION_BUDGET_S) as url:
        yield url


def ask(
    agent_url: str, truth: GroundTruth, question: str = QUESTION, now: datetime | None = None
) -> tuple[dict[str, Any], float]:
    started = time.monotonic()
    response = httpx.post(
        f"{agent_url}/v1/ask",
        json={"question": question, "now": (now or truth.now).isoformat()},
        timeout=120,
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body, time.monotonic() - started


def status(agent_url: str) -> tuple[dict[str, Any], float]:
    started = time.monotonic()
    backends: dict[str, Any] = httpx.get(f"{agent_url}/v1/status", timeout=60).json()["backends"]
    return backends, time.monotonic() - started


def test_stopped_prometheus_answers_within_budget_then_full_evidence_again(
    agent_url: str, prometheus_server: str, prometheus: PrometheusBackend, seeded_demo: GroundTruth
) -> None:
    root_cause = seeded_demo.fault("dependency_down").root_cause_service
    healthy, healthy_s = ask(agent_url, seeded_demo)
    assert healthy["missing"] == [] and healthy["evidence"]["metrics"]["series"]

    with paused(prometheus.process.signal), ThreadPoolExecutor(2) as pool:
        probed = pool.submit(status, agent_url)
        server_ready = pool.submit(readyz, prometheus_server)
        body, elapsed_s = ask(agent_url, seeded_demo)
        backends, status_s = probed.result()
        ready = server_ready.result()

    # It answered from the logs, traces and pods, and says what it could not read.
    assert body["correlation"]["root_cause"] == root_cause
    failed = [q for q in body["queries"] if not q["ok"]]
    assert failed and {q["backend"] for q in failed} == {"prometheus"}
    for query in failed:
        assert f"did not answer in {TOOL_TIMEOUT_S:g}s" in query["error"]
        assert (TOOL_TIMEOUT_S - TIMER_SLACK_S) * 1000 <= query["ms"] < (TOOL_TIMEOUT_S + 2) * 1000
    assert body["missing"] and all("(prometheus)" in item for item in body["missing"])
    assert "조회 실패" in body["answer"]
    assert not body["evidence"]["metrics"]["series"]
    # Within the agent's budget: one tool timeout more than a healthy answer, never the
    # server's 30 s.
    assert elapsed_s < min(healthy_s + TOOL_TIMEOUT_S + MARGIN_S, SERVER_TIMEOUT_S)
    assert backends["prometheus"]["status"] == "unavailable"
    assert backends["opensearch"]["status"] == backends["kubernetes"]["status"] == "ready"
    assert status_s < STATUS_PROBE_S + MARGIN_S
    # The server's own readiness gives up before its 30 s backend timeout, and says so.
    assert ready.status == 503 and ready.elapsed_s < READINESS_TIMEOUT_S + MARGIN_S
    assert f"did not answer within {READINESS_TIMEOUT_S:g}s" in ready.detail

    # SIGCONT: the next question gets everything again, from the same agent and servers.
    resumed, _ = ask(agent_url, seeded_demo)
    assert resumed["missing"] == [] and all(q["ok"] for q in resumed["queries"])
    assert resumed["evidence"]["metrics"]["series"]
    assert resumed["correlation"]["root_cause"] == root_cause
    assert status(agent_url)[0]["prometheus"]["status"] == "ready"


def test_a_question_with_many_rounds_ends_within_its_budget(
    budgeted_agent_url: str, prometheus: PrometheusBackend, seeded_demo: GroundTruth
) -> None:
    # The anomaly check reads Prometheus in several rounds: without a budget, each round
    # would wait one tool timeout for the paused backend. The first round waits; the later
    # ones are not sent to a server that already let the question down.
    fault = seeded_demo.fault("dependency_down")
    question = "지금 이상 징후 있어?"
    with paused(prometheus.process.signal):
        body, elapsed_s = ask(budgeted_agent_url, seeded_demo, question, now=fault.end)

    assert elapsed_s < QUESTION_BUDGET_S + MARGIN_S
    failed = [q for q in body["queries"] if not q["ok"]]
    waited = [q for q in failed if f"did not answer in {TOOL_TIMEOUT_S:g}s" in q["error"]]
    not_sent = [q for q in failed if "prometheus did not answer an earlier call" in q["error"]]
    # Calls to the others that were still running when the budget ran out are cut short.
    cut = [q for q in failed if f"the question's {QUESTION_BUDGET_S:g}s" in q["error"]]
    assert waited and not_sent and len(waited) + len(not_sent) + len(cut) == len(failed), sorted(
        {q["error"] for q in failed}
    )
    assert {q["backend"] for q in [*waited, *not_sent]} == {"prometheus"}
    assert all(q["ms"] < (TOOL_TIMEOUT_S + 2) * 1000 for q in waited)
    assert all(q["ms"] < 100 for q in not_sent)
    assert body["missing"] and "조회 실패" in body["answer"]

    # Resumed, the same question gets every query answered within the same budget.
    resumed, _ = ask(budgeted_agent_url, seeded_demo, question, now=fault.end)
    failed_after = [(q["tool"], q["ms"], q["error"]) for q in resumed["queries"] if not q["ok"]]
    assert failed_after == [] and resumed["missing"] == []
    assert resumed["incidents"][0]["root_cause"] == fault.root_cause_service
