"""The agent on scenarios other than the demo: each shipped fault, asked about as an operator
would (in English and Korean), is answered with what its ground truth names.

The agent reads the reports' testbed (every scenario in its own namespace and indices, see
:mod:`opslens_eval.testbed`); each scenario gets an agent over the OpenSearch server of its
indices, so what it finds in logs and traces comes from that scenario alone. The Kubernetes
API and Prometheus hold every scenario at once, as a shared cluster would.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack
from typing import Any

import httpx
import pytest

from opslens.agent.service import create_agent_app
from opslens.agent.settings import AgentSettings
from opslens.devstack.asgi import serve
from opslens.scenarios.truth import FaultTruth, GroundTruth
from opslens_eval.testbed import ReportBackends

pytestmark = pytest.mark.timeout(5400)  # the session fixture seeds every scenario first

Ask = Callable[[str, str, Any], dict[str, Any]]
"""(scenario, question, now) -> the agent's answer."""


@pytest.fixture(scope="module")
def ask(report_backends: ReportBackends) -> Iterator[Ask]:
    """Ask a scenario's agent (started on first use, one per scenario)."""
    agents: dict[str, str] = {}
    with ExitStack() as stack:

        def agent_url(name: str) -> str:
            if name not in agents:
                seeded = report_backends.scenarios[name]
                settings = AgentSettings(
                    opensearch_url=report_backends.opensearch_urls[seeded.prefix],
                    prometheus_url=report_backends.prometheus_url,
                    kubernetes_url=report_backends.kubernetes_url,
                    reports_url="http://127.0.0.1:9",
                    checkpoint_url="memory://",
                    timezone="UTC",
                    llm_mode="off",
                    tool_timeout_s=60,
                    question_budget_s=120,
                )
                agents[name] = stack.enter_context(serve(create_agent_app(settings)))
            return agents[name]

        def asking(name: str, question: str, now: Any) -> dict[str, Any]:
            response = httpx.post(
                f"{agent_url(name)}/v1/ask",
                json={"question": question, "now": now.isoformat()},
                timeout=120,
            )
            assert response.status_code == 200, response.text
            body: dict[str, Any] = response.json()
            return body

        yield asking


def truth_of(backends: ReportBackends, name: str) -> GroundTruth:
    return backends.scenarios[name].truth


def fault_of(backends: ReportBackends, name: str, fault_type: str) -> FaultTruth:
    return truth_of(backends, name).fault(fault_type)


@pytest.mark.parametrize(
    ("name", "fault_type", "question"),
    [
        ("shop-crashloop", "crashloop", "{namespace} 네임스페이스에 지금 이상 징후 있어?"),
        ("travel-cpu-throttle", "cpu_throttle", "is anything wrong in {namespace} right now?"),
        ("travel-error-burst", "error_burst", "{namespace}에 지금 문제 있어?"),
        ("travel-pricing-down", "dependency_down", "anything unusual in {namespace}?"),
    ],
)
def test_anything_wrong_names_the_fault_and_its_root_cause(
    ask: Ask, report_backends: ReportBackends, name: str, fault_type: str, question: str
) -> None:
    namespace = truth_of(report_backends, name).namespace
    fault = fault_of(report_backends, name, fault_type)
    body = ask(name, question.format(namespace=namespace), fault.end)

    assert body["plan"]["namespace"] == namespace
    assert body["incidents"], body["answer"]
    assert body["incidents"][0]["root_cause"] == fault.root_cause_service, body["answer"]
    assert fault.root_cause_service in body["answer"]
    assert body["missing"] == []


@pytest.mark.parametrize(
    ("name", "fault_type", "question"),
    [
        ("travel-cpu-throttle", "cpu_throttle", "why is {entry} slow?"),
        ("travel-cpu-throttle", "cpu_throttle", "{entry}가 왜 느려?"),
        ("checkout-incident", "latency", "why was {entry} so slow?"),
    ],
)
def test_why_slow_follows_slow_traces_to_the_slow_service(
    ask: Ask, report_backends: ReportBackends, name: str, fault_type: str, question: str
) -> None:
    # The entry service is the last one the fault reaches: slow only because of its callee.
    fault = fault_of(report_backends, name, fault_type)
    entry = fault.affected_services[-1]
    assert entry != fault.root_cause_service
    body = ask(name, question.format(entry=entry), fault.end)

    correlation, evidence = body["correlation"], body["evidence"]
    assert correlation["root_cause"] == fault.root_cause_service, body["answer"]
    assert correlation["slow_services"][0]["service"] == fault.root_cause_service
    traces = evidence["traces"]
    assert traces["summaries"] and traces["threshold_ms"]  # slower than the entry's normal p95
    assert all(s["duration_ms"] >= traces["threshold_ms"] for s in traces["summaries"])
    charted = {series["name"] for series in evidence["metrics"]["series"]}
    assert f"p95 latency {fault.root_cause_service}" in charted
    assert fault.root_cause_service in body["answer"]
    assert not evidence["logs"]  # slowness is read from traces, not from error logs


@pytest.mark.parametrize(
    ("name", "fault_type", "question"),
    [
        ("travel-error-burst", "error_burst", "what is the root cause of the errors?"),
        ("travel-pricing-down", "dependency_down", "최근 에러의 원인이 뭐야?"),
    ],
)
def test_root_cause_of_errors_is_where_failing_traces_start(
    ask: Ask, report_backends: ReportBackends, name: str, fault_type: str, question: str
) -> None:
    fault = fault_of(report_backends, name, fault_type)
    body = ask(name, question, fault.end)

    assert body["correlation"]["root_cause"] == fault.root_cause_service, body["answer"]
    origin = body["correlation"]["origins"][0]
    assert origin["service"] == fault.root_cause_service
    assert origin.get("dependency") == fault.dependency
    assert body["evidence"]["logs"]["total"] > 0
    # The reports' ranking answers it too: the same root cause, what in it moved, and the
    # numbers that ranked it against their baseline, in the question's language.
    assert body["plan"]["root_cause"]
    top = body["incidents"][0]["candidates"][0]
    assert top["service"] == fault.root_cause_service, body["answer"]
    assert top["cause"].startswith(f"{fault.root_cause_service}: ") and top["numbers"]
    assert top["cause"] in body["answer"] and top["numbers"][0] in body["answer"]


def test_a_service_s_pods_answer_is_about_that_service_only(
    ask: Ask, report_backends: ReportBackends
) -> None:
    # The cluster also holds the other scenarios' OOMKilled and crash-looping pods, and
    # pricing-service in two other namespaces: no namespace asked, so all of its pods.
    truth = truth_of(report_backends, "travel-cpu-throttle")
    service = truth.fault("cpu_throttle").root_cause_service
    body = ask("travel-cpu-throttle", f"{service} 파드 상태 보여줘", truth.now)

    k8s = body["evidence"]["k8s"]
    listed = {pod["name"] for pod in k8s["pods"]}
    assert {pod.name for pod in truth.pods if pod.service == service and pod.exists} <= listed
    assert all(name.startswith(f"{service}-") for name in listed)
    for item in [*k8s["events"], *k8s["findings"]]:
        assert item["object"].split("/", 1)[1].startswith(service), item
    assert "OOMKilled" not in body["answer"] and "CrashLoopBackOff" not in body["answer"]


def test_crash_looping_pods_are_listed_with_their_state(
    ask: Ask, report_backends: ReportBackends
) -> None:
    truth = truth_of(report_backends, "shop-crashloop")
    [looping] = [pod.name for pod in truth.pods if pod.state == "CrashLoopBackOff"]
    body = ask("shop-crashloop", "which pods are in CrashLoopBackOff?", truth.now)

    states = {pod["name"]: pod["status"] for pod in body["evidence"]["k8s"]["pods"]}
    assert states.get(looping) == "CrashLoopBackOff"
    assert "CrashLoopBackOff" in body["answer"] and looping in body["answer"]
