"""The scenario's pods: names, nodes, and what happened to each (OOM kills, crash loops).

Pod names follow the Deployment convention ``<service>-<rs hash>-<suffix>``. Everything is
derived from the scenario seed, so the same file gives the same pods.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from opslens.scenarios.clock import MINUTE_MS
from opslens.scenarios.model import CrashLoop, MemoryLeak, Scenario

_SUFFIX_CHARS = "bcdfghjklmnpqrstvwxz2456789"  # what Kubernetes uses for generated names
POD_STARTED_BEFORE_MS = 3 * 24 * 60 * MINUTE_MS  # pods were started days before the history
OOM_RESTART_GAP_MS = 20_000  # killed container restarts and turns ready again after this
CRASH_RUN_MS = 6_000  # a crash-looping container lives this long before it exits
_BACKOFF_MS = (10_000, 20_000, 40_000, 80_000, 160_000, 300_000)  # kubelet's back-off


@dataclass
class Pod:
    """One pod and its life during the scenario (times in epoch milliseconds)."""

    name: str
    service: str
    node: str
    rs_hash: str
    ip: str
    created_ms: int
    crashing: bool = False
    deleted_ms: int | None = None
    kills: list[int] = field(default_factory=list)  # OOM kill times
    crashes: list[int] = field(default_factory=list)  # crash-loop exits
    not_ready: list[tuple[int, int]] = field(default_factory=list)
    exit_code: int = 0

    @property
    def restarts(self) -> list[int]:
        """Times the container was restarted (after each kill or crash)."""
        return sorted(self.kills + self.crashes)

    def ready(self, t_ms: int) -> bool:
        """Whether the pod serves traffic at ``t_ms`` (crash-looping pods never do)."""
        if self.crashing or t_ms < self.created_ms:
            return False
        return not any(a <= t_ms < b for a, b in self.not_ready)

    def restart_count(self, t_ms: int) -> int:
        return sum(1 for r in self.restarts if r <= t_ms)

    def running_at(self, t_ms: int) -> bool:
        """Whether a crash-looping container is up (between a restart and its next crash)."""
        return any(c - CRASH_RUN_MS <= t_ms < c for c in self.crashes)

    def last_termination(self, t_ms: int) -> str | None:
        """Why the container last stopped before ``t_ms``: ``OOMKilled``, ``Error`` or None."""
        last_kill = max((k for k in self.kills if k <= t_ms), default=None)
        last_crash = max((c for c in self.crashes if c <= t_ms), default=None)
        if last_kill is None and last_crash is None:
            return None
        if last_crash is None or (last_kill is not None and last_kill > last_crash):
            return "OOMKilled"
        return "Error"

    def exists(self, t_ms: int) -> bool:
        return self.created_ms <= t_ms and (self.deleted_ms is None or t_ms < self.deleted_ms)


@dataclass
class Cluster:
    """All pods by service, in a stable order; the first ``replicas`` are the steady ones."""

    namespace: str
    nodes: list[str]
    pods: dict[str, list[Pod]]

    def serving(self, service: str) -> list[Pod]:
        return [p for p in self.pods[service] if not p.crashing]

    def all_pods(self) -> list[Pod]:
        return [pod for pods in self.pods.values() for pod in pods]


def _hash(rng: random.Random) -> str:
    return f"{rng.getrandbits(40):010x}"


def _suffix(rng: random.Random) -> str:
    return "".join(rng.choice(_SUFFIX_CHARS) for _ in range(5))


def build_cluster(scenario: Scenario, now_ms: int) -> Cluster:
    """Lay out pods over nodes and apply the pod-level faults (memory leaks, crash loops)."""
    history_start = now_ms - scenario.history_ms
    pods: dict[str, list[Pod]] = {}
    slot = 0
    for service in scenario.services:
        rng = random.Random(f"{scenario.seed}/pods/{service.name}")
        rs_hash = _hash(rng)
        pods[service.name] = []
        for _ in range(service.replicas):
            node = scenario.nodes[slot % len(scenario.nodes)]
            pods[service.name].append(
                Pod(
                    name=f"{service.name}-{rs_hash}-{_suffix(rng)}",
                    service=service.name,
                    node=node,
                    rs_hash=rs_hash,
                    ip=f"10.244.{slot % len(scenario.nodes)}.{10 + slot}",
                    created_ms=history_start - POD_STARTED_BEFORE_MS + slot * 7_000,
                )
            )
            slot += 1
    for fault in scenario.faults:
        start, end = fault.window_ms(now_ms)
        if isinstance(fault, MemoryLeak):
            _apply_leak(pods[fault.target][fault.pod], fault, start, end)
        elif isinstance(fault, CrashLoop):
            rng = random.Random(f"{scenario.seed}/rollout/{fault.target}/{fault.start}")
            node = scenario.nodes[slot % len(scenario.nodes)]
            pod = Pod(
                name="",
                service=fault.target,
                node=node,
                rs_hash=_hash(rng),
                ip=f"10.244.{slot % len(scenario.nodes)}.{10 + slot}",
                created_ms=start,
                crashing=True,
                exit_code=fault.exit_code,
            )
            pod.name = f"{fault.target}-{pod.rs_hash}-{_suffix(rng)}"
            slot += 1
            pod.crashes = crash_times(start, end)
            pod.deleted_ms = end if end < now_ms else None
            pods[fault.target].append(pod)
    return Cluster(scenario.namespace, list(scenario.nodes), pods)


def leak_kill_times(start_ms: int, end_ms: int, kills: int) -> list[int]:
    """Evenly spaced OOM kills, the last one at the end of the window."""
    ramp = (end_ms - start_ms) // kills
    return [start_ms + ramp * (i + 1) for i in range(kills)]


def _apply_leak(pod: Pod, fault: MemoryLeak, start: int, end: int) -> None:
    pod.kills = leak_kill_times(start, end, fault.kills)
    pod.not_ready = [(kill, kill + OOM_RESTART_GAP_MS) for kill in pod.kills]


def crash_times(start_ms: int, end_ms: int) -> list[int]:
    """When a crash-looping container exits: it runs briefly, then kubelet backs off."""
    times = []
    t = start_ms + CRASH_RUN_MS
    attempt = 0
    while t < end_ms:
        times.append(t)
        t += _BACKOFF_MS[min(attempt, len(_BACKOFF_MS) - 1)] + CRASH_RUN_MS
        attempt += 1
    return times
