"""diagnose finds each injected fault, and nothing on a healthy namespace (real API server)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from opslens.devstack.kubeapi import KubeApiBackend
from opslens_eval.kubernetes.shop import Shop
from opslens_mcp.kubernetes.settings import KubernetesSettings
from tests.kubernetes.conftest import Rpc, RpcError, rpc_caller

pytestmark = [pytest.mark.integration, pytest.mark.timeout(2400)]


def found(result: dict[str, Any]) -> set[tuple[str, str, str]]:
    return {(f["object"]["kind"], f["object"]["name"], f["problem"]) for f in result["findings"]}


def test_diagnose_finds_every_injected_fault_and_nothing_else(rpc: Rpc, faulty: Shop) -> None:
    result = rpc("diagnose", namespace=faulty.namespace)
    assert found(result) == faulty.expected
    assert not result["truncated"] and result["complete"]
    severities = [f["severity"] for f in result["findings"]]
    order = {"critical": 0, "warning": 1, "info": 2}
    assert severities == sorted(severities, key=order.__getitem__)
    assert result["counts"] == {s: severities.count(s) for s in set(severities)}
    for finding in result["findings"]:
        assert finding["explanation"] and finding["evidence"]
        assert finding["object"]["namespace"] == (
            None if finding["object"]["kind"] == "Node" else faulty.namespace
        )
    assert result["scanned"]["pods"] == len(faulty.pods)
    assert result["scanned"]["nodes"] == len(faulty.nodes)


def test_diagnose_evidence_comes_from_statuses_and_events(rpc: Rpc, faulty: Shop) -> None:
    findings = rpc("diagnose", namespace=faulty.namespace)["findings"]
    by_key = {(f["object"]["name"], f["problem"]): f for f in findings}
    crash_pod = faulty.pod_of("payment-service")
    crash = by_key[(crash_pod, "CrashLoopBackOff")]
    plan = faulty.pods[crash_pod]
    assert crash["container"] == plan.service and crash["severity"] == "critical"
    assert f"restartCount: {plan.restarts}" in crash["evidence"]
    assert any(plan.message in line for line in crash["evidence"])
    planned = {e.reason: sum(e.counts) for e in faulty.events if e.name == crash_pod}
    assert {g["reason"]: g["count"] for g in crash["events"]} == planned
    oom_pod, oom_plan = next(
        (n, p) for n, p in faulty.pods.items() if p.last and p.last[0] == "OOMKilled"
    )
    oom = by_key[(oom_pod, "OOMKilled")]
    assert "memory limit: 256Mi" in oom["evidence"]
    assert any("OOMKilled, exit code 137" in line for line in oom["evidence"])
    pending_pod = faulty.pod_of("notification-service")
    unschedulable = by_key[(pending_pod, "Unschedulable")]
    assert any(faulty.pods[pending_pod].message in line for line in unschedulable["evidence"])
    assert [g["reason"] for g in unschedulable["events"]] == ["FailedScheduling"]
    probe = by_key[(faulty.pod_of("order-service"), "ProbeFailing")]
    assert any("Readiness probe failed" in line for line in probe["evidence"])
    no_pods = by_key[("user-service", "NoEndpoints")]
    assert "pods matching the selector: 0" in no_pods["evidence"]
    not_ready = by_key[("payment-service", "NoEndpoints")]
    assert "endpoints: 0 ready, 1 not ready" in not_ready["evidence"]
    assert oom_plan.restarts > 0


def test_diagnose_on_a_healthy_namespace_finds_nothing(rpc: Rpc, healthy: Shop) -> None:
    result = rpc("diagnose", namespace=healthy.namespace)
    assert result["findings"] == [] and result["counts"] == {}
    assert result["scanned"]["pods"] == len(healthy.pods)
    assert result["scanned"]["nodes"] == len(healthy.nodes)


def test_diagnose_window_options(rpc: Rpc, faulty: Shop) -> None:
    namespace = faulty.namespace
    last_hour = rpc("diagnose", namespace=namespace, since="now-1h")
    past = {
        ("Pod", name, "OOMKilled")
        for name, plan in faulty.pods.items()
        if plan.last and plan.last[0] == "OOMKilled" and plan.last[2].total_seconds() > 3600
    }
    assert past and found(last_hour) == faulty.expected - past
    nodes_only = rpc("diagnose", namespace=namespace, analyzers=["nodes"])
    assert found(nodes_only) == {e for e in faulty.expected if e[0] == "Node"}
    assert set(nodes_only["scanned"]) == {"events", "nodes", "pods"}
    critical = rpc("diagnose", namespace=namespace, min_severity="critical")
    everything = rpc("diagnose", namespace=namespace)["findings"]
    assert found(critical) == {
        (f["object"]["kind"], f["object"]["name"], f["problem"])
        for f in everything
        if f["severity"] == "critical"
    }
    limited = rpc("diagnose", namespace=namespace, limit=3)
    assert len(limited["findings"]) == 3 and limited["truncated"]


def test_allow_list_limits_what_the_server_reads(
    kube_backend: KubeApiBackend,
    serve_kubernetes: Callable[[KubernetesSettings], Any],
    faulty: Shop,
    healthy: Shop,
) -> None:
    settings = KubernetesSettings(
        kubeconfig=str(kube_backend.readonly_kubeconfig_path), namespaces=[faulty.namespace]
    )
    with serve_kubernetes(settings) as url:
        call = rpc_caller(url)
        assert found(call("diagnose")) == faulty.expected
        pods = call("list_pods", limit=1000)
        assert {p["namespace"] for p in pods["pods"]} == {faulty.namespace}
        assert [q["path"] for q in pods["queries"]] == [
            f"/api/v1/namespaces/{faulty.namespace}/pods"
        ]
        for tool, params in [
            ("list_pods", {"namespace": healthy.namespace}),
            ("diagnose", {"namespace": healthy.namespace}),
            ("get_pod", {"namespace": healthy.namespace, "name": next(iter(healthy.pods))}),
            ("list_events", {"namespace": healthy.namespace}),
        ]:
            with pytest.raises(RpcError) as raised:
                call(tool, **params)
            assert raised.value.code == -32602
            assert "allow-list" in raised.value.message
