"""The Kubernetes events the faults leave behind (OOMKilling, BackOff, Unhealthy, rollouts).

Events are aggregated as the kubelet and controllers do: one event per (object, reason,
message) with a ``count`` and first/last timestamps.
"""

from __future__ import annotations

import random
from dataclasses import asdict, dataclass
from typing import Any

from opslens.scenarios.cluster import CRASH_RUN_MS, Cluster, Pod
from opslens.scenarios.faults import MIB, FaultPlan
from opslens.scenarios.model import CpuThrottle, CrashLoop, MemoryLeak, Scenario


@dataclass(frozen=True)
class EventRecord:
    namespace: str
    object_kind: str
    object_name: str
    reason: str
    message: str
    type: str
    count: int
    first_ms: int
    last_ms: int
    component: str
    host: str = ""
    container: str = ""
    api_version: str = "v1"

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _probe_failure(scenario: Scenario, pod: Pod) -> str:
    service = scenario.service(pod.service)
    path = "/actuator/health/readiness" if service.language == "java" else "/healthz"
    return (
        f'Readiness probe failed: Get "http://{pod.ip}:{service.port}{path}": context deadline '
        "exceeded (Client.Timeout exceeded while awaiting headers)"
    )


def _image(scenario: Scenario, service: str) -> str:
    version = scenario.service(service).version
    return f"registry.example.com/{scenario.namespace}/{service}:{version}"


def _pod_event(
    scenario: Scenario,
    pod: Pod,
    reason: str,
    message: str,
    kind: str,
    count: int,
    first: int,
    last: int,
    component: str = "kubelet",
) -> EventRecord:
    return EventRecord(
        scenario.namespace,
        "Pod",
        pod.name,
        reason,
        message,
        kind,
        count,
        first,
        last,
        component,
        pod.node,
        pod.service,
    )


def _leak_events(scenario: Scenario, pod: Pod) -> list[EventRecord]:
    rng = random.Random(f"{scenario.seed}/oom/{pod.name}")
    limit_kb = scenario.service(pod.service).resources.memory_limit_mib * MIB // 1024
    kills = pod.kills
    out = []
    for kill in kills:
        pid = rng.randint(2000, 60000)
        out.append(
            EventRecord(
                "default",
                "Node",
                pod.node,
                "OOMKilling",
                f"Memory cgroup out of memory: Killed process {pid} (java) total-vm:"
                f"{limit_kb * 3}kB, anon-rss:{limit_kb - rng.randint(200, 900)}kB, file-rss:0kB, "
                f"shmem-rss:0kB, UID:1000 pgtables:{rng.randint(1800, 2600)}kB oom_score_adj:"
                "984",
                "Warning",
                1,
                kill,
                kill,
                "kernel-monitor",
                pod.node,
            )
        )
    out.append(
        _pod_event(
            scenario,
            pod,
            "Unhealthy",
            _probe_failure(scenario, pod),
            "Warning",
            6 * len(kills),
            kills[0] - 180_000,
            kills[-1] - 10_000,
        )
    )
    image = _image(scenario, pod.service)
    for reason, message in (
        ("Pulled", f'Container image "{image}" already present on machine'),
        ("Created", f"Created container {pod.service}"),
        ("Started", f"Started container {pod.service}"),
    ):
        out.append(
            _pod_event(
                scenario,
                pod,
                reason,
                message,
                "Normal",
                len(kills),
                kills[0] + 1_000,
                kills[-1] + 1_000,
            )
        )
    if len(kills) > 1:
        out.append(
            _pod_event(
                scenario,
                pod,
                "BackOff",
                f"Back-off restarting failed container {pod.service} in pod "
                f"{pod.name}_{scenario.namespace}",
                "Warning",
                len(kills) - 1,
                kills[1] + 2_000,
                kills[-1] + 2_000,
            )
        )
    return out


def _crash_events(
    scenario: Scenario, pod: Pod, start: int, end: int, now_ms: int
) -> list[EventRecord]:
    deployment = f"{pod.service}-{pod.rs_hash}"
    image = _image(scenario, pod.service)
    out = [
        EventRecord(
            scenario.namespace,
            "Deployment",
            pod.service,
            "ScalingReplicaSet",
            f"Scaled up replica set {deployment} to 1 from 0",
            "Normal",
            1,
            start,
            start,
            "deployment-controller",
            api_version="apps/v1",
        ),
        _pod_event(
            scenario,
            pod,
            "Scheduled",
            f"Successfully assigned {scenario.namespace}/{pod.name} to {pod.node}",
            "Normal",
            1,
            start,
            start,
            "default-scheduler",
        ),
        _pod_event(
            scenario,
            pod,
            "Pulling",
            f'Pulling image "{image}"',
            "Normal",
            1,
            start + 500,
            start + 500,
        ),
        _pod_event(
            scenario,
            pod,
            "Pulled",
            f'Successfully pulled image "{image}" in 2.104s '
            "(2.104s including waiting). Image size: 187351203 bytes.",
            "Normal",
            1,
            start + 2_600,
            start + 2_600,
        ),
    ]
    crashes = pod.crashes
    if crashes:
        starts = [c - CRASH_RUN_MS for c in crashes]  # each container start
        for reason, message in (
            ("Created", f"Created container {pod.service}"),
            ("Started", f"Started container {pod.service}"),
        ):
            out.append(
                _pod_event(
                    scenario, pod, reason, message, "Normal", len(starts), starts[0], starts[-1]
                )
            )
        out.append(
            _pod_event(
                scenario,
                pod,
                "BackOff",
                f"Back-off restarting failed container {pod.service} in pod "
                f"{pod.name}_{scenario.namespace}",
                "Warning",
                len(crashes),
                crashes[0] + 1_000,
                min(crashes[-1] + 1_000, now_ms - 1_000),
            )
        )
    if end < now_ms:
        out.append(
            EventRecord(
                scenario.namespace,
                "Deployment",
                pod.service,
                "ScalingReplicaSet",
                f"Scaled down replica set {deployment} to 0 from 1",
                "Normal",
                1,
                end,
                end,
                "deployment-controller",
                api_version="apps/v1",
            )
        )
    return out


def _throttle_events(
    scenario: Scenario, cluster: Cluster, start: int, end: int, target: str
) -> list[EventRecord]:
    count = max(1, (end - start) // 45_000)
    return [
        _pod_event(
            scenario,
            pod,
            "Unhealthy",
            _probe_failure(scenario, pod),
            "Warning",
            count,
            start + 30_000,
            end - 10_000,
        )
        for pod in cluster.serving(target)
    ]


def fault_events(
    scenario: Scenario, cluster: Cluster, plan: FaultPlan, now_ms: int
) -> list[EventRecord]:
    """Every event the scenario's faults produced, oldest first."""
    out: list[EventRecord] = []
    for active in plan.windows():
        fault = active.fault
        if isinstance(fault, MemoryLeak):
            out += _leak_events(scenario, cluster.pods[fault.target][fault.pod])
        elif isinstance(fault, CrashLoop):
            pod = next(
                p
                for p in cluster.pods[fault.target]
                if p.crashing and p.created_ms == active.start_ms
            )
            out += _crash_events(scenario, pod, active.start_ms, active.end_ms, now_ms)
        elif isinstance(fault, CpuThrottle):
            out += _throttle_events(scenario, cluster, active.start_ms, active.end_ms, fault.target)
    return sorted(out, key=lambda e: (e.first_ms, e.object_name, e.reason))
