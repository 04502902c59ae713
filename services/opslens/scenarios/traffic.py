"""Requests, minute by minute: how many arrive, and what each one did in every service.

Randomness comes from ``random.Random`` sub-streams keyed by (seed, entry route, minute), so a
minute's requests are the same whatever else is generated around them. Each request is a tree
of :class:`Hop` (one per service visited or query made). A request and all it touches fall
inside the minute it started in, so per-minute ground truth is exact for any query window.
Every request is counted into the minute's mesh metrics; only the ones a tail-sampling
collector would keep are returned.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator
from dataclasses import dataclass, field

from opslens.scenarios.clock import MINUTE_MS
from opslens.scenarios.cluster import Cluster, Pod
from opslens.scenarios.faults import FaultPlan, LogNormal
from opslens.scenarios.istio import MeshMinute
from opslens.scenarios.model import DependencyDown, ErrorBurst
from opslens.scenarios.topology import INGRESS, NETWORK_MS, Node, Topology

MAX_OWN_MS = 30_000.0
ENVOY_NO_UPSTREAM_MS = 0.8

# Why a hop failed. "exception": the service itself (bug, error burst); "connection": this call
# could not reach its dependency (the caller is to blame); "unavailable": the callee had no
# ready pod (the callee is to blame); "downstream": a required call failed.
OWN_FAILURES = ("exception", "connection", "unavailable")


@dataclass(slots=True)
class Hop:
    """One service handling a request (or one database query), with its timing and outcome."""

    node: Node
    pod: Pod | None
    start_ms: float
    duration_ms: float = 0.0
    status: int = 200
    failure: str | None = None
    slow: bool = False
    blame: str | None = None
    burst: ErrorBurst | None = None
    children: list[Hop] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        return self.failure is not None

    @property
    def end_ms(self) -> float:
        return self.start_ms + self.duration_ms

    def walk(self) -> Iterator[Hop]:
        yield self
        for child in self.children:
            yield from child.walk()

    def shift(self, delta_ms: float) -> None:
        for hop in self.walk():
            hop.start_ms += delta_ms


@dataclass(slots=True)
class Request:
    minute: int
    root: Hop
    head_sampled: bool
    keep: bool = False

    @property
    def failed(self) -> bool:
        return self.root.failed

    def origin(self) -> Hop | None:
        """The deepest hop that failed on its own: where the errors start (see ``blame``)."""
        found = None
        for hop in self.root.walk():
            if hop.failure in OWN_FAILURES:
                found = hop
        return found


@dataclass(slots=True)
class ServiceMinute:
    """A service's condition during one minute (faults resolved once, not per request)."""

    latency_override: LogNormal | None
    burst: ErrorBurst | None
    down: dict[str, DependencyDown]
    steady: list[Pod]  # ready for the whole minute
    changing: list[Pod]  # readiness changes inside the minute: checked per request
    slowdown: dict[str, float]  # pod name -> latency factor, where not 1


def diurnal(t_ms: int) -> float:
    """Traffic level by UTC time of day: quiet at night, busiest in the afternoon."""
    hour = (t_ms // 3_600_000) % 24 + (t_ms % 3_600_000) / 3_600_000
    return 1.0 + 0.25 * math.sin(2 * math.pi * (hour - 9) / 24)


class TrafficGenerator:
    """Generates every request of every minute, faults applied."""

    def __init__(self, topology: Topology, cluster: Cluster, plan: FaultPlan, start_ms: int):
        self.topology, self.cluster, self.plan, self.start_ms = topology, cluster, plan, start_ms
        self.seed = topology.scenario.seed
        self.sample_ratio = topology.scenario.sampling.traces
        self._serving = {name: cluster.serving(name) for name in cluster.pods}
        self._deps = {
            s.name: sorted({c.to for e in s.endpoints for c in e.calls})
            for s in topology.scenario.services
        }
        self._state: dict[str, ServiceMinute] = {}
        self._mesh = MeshMinute()

    def _prepare(self, minute_start: int) -> None:
        plan, end = self.plan, minute_start + MINUTE_MS
        self._state = {}
        for name, pods in self._serving.items():
            down = {}
            for dependency in self._deps[name]:
                fault = plan.dependency_down(name, dependency, minute_start)
                if fault is not None:
                    down[dependency] = fault
            changing = [
                p for p in pods if any(a < end and b > minute_start for a, b in p.not_ready)
            ]
            self._state[name] = ServiceMinute(
                latency_override=plan.latency_override(name, minute_start),
                burst=plan.error_burst(name, minute_start),
                down=down,
                steady=[p for p in pods if p not in changing and p.ready(minute_start)],
                changing=changing,
                slowdown={p.name: f for p in pods if (f := plan.slowdown(p, minute_start)) != 1},
            )

    def minute(self, minute: int) -> tuple[list[Request], MeshMinute]:
        """The kept requests of ``minute`` and the mesh counts of all of its requests."""
        minute_start = self.start_ms + minute * MINUTE_MS
        self._prepare(minute_start)
        self._mesh = MeshMinute()
        kept = []
        for entry in self.topology.entries:
            rng = random.Random(f"{self.seed}/{entry.name}/{entry.route}/{minute}")
            rate = entry.rps * 60 * diurnal(minute_start)
            for _ in range(max(0, round(rng.gauss(rate, math.sqrt(rate))))):
                request = self._request(entry, minute, minute_start, rng)
                if request.keep:
                    kept.append(request)
        return kept, self._mesh

    def _request(self, entry: Node, minute: int, minute_start: int, rng: random.Random) -> Request:
        head = rng.random() < self.sample_ratio
        t = minute_start + 1 + rng.random() * (MINUTE_MS - 2)
        interesting = [False]
        root = self._serve(entry, t, rng, INGRESS, interesting)
        overrun = root.end_ms - (minute_start + MINUTE_MS - 1)
        if overrun > 0:  # keep the whole request inside its minute
            root.shift(-min(overrun, root.start_ms - minute_start - 1))
        # Tail sampling, as a collector does: every error and slow request, plus the sample.
        return Request(minute, root, head, head or interesting[0])

    def _pick_pod(self, state: ServiceMinute, t: float, rng: random.Random) -> Pod | None:
        pods = state.steady
        if state.changing:
            pods = pods + [p for p in state.changing if p.ready(int(t))]
        if not pods:
            return None
        return pods[int(rng.random() * len(pods))]

    def _serve(
        self, node: Node, t: float, rng: random.Random, source: str, interesting: list[bool]
    ) -> Hop:
        state = self._state[node.name]
        pod = self._pick_pod(state, t, rng)
        hop = Hop(node, pod, t)
        if pod is None:
            hop.duration_ms, hop.status, hop.failure = ENVOY_NO_UPSTREAM_MS, 503, "unavailable"
            hop.blame = node.name
            interesting[0] = True
            self._mesh.record(source, hop)
            return hop
        latency = state.latency_override or node.latency
        own = math.exp(rng.gauss(latency.mu, latency.sigma)) * state.slowdown.get(pod.name, 1.0)
        own = min(own, MAX_OWN_MS)
        if own > node.p99:
            hop.slow = interesting[0] = True
        burst = state.burst
        if burst is not None and rng.random() < burst.error_rate:
            hop.burst = burst
            hop.status, hop.failure, hop.blame = burst.status, "exception", node.name
        elif rng.random() < node.error_rate:
            hop.status, hop.failure, hop.blame = 500, "exception", node.name
        if hop.failure is not None:
            hop.duration_ms = own * 0.5
            interesting[0] = True
            self._mesh.record(source, hop)
            return hop
        cursor = t + own * 0.25
        for edge in node.calls:
            if edge.probability < 1.0 and rng.random() >= edge.probability:
                continue
            child = self._call(node, state, edge.node, cursor, rng, interesting)
            hop.children.append(child)
            cursor = child.start_ms + child.duration_ms + (0.0 if edge.node.is_db else NETWORK_MS)
            if child.failure is not None and edge.required:
                hop.status = 503 if child.failure == "connection" else 502
                hop.failure = "downstream"
                break
        hop.duration_ms = cursor + own * 0.75 - t
        self._mesh.record(source, hop)
        return hop

    def _call(
        self,
        caller: Node,
        state: ServiceMinute,
        callee: Node,
        t: float,
        rng: random.Random,
        interesting: list[bool],
    ) -> Hop:
        down = state.down.get(callee.name)
        if down is not None and rng.random() < down.error_rate:
            interesting[0] = True
            if callee.is_db:  # the pool waits for a connection, then gives up
                duration = down.timeout_ms * (0.98 + 0.04 * rng.random())
                hop = Hop(callee, None, t, duration, 0, "connection", blame=caller.name)
                self._mesh.record_query(hop)
                return hop
            hop = Hop(
                callee,
                None,
                t + NETWORK_MS,
                1.0 + rng.random(),
                503,
                "connection",
                blame=caller.name,
            )  # refused before reaching the callee
            self._mesh.record(caller.name, hop)
            return hop
        if callee.is_db:
            latency = callee.latency
            hop = Hop(
                callee, None, t, min(math.exp(rng.gauss(latency.mu, latency.sigma)), MAX_OWN_MS)
            )
            if hop.duration_ms > callee.p99:
                hop.slow = interesting[0] = True
            self._mesh.record_query(hop)
            return hop
        return self._serve(callee, t + NETWORK_MS, rng, caller.name, interesting)
