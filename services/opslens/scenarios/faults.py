"""How the injected faults change a service at a given moment.

:class:`FaultPlan` answers the questions request generation and resource metrics ask at
time ``t``: is the target failing (error burst), how slow is it (latency, CPU throttling,
memory pressure), can it reach its dependency, how much memory does a pod use.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TypeVar

from opslens.scenarios.cluster import Pod
from opslens.scenarios.model import (
    CpuThrottle,
    DependencyDown,
    ErrorBurst,
    Fault,
    Latency,
    LatencyFault,
    MemoryLeak,
    Scenario,
)

F = TypeVar("F", ErrorBurst, CpuThrottle, MemoryLeak)
Z95 = 1.6448536269514722  # standard normal quantile of 0.95
Z99 = 2.3263478740408408
MIB = 1024 * 1024


@dataclass(frozen=True)
class LogNormal:
    """Log-normal latency in milliseconds through a median and a 95th percentile."""

    mu: float
    sigma: float

    @classmethod
    def through(cls, p50: float, p95: float) -> LogNormal:
        return cls(math.log(p50), max(math.log(p95 / p50) / Z95, 1e-6))

    @classmethod
    def of(cls, latency: Latency) -> LogNormal:
        return cls.through(latency.p50, latency.p95)

    @property
    def p99(self) -> float:
        return math.exp(self.mu + Z99 * self.sigma)


@dataclass(frozen=True)
class ActiveFault:
    """A fault with its window resolved to epoch milliseconds."""

    fault: Fault
    start_ms: int
    end_ms: int

    def active(self, t_ms: int) -> bool:
        return self.start_ms <= t_ms < self.end_ms


class FaultPlan:
    """The scenario's faults, indexed by target service."""

    def __init__(self, scenario: Scenario, now_ms: int) -> None:
        self.scenario = scenario
        self.faults = [ActiveFault(f, *f.window_ms(now_ms)) for f in scenario.faults]
        self._by_target: dict[str, list[ActiveFault]] = {}
        for active in self.faults:
            self._by_target.setdefault(active.fault.target, []).append(active)
        self._slow = {
            a.fault.target: (a, LogNormal.through(a.fault.p50_ms, a.fault.p95_ms))
            for a in self.faults
            if isinstance(a.fault, LatencyFault)
        }

    def _active(self, service: str, kind: type[F], t_ms: int) -> tuple[F, ActiveFault] | None:
        for active in self._by_target.get(service, ()):
            if isinstance(active.fault, kind) and active.active(t_ms):
                return active.fault, active
        return None

    def error_burst(self, service: str, t_ms: int) -> ErrorBurst | None:
        found = self._active(service, ErrorBurst, t_ms)
        return found[0] if found else None

    def dependency_down(self, service: str, dependency: str, t_ms: int) -> DependencyDown | None:
        for active in self._by_target.get(service, ()):
            fault = active.fault
            if (
                isinstance(fault, DependencyDown)
                and fault.dependency == dependency
                and active.active(t_ms)
            ):
                return fault
        return None

    def latency_override(self, service: str, t_ms: int) -> LogNormal | None:
        """The slowed-down latency of a ``latency`` fault's target, while it lasts."""
        found = self._slow.get(service)
        if found and found[0].active(t_ms):
            return found[1]
        return None

    def throttle(self, service: str, t_ms: int) -> CpuThrottle | None:
        found = self._active(service, CpuThrottle, t_ms)
        return found[0] if found else None

    def slowdown(self, pod: Pod, t_ms: int) -> float:
        """Latency factor on one pod from CPU throttling and memory pressure (GC)."""
        factor = 1.0
        throttle = self.throttle(pod.service, t_ms)
        if throttle is not None:
            factor *= throttle.latency_factor
        fill = self.leak_fill(pod, t_ms)
        if fill > 0.7:
            factor *= 1.0 + 6.0 * (fill - 0.7)
        return factor

    def leak_fill(self, pod: Pod, t_ms: int) -> float:
        """How far a leaking pod's memory has grown from its usual level to its limit (0..1)."""
        if not pod.kills:
            return 0.0
        found = self._active(pod.service, MemoryLeak, t_ms)
        ramp_end = min((k for k in pod.kills if k > t_ms), default=None)
        if found is None or ramp_end is None:
            return 0.0
        ramp_start = max([found[1].start_ms, *[k for k in pod.kills if k <= t_ms]])
        return (t_ms - ramp_start) / (ramp_end - ramp_start)

    def memory_bytes(self, pod: Pod, t_ms: int, wobble: float) -> float:
        """Working-set bytes of ``pod``'s container; ``wobble`` in [-1, 1] adds noise."""
        resources = self.scenario.service(pod.service).resources
        usual = resources.memory_mib * MIB * (1 + 0.03 * wobble)
        limit = resources.memory_limit_mib * MIB
        fill = self.leak_fill(pod, t_ms)
        if fill > 0:
            return usual + (limit * 0.995 - usual) * fill
        since_restart = min((t_ms - r for r in pod.restarts if r <= t_ms), default=None)
        if since_restart is not None and since_restart < 10 * 60_000:  # fresh process warms up
            return usual * (0.6 + 0.4 * since_restart / (10 * 60_000))
        return usual

    def windows(self) -> list[ActiveFault]:
        return list(self.faults)
