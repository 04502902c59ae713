"""Istio's request metrics from every generated request (not only the sampled traces).

``istio_requests_total`` (both reporters) and ``istio_request_duration_milliseconds``
(destination reporter), labelled as Istio's Envoy sidecars label them. Counts are collected
per minute, then written as counters at each sample step of that minute.
"""

from __future__ import annotations

import bisect
from collections.abc import Hashable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from opslens.scenarios.openmetrics import CounterFamily, FamilyWriter
from opslens.scenarios.topology import INGRESS, INGRESS_NAMESPACE

if TYPE_CHECKING:
    from opslens.scenarios.traffic import Hop

# Istio's default duration buckets in ms, up to 30 s (no generated request is slower).
BUCKETS_MS = (0.5, 1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000)
LE_LABELS = (*(f"{b:g}" for b in BUCKETS_MS), "+Inf")
REPORTERS = ("destination", "source")
# Both sidecars report each request; the duration histogram is written for the destination
# reporter only (what latency queries use), which halves the largest family.
HISTOGRAM_REPORTER = "destination"

EdgeKey = tuple[str, str, int]  # (source workload, destination workload, response code)


@dataclass
class EdgeMinute:
    count: int = 0
    server_ms: float = 0.0
    server_buckets: list[int] = field(default_factory=lambda: [0] * (len(BUCKETS_MS) + 1))

    def cumulative(self) -> list[int]:
        """Counts per ``le`` (cumulative, ``+Inf`` last) as Prometheus stores them."""
        out, running = [], 0
        for value in self.server_buckets:
            running += value
            out.append(running)
        return out


class MeshMinute:
    """One minute of mesh traffic: per (source, destination, code) counts and latencies."""

    def __init__(self) -> None:
        self.edges: dict[EdgeKey, EdgeMinute] = {}
        self.pod_requests: dict[str, int] = {}
        self.queries: dict[str, int] = {}

    def record(self, source: str, hop: Hop) -> None:
        """Count one HTTP request as both sidecars (caller's and callee's) report it."""
        if hop.pod is not None:
            self.pod_requests[hop.pod.name] = self.pod_requests.get(hop.pod.name, 0) + 1
        key = (source, hop.node.name, hop.status)
        edge = self.edges.get(key)
        if edge is None:
            edge = self.edges[key] = EdgeMinute()
        edge.count += 1
        edge.server_ms += hop.duration_ms
        edge.server_buckets[bisect.bisect_left(BUCKETS_MS, hop.duration_ms)] += 1

    def record_query(self, hop: Hop) -> None:
        """A database query (plain TCP for the mesh: no request metrics, only load)."""
        self.queries[hop.node.name] = self.queries.get(hop.node.name, 0) + 1

    def by_destination(self) -> Iterator[tuple[str, int, EdgeMinute]]:
        for (_, destination, code), edge in self.edges.items():
            yield destination, code, edge


class IstioMetrics:
    """Writes the mesh counters minute by minute."""

    def __init__(self, writer: FamilyWriter, namespace: str, step_s: int) -> None:
        self.namespace = namespace
        self.step_s = step_s
        self._requests = CounterFamily(writer, "istio_requests")
        self._histogram = CounterFamily(writer, "istio_request_duration_milliseconds", "histogram")

    def _labels(self, reporter: str, key: EdgeKey) -> dict[str, str]:
        source, destination, code = key
        ns = self.namespace
        return {
            "reporter": reporter,
            "source_workload": source,
            "source_workload_namespace": INGRESS_NAMESPACE if source == INGRESS else ns,
            "destination_workload": destination,
            "destination_workload_namespace": ns,
            "destination_service_name": destination,
            "destination_service_namespace": ns,
            "request_protocol": "http",
            "response_code": str(code),
        }

    def _declare(self, reporter: str, key: EdgeKey) -> None:
        labels = self._labels(reporter, key)
        self._requests.declare((reporter, key), "istio_requests_total", labels)
        if reporter != HISTOGRAM_REPORTER:
            return
        for i, le in enumerate(LE_LABELS):
            self._histogram.declare(
                (reporter, key, i),
                "istio_request_duration_milliseconds_bucket",
                {**labels, "le": le},
            )
        histogram = "istio_request_duration_milliseconds"
        self._histogram.declare((reporter, key, "sum"), f"{histogram}_sum", labels, whole=False)
        self._histogram.declare((reporter, key, "count"), f"{histogram}_count", labels)

    def write_minute(self, minute: MeshMinute, minute_start_s: int) -> None:
        requests: dict[Hashable, float] = {}
        histogram: dict[Hashable, float] = {}
        for key, edge in minute.edges.items():
            for reporter in REPORTERS:
                if not self._requests.known((reporter, key)):
                    self._declare(reporter, key)
                requests[(reporter, key)] = edge.count
            reporter = HISTOGRAM_REPORTER
            for i, value in enumerate(edge.cumulative()):
                histogram[(reporter, key, i)] = value
            histogram[(reporter, key, "count")] = edge.count
            histogram[(reporter, key, "sum")] = edge.server_ms
        self._requests.advance(requests, minute_start_s, self.step_s)
        self._histogram.advance(histogram, minute_start_s, self.step_s)
