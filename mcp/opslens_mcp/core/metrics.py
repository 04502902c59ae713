"""Prometheus metrics of one server: requests and their duration by method and outcome."""

from __future__ import annotations

from dataclasses import dataclass, field

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

__all__ = ["CONTENT_TYPE_LATEST", "ServerMetrics"]


@dataclass
class ServerMetrics:
    """Counters and histograms in a registry of their own (one per app, so tests can make many)."""

    registry: CollectorRegistry = field(default_factory=CollectorRegistry)

    def __post_init__(self) -> None:
        self.calls = Counter(
            "opslens_rpc_requests_total",
            "Tool calls and protocol requests served, by method and outcome.",
            ["method", "outcome"],
            registry=self.registry,
        )
        self.duration = Histogram(
            "opslens_rpc_request_duration_seconds",
            "Time to serve a tool call, by method and outcome.",
            ["method", "outcome"],
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
            registry=self.registry,
        )

    def observe(self, method: str, outcome: str, seconds: float) -> None:
        self.calls.labels(method, outcome).inc()
        self.duration.labels(method, outcome).observe(seconds)

    def render(self) -> bytes:
        return generate_latest(self.registry)
