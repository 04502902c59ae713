"""Deployments, replica sets and pods as the cluster shows them at ``now``.

Pods carry the container statuses the faults leave (restart counts, last termination such as
OOMKilled, CrashLoopBackOff); replica sets and pods point to their owners, whose ``uid`` the
loader fills in once the owner exists.
"""

from __future__ import annotations

import random
from typing import Any

from opslens.scenarios.clock import iso_seconds
from opslens.scenarios.cluster import OOM_RESTART_GAP_MS, Cluster, Pod
from opslens.scenarios.faults import FaultPlan
from opslens.scenarios.model import Scenario, Service

SCENARIO_LABEL = "opslens.dev/scenario"


def _image(scenario: Scenario, service: Service) -> str:
    if service.kind == "database":
        return "docker.io/library/postgres:16.4"
    return f"registry.example.com/{scenario.namespace}/{service.name}:{service.version}"


def _container_id(rng: random.Random) -> str:
    return f"containerd://{rng.getrandbits(256):064x}"


def _labels(scenario: Scenario, service: Service) -> dict[str, str]:
    return {
        "app": service.name,
        "app.kubernetes.io/name": service.name,
        "app.kubernetes.io/part-of": scenario.namespace,
        SCENARIO_LABEL: scenario.name,
    }


def _container(scenario: Scenario, service: Service) -> dict[str, Any]:
    res = service.resources
    limits = {"cpu": f"{int(res.cpu_limit_cores * 1000)}m", "memory": f"{res.memory_limit_mib}Mi"}
    requests = {
        "cpu": f"{int(res.cpu_limit_cores * 250)}m",
        "memory": f"{res.memory_limit_mib // 2}Mi",
    }
    probe_path = "/actuator/health/readiness" if service.language == "java" else "/healthz"
    container: dict[str, Any] = {
        "name": service.name,
        "image": _image(scenario, service),
        "ports": [{"containerPort": service.port, "name": "http", "protocol": "TCP"}],
        "resources": {"limits": limits, "requests": requests},
    }
    if service.kind == "http":
        container["readinessProbe"] = {
            "httpGet": {"path": probe_path, "port": service.port},
            "periodSeconds": 10,
            "timeoutSeconds": 1,
            "failureThreshold": 3,
        }
    return container


def workload_objects(
    scenario: Scenario, cluster: Cluster, plan: FaultPlan, now_ms: int
) -> dict[str, list[dict[str, Any]]]:
    """Deployments, replica sets and pods of every service, with their status at ``now``."""
    deployments, replica_sets, pods = [], [], []
    ns = scenario.namespace
    for service in scenario.services:
        labels = _labels(scenario, service)
        existing = [p for p in cluster.pods[service.name] if p.exists(now_ms)]
        ready = sum(1 for p in existing if p.ready(now_ms))
        hashes = list(dict.fromkeys(p.rs_hash for p in cluster.pods[service.name]))
        revision = len(hashes)
        template = {
            "metadata": {"labels": labels},
            "spec": {"containers": [_container(scenario, service)]},
        }
        progressing = any(p.crashing for p in existing)
        deployments.append(
            {
                "apiVersion": "apps/v1",
                "kind": "Deployment",
                "metadata": {
                    "name": service.name,
                    "namespace": ns,
                    "labels": labels,
                    "annotations": {"deployment.kubernetes.io/revision": str(revision)},
                },
                "spec": {
                    "replicas": service.replicas,
                    "selector": {"matchLabels": {"app": service.name}},
                    "strategy": {
                        "type": "RollingUpdate",
                        "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"},
                    },
                    "template": template,
                },
                "status": {
                    "observedGeneration": revision,
                    "replicas": len(existing),
                    "updatedReplicas": sum(1 for p in existing if p.rs_hash == hashes[-1]),
                    "readyReplicas": ready,
                    "availableReplicas": ready,
                    **(
                        {"unavailableReplicas": len(existing) - ready}
                        if len(existing) > ready
                        else {}
                    ),
                    "conditions": [
                        {
                            "type": "Available",
                            "status": "True" if ready >= service.replicas else "False",
                            "reason": "MinimumReplicasAvailable"
                            if ready >= service.replicas
                            else "MinimumReplicasUnavailable",
                            "message": "Deployment has minimum availability.",
                        },
                        {
                            "type": "Progressing",
                            "status": "True",
                            "reason": "ReplicaSetUpdated"
                            if progressing
                            else "NewReplicaSetAvailable",
                            "message": f'ReplicaSet "{service.name}-{hashes[-1]}" '
                            + (
                                "is progressing." if progressing else "has successfully progressed."
                            ),
                        },
                    ],
                },
            }
        )
        for rs_hash in hashes:
            members = [p for p in existing if p.rs_hash == rs_hash]
            rs_labels = {**labels, "pod-template-hash": rs_hash}
            replica_sets.append(
                {
                    "apiVersion": "apps/v1",
                    "kind": "ReplicaSet",
                    "metadata": {
                        "name": f"{service.name}-{rs_hash}",
                        "namespace": ns,
                        "labels": rs_labels,
                        "annotations": {
                            "deployment.kubernetes.io/revision": str(hashes.index(rs_hash) + 1)
                        },
                        "ownerReferences": [_owner("apps/v1", "Deployment", service.name)],
                    },
                    "spec": {
                        "replicas": len(members),
                        "selector": {
                            "matchLabels": {"app": service.name, "pod-template-hash": rs_hash}
                        },
                        "template": {**template, "metadata": {"labels": rs_labels}},
                    },
                    "status": {
                        "replicas": len(members),
                        "observedGeneration": 1,
                        "readyReplicas": sum(1 for p in members if p.ready(now_ms)),
                        "availableReplicas": sum(1 for p in members if p.ready(now_ms)),
                    },
                }
            )
        for pod in existing:
            pods.append(_pod(scenario, service, pod, labels, plan, now_ms))
    return {"deployments": deployments, "replicasets": replica_sets, "pods": pods}


def _owner(api_version: str, kind: str, name: str) -> dict[str, Any]:
    """An owner reference; the loader fills in the owner's ``uid`` once it exists."""
    return {
        "apiVersion": api_version,
        "kind": kind,
        "name": name,
        "uid": "",
        "controller": True,
        "blockOwnerDeletion": True,
    }


def _pod(
    scenario: Scenario,
    service: Service,
    pod: Pod,
    labels: dict[str, str],
    plan: FaultPlan,
    now_ms: int,
) -> dict[str, Any]:
    rng = random.Random(f"{scenario.seed}/container/{pod.name}")
    container = _container(scenario, service)
    restarts = pod.restart_count(now_ms)
    status: dict[str, Any] = {
        "name": service.name,
        "image": container["image"],
        "imageID": f"{container['image'].split(':')[0]}@sha256:{rng.getrandbits(256):064x}",
        "containerID": _container_id(rng),
        "restartCount": restarts,
    }
    last = pod.last_termination(now_ms)
    if last is not None:
        finished = max(pod.restarts)
        status["lastState"] = {
            "terminated": {
                "exitCode": 137 if last == "OOMKilled" else pod.exit_code,
                "reason": last,
                "startedAt": iso_seconds(_previous_start(pod, finished)),
                "finishedAt": iso_seconds(finished),
                "containerID": _container_id(rng),
            }
        }
    ready = pod.ready(now_ms)
    if pod.crashing:
        backoff = "5m0s" if restarts >= 5 else f"{10 * 2 ** max(restarts - 1, 0)}s"
        status["state"] = {
            "waiting": {
                "reason": "CrashLoopBackOff",
                "message": f"back-off {backoff} restarting failed container={service.name} "
                f"pod={pod.name}_{scenario.namespace}({rng.getrandbits(128):032x})",
            }
        }
        status["started"] = False
    else:
        started = (
            max(pod.restarts) + (OOM_RESTART_GAP_MS // 2 if pod.kills else 0)
            if pod.restarts
            else pod.created_ms + 5_000
        )
        status["state"] = {"running": {"startedAt": iso_seconds(started)}}
        status["started"] = True
    status["ready"] = ready
    created = iso_seconds(pod.created_ms)
    conditions = [
        {"type": "PodScheduled", "status": "True", "lastTransitionTime": created},
        {"type": "Initialized", "status": "True", "lastTransitionTime": created},
        {"type": "ContainersReady", "status": str(ready), "lastTransitionTime": created},
        {"type": "Ready", "status": str(ready), "lastTransitionTime": created},
    ]
    if not ready:
        for condition in conditions[2:]:
            condition.update(
                reason="ContainersNotReady",
                message=f"containers with unready status: [{service.name}]",
            )
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": pod.name,
            "namespace": scenario.namespace,
            "labels": {**labels, "pod-template-hash": pod.rs_hash},
            "ownerReferences": [_owner("apps/v1", "ReplicaSet", f"{service.name}-{pod.rs_hash}")],
        },
        "spec": {"nodeName": pod.node, "containers": [container], "restartPolicy": "Always"},
        "status": {
            "phase": "Running",
            "conditions": conditions,
            "hostIP": _host_ip(pod),
            "podIP": pod.ip,
            "podIPs": [{"ip": pod.ip}],
            "startTime": created,
            "qosClass": "Burstable",
            "containerStatuses": [status],
        },
    }


def _host_ip(pod: Pod) -> str:
    return f"192.168.10.{11 + int(pod.ip.split('.')[2])}"


def _previous_start(pod: Pod, finished: int) -> int:
    earlier = [r for r in pod.restarts if r < finished]
    return (max(earlier) if earlier else pod.created_ms) + 5_000
