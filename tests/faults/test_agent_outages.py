"""Each backend paused (SIGSTOP) or killed (SIGKILL) under the agent, for every public question
type: the answer comes from the backends that work, never calls a service unknown because a
backend failed, and ends with the one sentence on what could not be read.

The stack (OpenSearch, Prometheus, kube-apiserver) is this module's own, seeded with the demo
scenario, so its tests may stop it; the demo's shared stack is left alone. Each question is
first asked with every backend up: that answer is the reference for what the outage may not
change (the plan's services, the evidence of the backends still up).
"""

from __future__ import annotations

import signal
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from opslens.agent.service import create_agent_app
from opslens.devstack.asgi import serve
from opslens.devstack.stack import DevStack, StackPorts
from opslens.scenarios.seed import seed_for_tests
from opslens.scenarios.truth import GroundTruth
from tests.conftest import DemoServers, demo_agent_settings, servers_over
from tests.faults.faults import paused, wait_until

pytestmark = pytest.mark.integration
TOOL_TIMEOUT_S = 5.0
QUESTION_BUDGET_S = 15.0
RESTART_TIMEOUT_S = 600.0
# The public question types: the mission's three scenarios (logs, traces, combined), metrics
# and pods, asked in Korean as the mission's users ask them.
QUESTIONS = {
    "logs": "지난 3시간 동안 order-service에서 발생한 에러 로그 보여줘",
    "traces": "product-service의 API 호출 지연이 있는 트레이스 보여줘",
    "correlate": "order-service의 에러 로그와 관련된 트레이스를 찾아서 분석해줘",
    "metrics": "payment-service 에러율 지난 1시간",
    "k8s": "inventory-service 파드가 왜 재시작됐어?",
}
# What each backend's tools put into the evidence.
EVIDENCE_OF = {"opensearch": ("logs", "traces"), "prometheus": ("metrics",), "kubernetes": ("k8s",)}
MISSING = "조회 실패"
UNKNOWN = "찾을 수 없습니다"
CATALOG = "알려진 서비스 목록 (opensearch)"
STALE = "전에 읽은 서비스 목록을 사용"
OTHERS = "에 있는 서비스를 사용"  # "prometheus에 있는 서비스를 사용": the backends named


@dataclass
class Outaged:
    stack: DevStack
    servers: DemoServers
    truth: GroundTruth


@pytest.fixture(scope="module")
def outaged(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Outaged]:
    stack = DevStack(tmp_path_factory.mktemp("outage-stack"), StackPorts.free())
    stack.up()
    try:
        truth = seed_for_tests(
            opensearch_url=stack.opensearch.url,
            kubeconfig=stack.kubernetes.kubeconfig_path,
            metrics=stack.prometheus,
            out_dir=tmp_path_factory.mktemp("outage-scenario"),
        )
        # No cached answers: each question reaches the backends.
        with servers_over(stack, cache_ttl_s=0) as servers:
            outaged = Outaged(stack, servers, truth)
            with agent(outaged, tool_timeout_s=30) as url:  # the first queries are slow
                for question in QUESTIONS.values():
                    ask(url, truth, question)
            yield outaged
    finally:
        stack.down()


@contextmanager
def agent(outaged: Outaged, tool_timeout_s: float = TOOL_TIMEOUT_S) -> Iterator[str]:
    """An agent of its own that reads the service list for every question (no cache)."""
    settings = demo_agent_settings(
        outaged.servers,
        tool_timeout_s=tool_timeout_s,
        question_budget_s=QUESTION_BUDGET_S,
        catalog_ttl_s=0,
    )
    with serve(create_agent_app(settings)) as url:
        yield url


def ask(agent_url: str, truth: GroundTruth, question: str) -> dict[str, Any]:
    response = httpx.post(
        f"{agent_url}/v1/ask",
        json={"question": question, "now": truth.now.isoformat()},
        timeout=120,
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def senders(stack: DevStack) -> dict[str, Callable[[int], None]]:
    return {
        "opensearch": stack.opensearch.kill,
        "prometheus": stack.prometheus.process.signal,
        "kubernetes": stack.kubernetes.kill_apiserver,
    }


@contextmanager
def outage(stack: DevStack, backend: str, mode: str) -> Iterator[None]:
    """``backend`` paused for the block, or killed and started again afterwards."""
    send = senders(stack)[backend]
    if mode == "paused":
        with paused(send):
            yield
        return
    down = stack.backends[backend]
    before = documents(stack) if backend == "opensearch" else None
    send(signal.SIGKILL)
    try:
        wait_until(lambda: not down.alive(), f"{backend} exits after SIGKILL")
        yield
    finally:
        restart(stack, backend)
    # A seeding is durable: a kill loses none of it.
    assert before is None or documents(stack) == before


def documents(stack: DevStack) -> dict[str, int]:
    """Documents per index of the stack's OpenSearch."""
    rows = httpx.get(f"{stack.opensearch.url}/_cat/indices", params={"format": "json"}).json()
    return {row["index"]: int(row["docs.count"]) for row in rows}


def restart(stack: DevStack, backend: str) -> None:
    """Start a killed backend again: same port, same data. OpenSearch recovers every index
    of the scenario first, which takes minutes on a loaded two-core machine."""
    if backend == "opensearch":
        stack.opensearch.start(timeout=RESTART_TIMEOUT_S)
        # Up is not recovered: until every shard is back, searches answer from some of them.
        health = httpx.get(
            f"{stack.opensearch.url}/_cluster/health",
            params={"wait_for_status": "yellow", "timeout": f"{RESTART_TIMEOUT_S:g}s"},
            timeout=RESTART_TIMEOUT_S + 10,
        ).json()
        assert health["status"] in ("yellow", "green") and not health["timed_out"], health
    elif backend == "kubernetes":
        stack.kubernetes.start(timeout=RESTART_TIMEOUT_S)
    else:
        stack.prometheus.start()


def backends_asked(body: dict[str, Any]) -> set[str]:
    return {query["backend"] for query in body["queries"]}


def assert_outage_answer(
    body: dict[str, Any], healthy: dict[str, Any], backend: str, kind: str
) -> None:
    """One answer given while ``backend`` is down, against the same question's healthy one."""
    context = (backend, kind, body["answer"])
    # The service is the one the question named: never unknown because a backend failed.
    assert body["plan"]["services"] == healthy["plan"]["services"], context
    assert body["plan"]["unknown_services"] == [] and UNKNOWN not in body["answer"], context
    # Every backend still up answered; only the one down failed.
    failed = {query["backend"] for query in body["queries"] if not query["ok"]}
    assert failed <= {backend}, context
    catalog_gap = backend == "opensearch"  # the service list comes from OpenSearch
    if backend in backends_asked(healthy) or catalog_gap:
        assert body["missing"], context
        assert all(f"({backend})" in item for item in body["missing"]), context
        last = body["answer"].splitlines()[-1]
        assert last.startswith(MISSING) and f"({backend})" in last, context
        assert sum(MISSING in line for line in body["answer"].splitlines()) == 1, context
    else:  # the question never needed it: the same answer as with every backend up
        assert body["missing"] == [] and MISSING not in body["answer"], context
    if catalog_gap:
        assert CATALOG in body["answer"], context
    # What the backends still up gave: the same as with every backend up, unless the one
    # down steered it (a normal p95 from Prometheus sets the traces' threshold; the origin in
    # the traces picks whose metrics and pods to read); then it is still there.
    steered = backend in backends_asked(healthy)
    up = {part for server, parts in EVIDENCE_OF.items() if server != backend for part in parts}
    for part in sorted(up):
        if steered:
            assert (body["evidence"].get(part) is None) == (
                healthy["evidence"].get(part) is None
            ), (part, *context)
        else:
            assert body["evidence"].get(part) == healthy["evidence"].get(part), (part, *context)


@pytest.mark.parametrize("mode", ["paused", "killed"])
@pytest.mark.parametrize("backend", ["opensearch", "prometheus", "kubernetes"])
def test_each_question_type_is_answered_from_the_backends_that_work(
    outaged: Outaged, backend: str, mode: str
) -> None:
    truth = outaged.truth
    with agent(outaged) as warm, agent(outaged) as cold:
        healthy = {kind: ask(warm, truth, question) for kind, question in QUESTIONS.items()}
        slowest = max(q["ms"] for body in healthy.values() for q in body["queries"])
        print(f"slowest healthy query: {slowest:.0f} ms")
        assert [body["missing"] for body in healthy.values()] == [[]] * len(QUESTIONS)
        with outage(outaged.stack, backend, mode):
            # The case: an agent that has never read the service list.
            first = ask(cold, truth, QUESTIONS["correlate"])
            answers = {kind: ask(warm, truth, question) for kind, question in QUESTIONS.items()}
        recovered = ask(warm, truth, QUESTIONS["correlate"])

    for kind, body in {**answers, "first": first}.items():
        question = "correlate" if kind == "first" else kind
        assert_outage_answer(body, healthy[question], backend, question)
    correlate = answers["correlate"]
    if backend == "opensearch":
        # The list read before the outage stands in, said to be stale; without one, the
        # services Prometheus knows do.
        assert all(STALE in body["answer"] for body in answers.values())
        last = first["answer"].splitlines()[-1]
        assert STALE not in last and OTHERS in last and "prometheus" in last
        # No logs or traces to follow: the metrics and pods of the service asked about.
        for body in (first, correlate):
            assert body["evidence"]["metrics"]["series"], body["answer"]
            assert body["evidence"]["k8s"]["pods"], body["answer"]
            pods = body["evidence"]["k8s"]["pods"]
            assert {pod["service"] for pod in pods} == set(body["plan"]["services"])
            # ... and the answer says what they show.
            assert f"{pods[0]['service']}의 에러율" in body["answer"], body["answer"]
    else:
        # Logs and traces still lead to the origin the scenario's fault put there.
        root_cause = truth.fault("dependency_down").root_cause_service
        assert correlate["correlation"]["root_cause"] == root_cause
        assert first["correlation"]["root_cause"] == root_cause
    # Back up: everything again.
    assert recovered["missing"] == [] and all(q["ok"] for q in recovered["queries"])
    # (The same origin: which error lines come first among equal times may change when
    # OpenSearch restarts, and with them a trace or two.)
    assert (
        recovered["correlation"]["root_cause"] == healthy["correlate"]["correlation"]["root_cause"]
    )
