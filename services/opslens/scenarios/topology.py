"""The call graph compiled for fast request generation: one node per endpoint or query.

A :class:`Node` is what a service does for one route (an HTTP endpoint) or one database
operation; its edges are the calls it makes. Entry nodes get traffic from the ingress.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from opslens.scenarios.faults import LogNormal
from opslens.scenarios.model import Scenario, Service

NETWORK_MS = 0.4  # one way, between two pods of the mesh
INGRESS = "istio-ingressgateway"
INGRESS_NAMESPACE = "istio-system"


@dataclass(eq=False)
class Edge:
    node: Node
    probability: float
    required: bool


@dataclass(eq=False)
class Node:
    """One endpoint of an HTTP service, or one operation on a database."""

    service: Service
    route: str
    latency: LogNormal
    is_db: bool = False
    rps: float = 0.0
    calls: list[Edge] = field(default_factory=list)
    logs: list[str] = field(default_factory=list)
    name: str = field(init=False)
    p99: float = field(init=False)
    error_rate: float = field(init=False)

    def __post_init__(self) -> None:
        self.name = self.service.name
        # The slowest 1% of normal own processing starts here (the tail-sampling threshold).
        self.p99 = self.latency.p99
        self.error_rate = self.service.error_rate

    @property
    def method(self) -> str:
        return self.route.split(" ", 1)[0] if not self.is_db else ""

    @property
    def path(self) -> str:
        return self.route.split(" ", 1)[1] if " " in self.route else self.route


@dataclass
class Topology:
    scenario: Scenario
    entries: list[Node]
    nodes: list[Node]

    def edges(self) -> list[tuple[str, str]]:
        """Distinct ``(caller, callee)`` service pairs, in a stable order."""
        seen: dict[tuple[str, str], None] = {}
        for node in self.nodes:
            for edge in node.calls:
                seen[(node.name, edge.node.name)] = None
        return list(seen)


def compile_topology(scenario: Scenario) -> Topology:
    """Resolve every call to the node it reaches (callee endpoint or database operation)."""
    http: dict[tuple[str, str], Node] = {}
    db: dict[tuple[str, str], Node] = {}
    ordered: list[Node] = []
    for service in scenario.services:
        for endpoint in service.endpoints:
            node = Node(
                service=service,
                route=endpoint.route,
                latency=LogNormal.of(endpoint.latency_ms or service.latency_ms),
                rps=endpoint.rps,
                logs=list(endpoint.logs),
            )
            http[(service.name, endpoint.route)] = node
            ordered.append(node)
    for service in scenario.services:
        for endpoint in service.endpoints:
            caller = http[(service.name, endpoint.route)]
            for call in endpoint.calls:
                callee = scenario.service(call.to)
                if callee.kind == "database":
                    operation = call.route or f"SELECT {service.name.split('-')[0]}s"
                    key = (callee.name, operation)
                    if key not in db:
                        db[key] = Node(callee, operation, LogNormal.of(callee.latency_ms), True)
                    target = db[key]
                else:
                    route = call.route or callee.endpoints[0].route
                    target = http[(callee.name, route)]
                caller.calls.append(Edge(target, call.probability, call.required))
    entries = [node for node in ordered if node.rps > 0]
    return Topology(scenario, entries, ordered + list(db.values()))
