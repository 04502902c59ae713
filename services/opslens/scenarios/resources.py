"""Pod, deployment and node metrics: kube-state-metrics, cAdvisor and node-exporter.

CPU follows each pod's share of the generated requests; memory, restarts, readiness and
throttling follow the faults (memory leak, crash loop, CPU throttling).
"""

from __future__ import annotations

import random
from collections.abc import Hashable

from opslens.scenarios.cluster import Cluster, Pod
from opslens.scenarios.faults import MIB, FaultPlan
from opslens.scenarios.model import Scenario
from opslens.scenarios.openmetrics import CounterFamily, FamilyWriter, GaugeFamily

NODE_CPUS = 4
NODE_MEMORY_BYTES = 16 * 1024 * MIB
CFS_PERIODS_PER_S = 10  # the kernel's 100 ms CFS period
_PHASES = ("Pending", "Running", "Succeeded", "Failed", "Unknown")
_KSM = {"job": "kube-state-metrics"}
_CADVISOR = {"job": "kubelet", "metrics_path": "/metrics/cadvisor"}


class ResourceMetrics:
    def __init__(
        self, writer: FamilyWriter, scenario: Scenario, cluster: Cluster, plan: FaultPlan
    ) -> None:
        self.scenario, self.cluster, self.plan = scenario, cluster, plan
        self.step_s = scenario.step_ms // 1000
        self._cpu = CounterFamily(writer, "container_cpu_usage_seconds")
        self._periods = CounterFamily(writer, "container_cpu_cfs_periods")
        self._throttled = CounterFamily(writer, "container_cpu_cfs_throttled_periods")
        self._restarts = CounterFamily(writer, "kube_pod_container_status_restarts")
        self._node_cpu = CounterFamily(writer, "node_cpu_seconds")
        self._memory = GaugeFamily(writer, "container_memory_working_set_bytes")
        self._gauges = {
            name: GaugeFamily(writer, name)
            for name in (
                "kube_pod_info",
                "kube_pod_status_phase",
                "kube_pod_container_status_ready",
                "kube_pod_container_status_waiting_reason",
                "kube_pod_container_status_last_terminated_reason",
                "kube_pod_container_resource_limits",
                "kube_deployment_spec_replicas",
                "kube_deployment_status_replicas",
                "kube_deployment_status_replicas_available",
                "kube_deployment_status_replicas_unavailable",
                "node_memory_MemTotal_bytes",
                "node_memory_MemAvailable_bytes",
            )
        }
        for pod in cluster.all_pods():
            ids = {"namespace": cluster.namespace, "pod": pod.name, "container": pod.service}
            self._cpu.declare(
                pod.name,
                "container_cpu_usage_seconds_total",
                {**_CADVISOR, **ids, "node": pod.node},
                whole=False,
            )
            self._periods.declare(
                pod.name, "container_cpu_cfs_periods_total", {**_CADVISOR, **ids, "node": pod.node}
            )
            self._throttled.declare(
                pod.name,
                "container_cpu_cfs_throttled_periods_total",
                {**_CADVISOR, **ids, "node": pod.node},
            )
            self._restarts.declare(
                pod.name, "kube_pod_container_status_restarts_total", {**_KSM, **ids}
            )
        modes = ("idle", "iowait", "system", "user")
        for node in cluster.nodes:
            for cpu in range(NODE_CPUS):
                for mode in modes:
                    labels = {
                        "job": "node-exporter",
                        "instance": node,
                        "cpu": str(cpu),
                        "mode": mode,
                    }
                    self._node_cpu.declare(
                        (node, cpu, mode), "node_cpu_seconds_total", labels, whole=False
                    )

    def write_minute(
        self, minute: int, start_ms: int, pod_requests: dict[str, int], queries: dict[str, int]
    ) -> None:
        """All series for one minute (requests served per pod, queries per database)."""
        t_ms = start_ms + minute * 60_000
        t_s = t_ms // 1000
        end_ms = t_ms + 60_000
        rng = random.Random(f"{self.scenario.seed}/resources/{minute}")
        cpu: dict[Hashable, float] = {}
        periods: dict[Hashable, float] = {}
        throttled: dict[Hashable, float] = {}
        restarts: dict[Hashable, float] = {}
        node_busy = {node: 0.0 for node in self.cluster.nodes}
        node_memory = {node: 2.5 * 1024 * MIB for node in self.cluster.nodes}
        for pod in self.cluster.all_pods():
            if not pod.exists(t_ms):
                for family in (self._cpu, self._periods, self._throttled, self._restarts):
                    family.retire(pod.name)
                continue
            if any(t_ms <= r < end_ms for r in pod.restarts):
                self._cpu.reset(pod.name)
            service = self.scenario.service(pod.service)
            res = service.resources
            wobble = rng.uniform(-1, 1)
            served = pod_requests.get(pod.name, 0)
            if service.kind == "database":
                served = queries.get(service.name, 0) // service.replicas
            cores = (
                res.cpu_idle_cores * (1 + 0.2 * wobble) + served * res.cpu_per_request_ms / 60_000
            )
            throttle = self.plan.throttle(pod.service, t_ms)
            if throttle is not None:
                cores = res.cpu_limit_cores * (0.93 + 0.05 * rng.random())
            cores = min(cores, res.cpu_limit_cores)
            active_periods = 60 * CFS_PERIODS_PER_S * min(1.0, 0.2 + cores / res.cpu_limit_cores)
            ratio = throttle.throttled_ratio if throttle else 0.002 * (cores / res.cpu_limit_cores)
            cpu[pod.name] = cores * 60
            periods[pod.name] = round(active_periods)
            throttled[pod.name] = round(active_periods * ratio)
            restarts[pod.name] = sum(1 for r in pod.restarts if t_ms <= r < end_ms)
            node_busy[pod.node] += cores
            memory = self.plan.memory_bytes(pod, t_ms, wobble)
            node_memory[pod.node] += memory
            self._pod_gauges(pod, t_ms, memory)
        self._cpu.advance(cpu, t_s, self.step_s)
        self._periods.advance(periods, t_s, self.step_s)
        self._throttled.advance(throttled, t_s, self.step_s)
        self._restarts.advance(restarts, t_s, self.step_s)
        self._deployments(t_ms)
        self._nodes(t_s, node_busy, node_memory, rng)

    def _steps(self, t_ms: int) -> list[int]:
        return [t_ms // 1000 + k * self.step_s for k in range(1, 60 // self.step_s + 1)]

    def _pod_gauges(self, pod: Pod, t_ms: int, memory: float) -> None:
        ns, name, container = self.cluster.namespace, pod.name, pod.service
        res = self.scenario.service(pod.service).resources
        ids = {"namespace": ns, "pod": name, "container": container}
        g = self._gauges
        for ts in self._steps(t_ms):
            at_ms = ts * 1000
            self._memory.write(
                name,
                "container_memory_working_set_bytes",
                {**_CADVISOR, **ids, "node": pod.node},
                round(memory),
                ts,
            )
            g["kube_pod_info"].write(
                name,
                "kube_pod_info",
                {
                    **_KSM,
                    "namespace": ns,
                    "pod": name,
                    "node": pod.node,
                    "pod_ip": pod.ip,
                    "created_by_kind": "ReplicaSet",
                    "created_by_name": f"{pod.service}-{pod.rs_hash}",
                },
                1,
                ts,
            )
            for phase in _PHASES:
                g["kube_pod_status_phase"].write(
                    (name, phase),
                    "kube_pod_status_phase",
                    {**_KSM, "namespace": ns, "pod": name, "phase": phase},
                    1 if phase == "Running" else 0,
                    ts,
                )
            g["kube_pod_container_status_ready"].write(
                name,
                "kube_pod_container_status_ready",
                {**_KSM, **ids},
                1 if pod.ready(at_ms) else 0,
                ts,
            )
            if pod.crashing:
                g["kube_pod_container_status_waiting_reason"].write(
                    name,
                    "kube_pod_container_status_waiting_reason",
                    {**_KSM, **ids, "reason": "CrashLoopBackOff"},
                    0 if pod.running_at(at_ms) else 1,
                    ts,
                )
            last = pod.last_termination(at_ms)
            if last is not None:
                g["kube_pod_container_status_last_terminated_reason"].write(
                    name,
                    "kube_pod_container_status_last_terminated_reason",
                    {**_KSM, **ids, "reason": last},
                    1,
                    ts,
                )
            for resource, unit, value in (
                ("cpu", "core", res.cpu_limit_cores),
                ("memory", "byte", res.memory_limit_mib * MIB),
            ):
                g["kube_pod_container_resource_limits"].write(
                    (name, resource),
                    "kube_pod_container_resource_limits",
                    {**_KSM, **ids, "node": pod.node, "resource": resource, "unit": unit},
                    value,
                    ts,
                )

    def _deployments(self, t_ms: int) -> None:
        g = self._gauges
        for service in self.scenario.services:
            pods = [p for p in self.cluster.pods[service.name] if p.exists(t_ms)]
            labels = {**_KSM, "namespace": self.cluster.namespace, "deployment": service.name}
            for ts in self._steps(t_ms):
                available = sum(1 for p in pods if p.ready(ts * 1000))
                for name, value in (
                    ("kube_deployment_spec_replicas", service.replicas),
                    ("kube_deployment_status_replicas", len(pods)),
                    ("kube_deployment_status_replicas_available", available),
                    ("kube_deployment_status_replicas_unavailable", len(pods) - available),
                ):
                    g[name].write(service.name, name, labels, value, ts)

    def _nodes(
        self, t_s: int, busy: dict[str, float], memory: dict[str, float], rng: random.Random
    ) -> None:
        increments: dict[Hashable, float] = {}
        for node in self.cluster.nodes:
            used = min(busy[node] + 0.15 + 0.05 * rng.random(), NODE_CPUS * 0.98)
            per_cpu = used / NODE_CPUS
            for cpu in range(NODE_CPUS):
                shares = {
                    "user": per_cpu * 0.68,
                    "system": per_cpu * 0.27,
                    "iowait": per_cpu * 0.05,
                }
                shares["idle"] = 1.0 - per_cpu
                for mode, share in shares.items():
                    increments[(node, cpu, mode)] = share * 60
            labels = {"job": "node-exporter", "instance": node}
            for ts in range(t_s + self.step_s, t_s + 61, self.step_s):
                self._gauges["node_memory_MemTotal_bytes"].write(
                    node, "node_memory_MemTotal_bytes", labels, NODE_MEMORY_BYTES, ts
                )
                self._gauges["node_memory_MemAvailable_bytes"].write(
                    node,
                    "node_memory_MemAvailable_bytes",
                    labels,
                    round(NODE_MEMORY_BYTES - memory[node]),
                    ts,
                )
        self._node_cpu.advance(increments, t_s, self.step_s)
