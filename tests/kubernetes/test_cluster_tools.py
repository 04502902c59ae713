"""list_events, list_deployments, list_nodes and workload_for_service against the real API."""

from __future__ import annotations

import datetime as dt

import pytest

from opslens_eval.kubernetes.admin import Admin
from opslens_eval.kubernetes.shop import PodPlan, Shop, create_pod, pod_name, stamp
from opslens_mcp.core.times import parse_instant
from tests.kubernetes.conftest import Rpc, RpcError

pytestmark = [pytest.mark.integration, pytest.mark.timeout(2400)]


def test_list_events_merges_by_object_and_reason_newest_first(rpc: Rpc, faulty: Shop) -> None:
    result = rpc("list_events", namespace=faulty.namespace, since="now-6h")
    got = {(g["object"]["kind"], g["object"]["name"], g["reason"]): g for g in result["events"]}
    assert set(got) == {(e.kind, e.name, e.reason) for e in faulty.events}
    for event in faulty.events:
        group = got[(event.kind, event.name, event.reason)]
        assert (group["type"], group["message"], group["count"]) == (
            event.type,
            event.message,
            sum(event.counts),
        )
        assert parse_instant(group["last_seen"]) == faulty.now - event.ago
        assert group["object"]["namespace"] == faulty.namespace
    seen = [parse_instant(g["last_seen"]) for g in result["events"]]
    assert seen == sorted(seen, reverse=True)


def test_list_events_filters_type_object_and_time(rpc: Rpc, faulty: Shop) -> None:
    namespace = faulty.namespace
    warnings = rpc("list_events", namespace=namespace, type="Warning", since="now-6h")
    assert {g["reason"] for g in warnings["events"]} == {
        e.reason for e in faulty.events if e.type == "Warning"
    }
    assert "fieldSelector=type%3DWarning" in warnings["queries"][0]["path"]
    pod = faulty.pod_of("order-service")
    about = rpc("list_events", namespace=namespace, object_kind="Pod", object_name=pod)
    assert [(g["object"]["name"], g["reason"]) for g in about["events"]] == [
        (e.name, e.reason) for e in faulty.events if e.name == pod
    ]
    recent = rpc("list_events", namespace=namespace, since="now-1h")  # the default window
    assert {g["reason"] for g in recent["events"]} == {
        e.reason for e in faulty.events if e.ago <= dt.timedelta(hours=1)
    }
    pinned = stamp(faulty.now - dt.timedelta(hours=2))
    before = rpc("list_events", namespace=namespace, since="now-6h", now=pinned)
    assert {g["reason"] for g in before["events"]} == {
        e.reason for e in faulty.events if e.ago >= dt.timedelta(hours=2)
    }


def test_list_deployments_reports_replicas_and_rollout(rpc: Rpc, faulty: Shop) -> None:
    result = rpc("list_deployments", namespace=faulty.namespace)
    got = {d["name"]: d for d in result["deployments"]}
    assert set(got) == set(faulty.deployments)
    for name, (desired, available, stuck) in faulty.deployments.items():
        deployment = got[name]
        assert (deployment["desired"], deployment["available"], deployment["ready"]) == (
            desired,
            available,
            available,
        )
        assert deployment["unavailable"] == desired - available
        assert deployment["rollout_stuck"] is stuck
        assert deployment["rollout"] == (
            "stuck" if stuck else "complete" if available == desired else "progressing"
        )
        assert deployment["selector"] == f"app={name}"
    problems = rpc("list_deployments", namespace=faulty.namespace, only_problems=True)
    assert [d["name"] for d in problems["deployments"]] == sorted(
        n for n, (desired, available, stuck) in faulty.deployments.items()
        if stuck or available < desired
    )  # fmt: skip


def test_list_nodes_reports_conditions_pressure_and_taints(
    rpc: Rpc, admin: Admin, faulty: Shop
) -> None:
    result = rpc("list_nodes", limit=1000)
    got = {n["name"]: n for n in result["nodes"]}
    for name, conditions in faulty.nodes.items():
        node = got[name]
        assert node["ready"] == conditions["Ready"]
        assert node["pressure"] == [
            kind
            for kind, value in conditions.items()
            if kind.endswith("Pressure") and value == "True"
        ]
        assert node["roles"] == ["worker"]
        assert node["allocatable"]["pods"] == "110"
        assert {c["type"]: c["status"] for c in node["conditions"]} == conditions
        stored = admin.core.read_node(name).spec.taints or []  # admission adds some
        assert [(t["key"], t["effect"]) for t in node["taints"]] == [
            (t.key, t.effect) for t in stored
        ]
    assert any(
        t["key"] == "node.kubernetes.io/unreachable" for n in got.values() for t in n["taints"]
    )
    problems = {n["name"] for n in rpc("list_nodes", only_problems=True, limit=1000)["nodes"]}
    troubled = {
        name
        for name, conditions in faulty.nodes.items()
        if conditions["Ready"] != "True" or conditions["MemoryPressure"] == "True"
    }
    assert problems & set(faulty.nodes) == troubled


def test_workload_for_service_finds_deployment_and_pods(rpc: Rpc, faulty: Shop) -> None:
    for service in ("inventory-service", "payment-service"):
        result = rpc("workload_for_service", service=service, namespace=faulty.namespace)
        assert result["found"] == "deployment"
        (match,) = result["workloads"]
        assert match["deployment"]["name"] == service and match["matched_by"] == f"app={service}"
        assert [p["name"] for p in match["pods"]] == sorted(
            n for n, p in faulty.pods.items() if p.service == service
        )
        assert result["unowned_pods"] == []
        assert any("labelSelector=app%3D" in q["path"] for q in result["queries"])


def test_workload_for_service_by_second_label_key_and_pods_only(
    rpc: Rpc, admin: Admin, faulty: Shop
) -> None:
    namespace = admin.namespace("workload")
    labels = {"app.kubernetes.io/name": "cart", "app.kubernetes.io/instance": "cart-v2"}
    admin.apps.create_namespaced_deployment(
        namespace,
        {
            "metadata": {"name": "cart-v2", "labels": labels},
            "spec": {
                "selector": {"matchLabels": {"app.kubernetes.io/instance": "cart-v2"}},
                "template": {
                    "metadata": {"labels": labels},
                    "spec": {"containers": [{"name": "cart", "image": "shop/cart:2"}]},
                },
            },
        },
    )
    bare = pod_name("postgres")
    create_pod(admin, namespace, bare, PodPlan("postgres", None, "running"), faulty.now)
    cart = rpc("workload_for_service", service="cart", namespace=namespace)
    assert [(w["deployment"]["name"], w["matched_by"]) for w in cart["workloads"]] == [
        ("cart-v2", "app.kubernetes.io/name=cart")
    ]
    postgres = rpc("workload_for_service", service="postgres", namespace=namespace)
    assert postgres["found"] == "pods_only"
    assert [p["name"] for p in postgres["unowned_pods"]] == [bare]
    custom = rpc("workload_for_service", service="cart-v2", namespace=namespace,
                 label_keys=["app.kubernetes.io/instance"])  # fmt: skip
    assert [w["matched_by"] for w in custom["workloads"]] == ["app.kubernetes.io/instance=cart-v2"]
    nothing = rpc("workload_for_service", service="ghost", namespace=namespace)
    assert nothing["found"] == "nothing" and nothing["workloads"] == []


@pytest.mark.parametrize(
    "params",
    [
        {"service": "payment service"},
        {"service": "a,app=b"},
        {"service": "cart", "label_keys": ["app,tier"]},
    ],
)
def test_workload_for_service_refuses_names_that_would_bend_the_selector(
    rpc: Rpc, params: dict[str, object]
) -> None:
    with pytest.raises(RpcError) as raised:
        rpc("workload_for_service", **params)
    assert raised.value.code == -32602


def test_list_services_names_each_service_and_its_selector(rpc: Rpc, faulty: Shop) -> None:
    result = rpc("list_services", namespace=faulty.namespace)
    got = {s["name"]: s for s in result["services"]}
    assert set(got) == set(faulty.services) and result["matched"] == len(faulty.services)
    for name, service in got.items():
        assert service["namespace"] == faulty.namespace
        assert service["selector"] == {"app": name} and service["ports"] == ["80/TCP->8080"]
    assert [q["path"] for q in result["queries"]] == [
        f"/api/v1/namespaces/{faulty.namespace}/services"
    ]
    one = rpc("list_services", namespace=faulty.namespace, limit=1)
    assert len(one["services"]) == 1 and one["truncated"]
