"""list_pods, get_pod and pod_logs over JSON-RPC against the real API server (read-only user)."""

from __future__ import annotations

import json

import pytest

from opslens_eval.kubernetes.admin import Admin
from opslens_eval.kubernetes.shop import Shop
from opslens_mcp.core.times import parse_instant
from tests.kubernetes.conftest import Rpc, RpcError

pytestmark = [pytest.mark.integration, pytest.mark.timeout(2400)]


def test_list_pods_reports_each_pod_as_created(rpc: Rpc, faulty: Shop) -> None:
    result = rpc("list_pods", namespace=faulty.namespace)
    pods = {pod["name"]: pod for pod in result["pods"]}
    assert set(pods) == set(faulty.pods)
    for name, plan in faulty.pods.items():
        pod = pods[name]
        assert pod["status"] == plan.status, name
        assert pod["phase"] == plan.phase
        assert pod["restarts"] == plan.restarts
        assert pod["node"] == plan.node
        assert pod["ready"] == ("1/1" if plan.ready and plan.state == "running" else "0/1")
        assert pod["labels"]["app"] == plan.service
        assert pod["owner"]["kind"] == "ReplicaSet"
        if plan.last:
            reason, _, ago = plan.last
            assert pod["last_termination_reason"] == reason
            assert parse_instant(pod["last_termination_at"]) == faulty.now - ago
        else:
            assert pod["last_termination_reason"] is None
    assert result["matched"] == len(faulty.pods) and not result["truncated"]
    assert result["queries"] == [
        {
            "method": "GET",
            "path": f"/api/v1/namespaces/{faulty.namespace}/pods",
            "kubectl": f"kubectl get --raw '/api/v1/namespaces/{faulty.namespace}/pods'",
            "pages": 1,
        }
    ]


def test_list_pods_filters_by_status_phase_node_and_restarts(rpc: Rpc, faulty: Shop) -> None:
    namespace = faulty.namespace

    def names(**params: object) -> list[str]:
        return [pod["name"] for pod in rpc("list_pods", namespace=namespace, **params)["pods"]]

    for status in ("CrashLoopBackOff", "ImagePullBackOff", "Running"):
        assert names(status=status) == sorted(
            n for n, p in faulty.pods.items() if p.status == status
        )
    assert names(phase="Pending") == sorted(
        n for n, p in faulty.pods.items() if p.phase == "Pending"
    )
    node = next(p.node for p in faulty.pods.values() if p.node)
    assert names(node=node) == sorted(n for n, p in faulty.pods.items() if p.node == node)
    restarted = {
        name: plan
        for name, plan in faulty.pods.items()
        if plan.last and plan.last[2].total_seconds() <= 6 * 3600
    }
    assert names(restarted_since="now-6h", order_by="restarts") == sorted(
        restarted, key=lambda n: -restarted[n].restarts
    )
    selected = rpc("list_pods", namespace=namespace, label_selector="app=frontend", phase="Running")
    assert [q["path"] for q in selected["queries"]] == [
        f"/api/v1/namespaces/{namespace}/pods"
        "?labelSelector=app%3Dfrontend&fieldSelector=status.phase%3DRunning"
    ]
    assert len(selected["pods"]) == sum(1 for p in faulty.pods.values() if p.service == "frontend")


def test_list_pods_limit_says_truncated(rpc: Rpc, faulty: Shop) -> None:
    result = rpc("list_pods", namespace=faulty.namespace, limit=2)
    assert len(result["pods"]) == 2
    assert result["truncated"] and result["matched"] == len(faulty.pods)


def test_get_pod_details_a_crash_loop(rpc: Rpc, faulty: Shop) -> None:
    name = faulty.pod_of("payment-service")
    plan = faulty.pods[name]
    assert plan.last is not None
    result = rpc("get_pod", namespace=faulty.namespace, name=name)
    pod = result["pod"]
    assert pod["status"] == "CrashLoopBackOff" and pod["restarts"] == plan.restarts
    (container,) = pod["containers"]
    assert container["role"] == "app" and container["restart_count"] == plan.restarts
    assert container["state"]["state"] == "waiting"
    assert container["state"]["reason"] == "CrashLoopBackOff"
    reason, exit_code, ago = plan.last
    last = container["last_termination"]
    assert (last["reason"], last["exit_code"]) == (reason, exit_code)
    assert parse_instant(last["finished_at"]) == faulty.now - ago
    assert last["message"] == plan.message
    assert container["limits"] == {"cpu": "500m", "memory": "256Mi"}
    assert container["probes"] == ["readiness httpGet /ready"]
    assert {c["type"]: c["status"] for c in pod["conditions"]}["Ready"] == "False"
    assert pod["owners"][0]["kind"] == "ReplicaSet"
    planned = [e for e in faulty.events if e.name == name]
    assert [(g["reason"], g["type"], g["count"]) for g in result["events"]] == [
        (e.reason, e.type, sum(e.counts)) for e in planned
    ]
    assert "do-not-leak-this-value" not in json.dumps(result)  # env values stay in the cluster


def test_get_pod_of_a_missing_pod_is_a_not_found_backend_error(rpc: Rpc, faulty: Shop) -> None:
    with pytest.raises(RpcError) as raised:
        rpc("get_pod", namespace=faulty.namespace, name="no-such-pod")
    assert raised.value.code == -32000
    assert raised.value.data["status"] == 404
    assert "no-such-pod" in raised.value.message


@pytest.mark.parametrize("previous", [False, True])
def test_pod_logs_says_the_kubelet_did_not_answer(rpc: Rpc, faulty: Shop, previous: bool) -> None:
    name = faulty.pod_of("payment-service")
    with pytest.raises(RpcError) as raised:
        rpc("pod_logs", namespace=faulty.namespace, pod=name, previous=previous, tail_lines=50)
    error = raised.value
    assert error.code == -32001
    assert "the node's kubelet did not answer" in error.message
    assert f"/api/v1/namespaces/{faulty.namespace}/pods/{name}/log?" in error.message
    assert "tailLines=50" in error.message
    assert ("previous=true" in error.message) is previous


def test_pod_logs_of_a_pod_with_several_containers_needs_a_container(
    rpc: Rpc, admin: Admin
) -> None:
    namespace = admin.namespace("logs")
    containers = [{"name": name, "image": "shop/app:1"} for name in ("app", "proxy")]
    admin.core.create_namespaced_pod(
        namespace, {"metadata": {"name": "two"}, "spec": {"containers": containers}}
    )
    with pytest.raises(RpcError) as raised:
        rpc("pod_logs", namespace=namespace, pod="two")
    assert (raised.value.code, raised.value.data["status"]) == (-32000, 400)
    assert "app" in raised.value.message and "proxy" in raised.value.message


def test_pod_logs_rejects_a_bad_time(rpc: Rpc, faulty: Shop) -> None:
    with pytest.raises(RpcError) as raised:
        rpc("pod_logs", namespace=faulty.namespace, pod="x", since="yesterday-ish")
    assert raised.value.code == -32602
