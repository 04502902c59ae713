"""The servers opslens can run, by name, with their default ports.

Factories import their server lazily so that ``opslens --help`` stays fast and a server's
dependencies load only when it runs.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass

from opslens_mcp.core.service import ServiceDefinition


@dataclass(frozen=True)
class Component:
    name: str
    module: str
    default_port: int
    summary: str

    def create_service(self) -> ServiceDefinition:
        """Build the server's definition from its ``OPSLENS_*`` settings."""
        factory = importlib.import_module(self.module).create_service
        service: ServiceDefinition = factory()
        return service


MCP_SERVERS: dict[str, Component] = {
    component.name: component
    for component in (
        Component(
            "opensearch", "opslens_mcp.opensearch.server", 8101, "logs and traces (OpenSearch)"
        ),
        Component("prometheus", "opslens_mcp.prometheus.server", 8102, "metrics (Prometheus)"),
        Component(
            "kubernetes", "opslens_mcp.kubernetes.server", 8103, "cluster state (Kubernetes API)"
        ),
    )
}
