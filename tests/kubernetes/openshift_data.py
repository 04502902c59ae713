"""The captured OpenShift objects (``openshift-insights-k8s-objects``): loading them, writing
them into the test API server, and what ``diagnose`` should say about them.

The expectations are read off each object's own status with plain rules: a container waiting
in a failure reason, a Failed pod, a pod the scheduler could not place, a pod stuck Pending,
and terminations inside the window.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from opslens_eval.kubernetes.admin import Admin
from opslens_mcp.kubernetes.timeparse import parse_timestamp

DATASET = "openshift-insights-k8s-objects"
SERVER_SET = ("uid", "resourceVersion", "creationTimestamp", "selfLink", "managedFields")
FAILURE_WAITING = {"CrashLoopBackOff", "ImagePullBackOff", "ErrImagePull", "CreateContainerError"}
Expected = tuple[str, str, str, str | None]  # (namespace, pod, problem, container)


@dataclass(frozen=True)
class Captured:
    pods: list[dict[str, Any]]
    nodes: list[dict[str, Any]]
    events: list[dict[str, Any]]


def load(shared_data: Path) -> Captured:
    root = shared_data / DATASET
    read = [json.loads(p.read_text()) for p in sorted(root.glob("config/pod/*/*.json"))]
    nodes = [json.loads(p.read_text()) for p in sorted(root.glob("config/node/*.json"))]
    events = json.loads((root / "events" / "openshift-machine-api.json").read_text())["items"]
    return Captured(read, nodes, events)


def cluster_namespace(namespace: str) -> str:
    """Where a captured namespace lives in the test cluster."""
    return f"k8stest-{namespace}"[:63]


def _metadata(meta: dict[str, Any], namespace: str | None = None) -> dict[str, Any]:
    clean = {k: v for k, v in meta.items() if k not in SERVER_SET}
    return {**clean, "namespace": namespace} if namespace else clean


def write(admin: Admin, captured: Captured) -> None:
    """Create the namespaces, nodes, pods (status through the status subresource) and events.

    Node addresses are left out so that nothing ever makes the API server dial the captured
    cluster's IPs.
    """
    namespaces = {p["metadata"]["namespace"] for p in captured.pods}
    namespaces |= {e["namespace"] for e in captured.events}
    for namespace in sorted(namespaces):
        admin.core.create_namespace({"metadata": {"name": cluster_namespace(namespace)}})
    for node in captured.nodes:
        admin.core.create_node({"metadata": _metadata(node["metadata"]), "spec": node["spec"]})
        status = {
            k: v for k, v in node["status"].items() if k not in ("addresses", "daemonEndpoints")
        }
        admin.core.patch_node_status(node["metadata"]["name"], {"status": status})
    for pod in captured.pods:
        namespace = cluster_namespace(pod["metadata"]["namespace"])
        body = {"metadata": _metadata(pod["metadata"], namespace), "spec": pod["spec"]}
        admin.core.create_namespaced_pod(namespace, body)
        admin.core.patch_namespaced_pod_status(
            pod["metadata"]["name"], namespace, {"status": pod["status"]}
        )
    for event in captured.events:
        namespace = cluster_namespace(event["namespace"])
        body = {
            "metadata": {"generateName": "captured-"},
            "involvedObject": {"namespace": namespace},
            **{k: event[k] for k in ("reason", "message", "type", "lastTimestamp")},
        }
        admin.core.create_namespaced_event(namespace, body)


def _statuses(pod: dict[str, Any]) -> list[dict[str, Any]]:
    status = pod.get("status", {})
    return list(status.get("initContainerStatuses") or []) + list(
        status.get("containerStatuses") or []
    )


def expected_findings(
    pods: list[dict[str, Any]], now: dt.datetime, since: dt.datetime, rename: bool = True
) -> set[Expected]:
    """What diagnose must report about ``pods`` (namespaces renamed as in the test cluster)."""
    expected: set[Expected] = set()
    for pod in pods:
        meta, status = pod["metadata"], pod["status"]
        ns = cluster_namespace(meta["namespace"]) if rename else meta["namespace"]
        name = meta["name"]
        if status.get("phase") == "Failed":
            expected.add((ns, name, status.get("reason") or "Failed", None))
            continue
        waiting = {
            cs["name"]: cs["state"]["waiting"]["reason"]
            for cs in _statuses(pod)
            if cs.get("state", {}).get("waiting", {}).get("reason") in FAILURE_WAITING
        }
        expected |= {(ns, name, reason, container) for container, reason in waiting.items()}
        for cs in _statuses(pod):
            last = cs.get("lastState", {}).get("terminated") or {}
            finished = parse_timestamp(last.get("finishedAt"))
            if finished is None or not since <= finished <= now:
                continue
            if last.get("reason") == "OOMKilled":
                expected.add((ns, name, "OOMKilled", cs["name"]))
            elif cs["name"] not in waiting and cs.get("restartCount", 0) > 0:
                expected.add((ns, name, "Restarted", cs["name"]))
        scheduled = next(
            (c for c in status.get("conditions", []) if c["type"] == "PodScheduled"), {}
        )
        if scheduled.get("status") == "False":
            expected.add((ns, name, scheduled["reason"], None))
        elif status.get("phase") == "Pending" and not waiting:
            expected.add((ns, name, "Pending", None))
    return expected
