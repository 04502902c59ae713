"""Kubernetes objects as the cluster shows them at ``now``: nodes, the namespace, the
workloads (see :mod:`opslens.scenarios.kube_workloads`) and the events the faults caused.

Objects are plain dicts in API form; :mod:`opslens.scenarios.loaders.kubernetes` creates them
and writes their ``status`` through the status subresource (no controllers run in the test
cluster). Every object carries the label ``opslens.dev/scenario`` so re-seeding deletes
exactly these.
"""

from __future__ import annotations

from typing import Any

from opslens.scenarios.clock import iso_seconds
from opslens.scenarios.cluster import Cluster
from opslens.scenarios.events import EventRecord, fault_events
from opslens.scenarios.faults import FaultPlan
from opslens.scenarios.kube_workloads import SCENARIO_LABEL, workload_objects
from opslens.scenarios.model import Scenario
from opslens.scenarios.resources import NODE_CPUS, NODE_MEMORY_BYTES

_KUBELET = "v1.35.4"
__all__ = ["SCENARIO_LABEL", "kubernetes_objects"]


def node_objects(cluster: Cluster, scenario: Scenario) -> list[dict[str, Any]]:
    nodes = []
    for i, name in enumerate(cluster.nodes):
        quantities: dict[str, str] = {
            "cpu": str(NODE_CPUS),
            "memory": f"{NODE_MEMORY_BYTES // 1024}Ki",
            "pods": "110",
        }
        conditions = [
            {
                "type": kind,
                "status": "False",
                "reason": f"KubeletHasSufficient{kind[:-8]}",
                "message": f"kubelet has sufficient {kind[:-8].lower()} available",
            }
            for kind in ("MemoryPressure", "DiskPressure", "PIDPressure")
        ]
        conditions.append(
            {
                "type": "Ready",
                "status": "True",
                "reason": "KubeletReady",
                "message": "kubelet is posting ready status",
            }
        )
        nodes.append(
            {
                "apiVersion": "v1",
                "kind": "Node",
                "metadata": {
                    "name": name,
                    "labels": {
                        "kubernetes.io/hostname": name,
                        "kubernetes.io/os": "linux",
                        "node-role.kubernetes.io/worker": "",
                        SCENARIO_LABEL: scenario.name,
                    },
                },
                "spec": {"podCIDR": f"10.244.{i}.0/24"},
                "status": {
                    "capacity": quantities,
                    "allocatable": quantities | {"cpu": f"{NODE_CPUS * 1000 - 100}m"},
                    "conditions": conditions,
                    "addresses": [
                        {"type": "InternalIP", "address": f"192.168.10.{11 + i}"},
                        {"type": "Hostname", "address": name},
                    ],
                    "nodeInfo": {
                        "kubeletVersion": _KUBELET,
                        "containerRuntimeVersion": "containerd://1.7.22",
                        "osImage": "Ubuntu 24.04.1 LTS",
                        "kernelVersion": "6.8.0-45-generic",
                        "operatingSystem": "linux",
                        "architecture": "amd64",
                        "kubeProxyVersion": _KUBELET,
                        "machineID": "",
                        "systemUUID": "",
                        "bootID": "",
                    },
                },
            }
        )
    return nodes


def namespace_object(scenario: Scenario) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Namespace",
        "metadata": {
            "name": scenario.namespace,
            "labels": {SCENARIO_LABEL: scenario.name, "istio-injection": "enabled"},
        },
    }


def event_objects(scenario: Scenario, records: list[EventRecord]) -> list[dict[str, Any]]:
    """core/v1 Events (``involvedObject.uid`` is filled in by the loader)."""
    out = []
    for i, record in enumerate(records):
        out.append(
            {
                "apiVersion": "v1",
                "kind": "Event",
                "metadata": {
                    "name": f"{record.object_name}.{record.first_ms // 1000:x}{i:04x}",
                    "namespace": record.namespace,
                    "labels": {SCENARIO_LABEL: scenario.name},
                },
                "involvedObject": {
                    "kind": record.object_kind,
                    "name": record.object_name,
                    "namespace": record.namespace if record.object_kind != "Node" else "",
                    "apiVersion": record.api_version,
                    **(
                        {"fieldPath": f"spec.containers{{{record.container}}}"}
                        if record.container
                        else {}
                    ),
                },
                "reason": record.reason,
                "message": record.message,
                "type": record.type,
                "count": record.count,
                "firstTimestamp": iso_seconds(record.first_ms),
                "lastTimestamp": iso_seconds(record.last_ms),
                "source": {
                    "component": record.component,
                    **({"host": record.host} if record.host else {}),
                },
                "reportingComponent": record.component,
                "reportingInstance": record.host or "",
            }
        )
    return out


def kubernetes_objects(
    scenario: Scenario, cluster: Cluster, plan: FaultPlan, now_ms: int
) -> dict[str, Any]:
    """Everything the loader creates, in creation order."""
    records = fault_events(scenario, cluster, plan, now_ms)
    return {
        "nodes": node_objects(cluster, scenario),
        "namespace": namespace_object(scenario),
        **workload_objects(scenario, cluster, plan, now_ms),
        "events": event_objects(scenario, records),
    }
