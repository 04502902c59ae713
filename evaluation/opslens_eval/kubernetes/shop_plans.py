"""Two shops for the live tests: one with a fault of every kind ``diagnose`` knows, one healthy.

Each plan writes its objects and lists the faults it injected (``Shop.expected``).
"""

from __future__ import annotations

import datetime as dt
import secrets

from opslens_eval.kubernetes.admin import Admin
from opslens_eval.kubernetes.shop import (
    EventPlan,
    PodPlan,
    Shop,
    create_deployment,
    create_events,
    create_node,
    create_pod,
    create_pvc,
    create_service,
    pod_name,
)

MINUTE, HOUR = dt.timedelta(minutes=1), dt.timedelta(hours=1)
HEALTHY_NODE = {"Ready": "True", "MemoryPressure": "False", "DiskPressure": "False"}


def write(admin: Admin, shop: Shop, taints: dict[str, list[dict[str, str]]]) -> Shop:
    """Create every object of ``shop`` in the API server."""
    for node, conditions in shop.nodes.items():
        create_node(admin, node, conditions, taints.get(node, []))
    for name, plan in shop.pods.items():
        create_pod(admin, shop.namespace, name, plan, shop.now)
    for service, (desired, available, stuck) in shop.deployments.items():
        create_deployment(admin, shop.namespace, service, desired, available, stuck)
    pods = admin.core.list_namespaced_pod(shop.namespace).items
    for service in shop.services:
        endpoints = [
            (p.status.pod_ip, shop.pods[p.metadata.name].ready)
            for p in pods
            if p.metadata.labels.get("app") == service and p.status.pod_ip
        ]
        create_service(admin, shop.namespace, service, endpoints)
    for event in shop.events:
        create_events(admin, shop.namespace, event, shop.now)
    return shop


def _deployments(shop: Shop, stuck: set[str]) -> None:
    for plan in shop.pods.values():
        desired, available, _ = shop.deployments.get(plan.service, (0, 0, False))
        ready = plan.state == "running" and plan.ready
        shop.deployments[plan.service] = (
            desired + 1,
            available + int(ready),
            plan.service in stuck,
        )


def faulty_shop(admin: Admin, now: dt.datetime) -> Shop:
    """CrashLoopBackOff, OOMKilled, ImagePullBackOff, failing probe, unschedulable pod, stuck
    rollout, unavailable replicas, node pressure and not ready, Services without endpoints and
    a Pending claim."""
    shop = Shop(namespace=admin.namespace("faults"), now=now)
    tag = shop.namespace.rsplit("-", 1)[1]
    ok, pressed, lost = (f"k8stest-{tag}-node-{i}" for i in (1, 2, 3))
    shop.nodes = {
        ok: HEALTHY_NODE,
        pressed: {**HEALTHY_NODE, "MemoryPressure": "True"},
        lost: {**HEALTHY_NODE, "Ready": "Unknown"},
    }
    oom = "Memory cgroup out of memory"
    plans = [
        PodPlan("frontend", ok, "running"),
        PodPlan("frontend", lost, "running"),
        PodPlan("inventory-service", pressed, "running", restarts=2,
                last=("OOMKilled", 137, 4 * HOUR), message=oom),
        PodPlan("inventory-service", ok, "running"),
        PodPlan("payment-service", ok, "CrashLoopBackOff", ready=False, restarts=7,
                last=("Error", 1, 2 * MINUTE), message="could not get JDBC connection"),
        PodPlan("product-service", ok, "ImagePullBackOff", ready=False,
                message='Back-off pulling image "registry.example/shop/product-service:9.9"'),
        PodPlan("order-service", ok, "running", ready=False),
        PodPlan("notification-service", None, "unschedulable",
                message="0/3 nodes are available: 3 Insufficient memory."),
    ]  # fmt: skip
    shop.pods = {pod_name(plan.service): plan for plan in plans}
    _deployments(shop, stuck={"product-service"})
    shop.services = ["frontend", "inventory-service", "payment-service", "user-service"]
    pod = shop.pod_of
    shop.events = [
        EventPlan("Pod", pod("payment-service"), "BackOff", "Warning",
                  "Back-off restarting failed container payment-service", (5, 7), MINUTE),
        EventPlan("Pod", pod("product-service"), "Failed", "Warning",
                  "Failed to pull image: manifest unknown", (4,), 3 * MINUTE),
        EventPlan("Pod", pod("order-service"), "Unhealthy", "Warning",
                  "Readiness probe failed: HTTP probe failed with statuscode: 503", (30,), MINUTE),
        EventPlan("Pod", pod("notification-service"), "FailedScheduling", "Warning",
                  "0/3 nodes are available: 3 Insufficient memory.", (3,), 2 * MINUTE),
        EventPlan("Pod", pod("inventory-service"), "Pulled", "Normal",
                  "Container image already present on machine", (3,), 4 * HOUR),
        EventPlan("PersistentVolumeClaim", "postgres-data", "ProvisioningFailed", "Warning",
                  'storageclass.storage.k8s.io "fast-ssd" not found', (6,), 5 * MINUTE),
        EventPlan("Deployment", "product-service", "ScalingReplicaSet", "Normal",
                  "Scaled up replica set", (1,), 30 * MINUTE),
    ]  # fmt: skip
    taints = {lost: [{"key": "node.kubernetes.io/unreachable", "effect": "NoSchedule"}]}
    write(admin, shop, taints)
    create_pvc(admin, shop.namespace, "postgres-data", "Pending")
    shop.expected = {
        ("Pod", pod("payment-service"), "CrashLoopBackOff"),
        ("Pod", next(n for n, p in shop.pods.items() if p.last and p.last[0] == "OOMKilled"),
         "OOMKilled"),
        ("Pod", pod("product-service"), "ImagePullBackOff"),
        ("Pod", pod("order-service"), "ProbeFailing"),
        ("Pod", pod("notification-service"), "Unschedulable"),
        *(("Deployment", service, "UnavailableReplicas")
          for service, (desired, available, _) in shop.deployments.items() if available < desired),
        ("Deployment", "product-service", "RolloutStuck"),
        ("Node", pressed, "MemoryPressure"),
        ("Node", lost, "NodeNotReady"),
        ("Service", "payment-service", "NoEndpoints"),
        ("Service", "user-service", "NoEndpoints"),
        ("PersistentVolumeClaim", "postgres-data", "PVCPending"),
    }  # fmt: skip
    return shop


def healthy_shop(admin: Admin, now: dt.datetime) -> Shop:
    """Everything running and ready, rolled out and served; only Normal events."""
    shop = Shop(namespace=admin.namespace("healthy"), now=now)
    node = f"k8stest-{secrets.token_hex(3)}-healthy-node"
    shop.nodes = {node: HEALTHY_NODE}
    plans = [PodPlan(service, node, "running") for service in ("frontend", "frontend", "cart")]
    shop.pods = {pod_name(plan.service): plan for plan in plans}
    _deployments(shop, stuck=set())
    shop.services = ["frontend", "cart"]
    shop.events = [
        EventPlan("Pod", shop.pod_of("cart"), "Started", "Normal", "Started container cart",
                  (1,), 5 * MINUTE),
    ]  # fmt: skip
    write(admin, shop, {})
    create_pvc(admin, shop.namespace, "cart-cache", "Bound")
    return shop
