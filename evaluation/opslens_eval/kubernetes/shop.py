"""A shop namespace written into the test API server, faults and all, from a plan.

The plan is the ground truth of the live tests: each planned pod, deployment, node, service,
claim and event is created as written (there are no controllers to change them), and the
faults the plan injects are what ``diagnose`` must report, no more, no less.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import uuid
from dataclasses import dataclass, field
from typing import Any

from opslens.devstack.process import free_port
from opslens_eval.kubernetes.admin import Admin

Expected = tuple[str, str, str]  # (kind, name, problem)


def stamp(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class PodPlan:
    service: str
    node: str | None
    state: str  # running, CrashLoopBackOff, ImagePullBackOff, unschedulable
    ready: bool = True
    restarts: int = 0
    last: tuple[str, int, dt.timedelta] | None = None  # reason, exit code, how long ago
    message: str = ""

    @property
    def phase(self) -> str:
        return "Running" if self.state in ("running", "CrashLoopBackOff") else "Pending"

    @property
    def status(self) -> str:
        """The STATUS kubectl shows for the pod this plan creates."""
        return {"running": "Running", "unschedulable": "Pending"}.get(self.state, self.state)


@dataclass(frozen=True)
class EventPlan:
    kind: str
    name: str
    reason: str
    type: str
    message: str
    counts: tuple[int, ...]  # one Event object per count
    ago: dt.timedelta


@dataclass
class Shop:
    namespace: str
    now: dt.datetime
    nodes: dict[str, dict[str, Any]] = field(default_factory=dict)  # name -> conditions
    pods: dict[str, PodPlan] = field(default_factory=dict)
    deployments: dict[str, tuple[int, int, bool]] = field(default_factory=dict)
    services: list[str] = field(default_factory=list)  # Services selecting app=<name>
    events: list[EventPlan] = field(default_factory=list)
    expected: set[Expected] = field(default_factory=set)

    def pod_of(self, service: str) -> str:
        return next(name for name, plan in self.pods.items() if plan.service == service)


def _template_hash(service: str) -> str:
    return hashlib.sha256(service.encode()).hexdigest()[:10]


def pod_name(service: str) -> str:
    suffix = "".join(secrets.choice("bcdfghjklmnpqrstvwxz2456789") for _ in range(5))
    return f"{service}-{_template_hash(service)}-{suffix}"


def _labels(service: str) -> dict[str, str]:
    return {
        "app": service,
        "app.kubernetes.io/name": service,
        "pod-template-hash": _template_hash(service),
    }


def _container_status(plan: PodPlan, now: dt.datetime) -> dict[str, Any]:
    image = f"registry.example/shop/{plan.service}:1.4.2"
    status: dict[str, Any] = {
        "name": plan.service,
        "image": image,
        "imageID": "",
        "ready": plan.ready and plan.state == "running",
        "started": plan.state == "running",
        "restartCount": plan.restarts,
    }
    if plan.state == "running":
        status["state"] = {"running": {"startedAt": stamp(now - dt.timedelta(minutes=30))}}
    else:
        status["state"] = {"waiting": {"reason": plan.state, "message": plan.message}}
    if plan.last:
        reason, code, ago = plan.last
        status["lastState"] = {
            "terminated": {
                "reason": reason,
                "exitCode": code,
                "startedAt": stamp(now - ago - dt.timedelta(minutes=20)),
                "finishedAt": stamp(now - ago),
                "message": plan.message or None,
            }
        }
    return status


def _pod_status(plan: PodPlan, now: dt.datetime) -> dict[str, Any]:
    at = stamp(now - dt.timedelta(hours=1))
    if plan.state == "unschedulable":
        return {
            "phase": "Pending",
            "conditions": [
                {
                    "type": "PodScheduled",
                    "status": "False",
                    "reason": "Unschedulable",
                    "message": plan.message,
                    "lastTransitionTime": at,
                }
            ],
        }
    ready = "True" if plan.ready and plan.state == "running" else "False"
    conditions = [
        ("PodScheduled", "True"),
        ("Initialized", "True"),
        ("ContainersReady", ready),
        ("Ready", ready),
    ]
    return {
        "phase": plan.phase,
        "conditions": [
            {"type": kind, "status": value, "lastTransitionTime": at} for kind, value in conditions
        ],
        "containerStatuses": [_container_status(plan, now)],
        "podIP": f"10.244.{len(plan.service)}.{len(plan.service) * 3}",
        "startTime": at,
    }


def create_pod(admin: Admin, namespace: str, name: str, plan: PodPlan, now: dt.datetime) -> None:
    service = plan.service
    body = {
        "metadata": {
            "name": name,
            "labels": _labels(service),
            "ownerReferences": [
                {
                    "apiVersion": "apps/v1",
                    "kind": "ReplicaSet",
                    "name": f"{service}-{_template_hash(service)}",
                    "uid": str(uuid.uuid4()),
                    "controller": True,
                }
            ],
        },
        "spec": {
            "containers": [
                {
                    "name": service,
                    "image": f"registry.example/shop/{service}:1.4.2",
                    "resources": {
                        "requests": {"cpu": "100m", "memory": "128Mi"},
                        "limits": {"cpu": "500m", "memory": "256Mi"},
                    },
                    "readinessProbe": {"httpGet": {"path": "/ready", "port": 8080}},
                    "env": [{"name": "DB_PASSWORD", "value": "do-not-leak-this-value"}],
                }
            ],
            **({"nodeName": plan.node} if plan.node else {}),
        },
    }
    admin.core.create_namespaced_pod(namespace, body)
    admin.core.patch_namespaced_pod_status(name, namespace, {"status": _pod_status(plan, now)})


def create_node(admin: Admin, name: str, conditions: dict[str, str], taints: list[Any]) -> None:
    labels = {"node-role.kubernetes.io/worker": ""}
    admin.core.create_node(
        {"metadata": {"name": name, "labels": labels}, "spec": {"taints": taints}}
    )
    node_info = dict.fromkeys(
        ("machineID", "systemUUID", "bootID", "kernelVersion", "osImage"), ""
    ) | dict.fromkeys(("containerRuntimeVersion", "kubeProxyVersion"), "")
    status = {
        "conditions": [
            {
                "type": kind,
                "status": value,
                "reason": f"Kubelet{kind}",
                "message": f"{kind}={value}",
            }
            for kind, value in conditions.items()
        ],
        "allocatable": {"cpu": "3800m", "memory": "15Gi", "pods": "110"},
        "capacity": {"cpu": "4", "memory": "16Gi", "pods": "110"},
        # Loopback and a closed port: a log request makes the API server dial nothing else.
        "addresses": [{"type": "InternalIP", "address": "127.0.0.1"}],
        "daemonEndpoints": {"kubeletEndpoint": {"Port": free_port()}},
        "nodeInfo": {
            **node_info,
            "kubeletVersion": "v1.35.4",
            "operatingSystem": "linux",
            "architecture": "amd64",
        },
    }
    admin.core.patch_node_status(name, {"status": status})


def create_deployment(
    admin: Admin, namespace: str, service: str, desired: int, available: int, stuck: bool
) -> None:
    labels = {"app": service, "app.kubernetes.io/name": service}
    body = {
        "metadata": {"name": service, "labels": labels},
        "spec": {
            "replicas": desired,
            "selector": {"matchLabels": {"app": service}},
            "template": {
                "metadata": {"labels": labels},
                "spec": {"containers": [{"name": service, "image": f"shop/{service}:1.4.2"}]},
            },
        },
    }
    admin.apps.create_namespaced_deployment(namespace, body)
    progressing = (
        {"status": "False", "reason": "ProgressDeadlineExceeded",
         "message": f'ReplicaSet "{service}-{_template_hash(service)}" has timed out progressing.'}
        if stuck else
        {"status": "True", "reason": "NewReplicaSetAvailable", "message": "rolled out"}
    )  # fmt: skip
    status = {
        "observedGeneration": 1,
        "replicas": desired,
        "updatedReplicas": desired,
        "readyReplicas": available,
        "availableReplicas": available,
        "unavailableReplicas": desired - available,
        "conditions": [
            {"type": "Available", "status": "True" if available == desired else "False",
             "reason": "MinimumReplicasAvailable" if available == desired
             else "MinimumReplicasUnavailable", "message": "availability"},
            {"type": "Progressing", **progressing},
        ],
    }  # fmt: skip
    admin.apps.patch_namespaced_deployment_status(service, namespace, {"status": status})


def create_service(
    admin: Admin, namespace: str, name: str, pod_ips: list[tuple[str, bool]]
) -> None:
    # Headless: no cluster IP is allocated, so the API server's IP repair loop never reports a
    # race on it (a real ClusterIPNotAllocated event appeared in the shop's namespace).
    admin.core.create_namespaced_service(
        namespace,
        {"metadata": {"name": name},
         "spec": {"clusterIP": "None", "selector": {"app": name},
                  "ports": [{"port": 80, "targetPort": 8080}]}},
    )  # fmt: skip
    if not pod_ips:
        return
    subset: dict[str, Any] = {"ports": [{"port": 8080}]}
    ready = [{"ip": ip} for ip, is_ready in pod_ips if is_ready]
    not_ready = [{"ip": ip} for ip, is_ready in pod_ips if not is_ready]
    if ready:
        subset["addresses"] = ready
    if not_ready:
        subset["notReadyAddresses"] = not_ready
    admin.core.create_namespaced_endpoints(
        namespace, {"metadata": {"name": name}, "subsets": [subset]}
    )


def create_events(admin: Admin, namespace: str, plan: EventPlan, now: dt.datetime) -> None:
    for index, count in enumerate(plan.counts):
        last = now - plan.ago - dt.timedelta(seconds=index)
        admin.core.create_namespaced_event(
            namespace,
            {
                "metadata": {"name": f"{plan.name}.{plan.reason.lower()}.{index}"},
                "involvedObject": {"kind": plan.kind, "name": plan.name, "namespace": namespace},
                "reason": plan.reason,
                "message": plan.message,
                "type": plan.type,
                "count": count,
                "firstTimestamp": stamp(last - dt.timedelta(minutes=10)),
                "lastTimestamp": stamp(last),
                "source": {"component": "kubelet"},
            },
        )


def create_pvc(admin: Admin, namespace: str, name: str, phase: str) -> None:
    admin.core.create_namespaced_persistent_volume_claim(
        namespace,
        {"metadata": {"name": name},
         "spec": {"accessModes": ["ReadWriteOnce"], "storageClassName": "fast-ssd",
                  "resources": {"requests": {"storage": "10Gi"}}}},
    )  # fmt: skip
    admin.core.patch_namespaced_persistent_volume_claim_status(
        name, namespace, {"status": {"phase": phase}}
    )
