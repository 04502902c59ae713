"""The servers opslens can run, by name, with their default ports.

Factories import their server lazily so that ``opslens --help`` stays fast and a server's
dependencies load only when it runs.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass

from fastapi import FastAPI

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

    def create_http_app(self) -> FastAPI:
        """The HTTP app: the module's own ``create_http_app`` or the protocol core's app."""
        module = importlib.import_module(self.module)
        if hasattr(module, "create_http_app"):
            app: FastAPI = module.create_http_app()
            return app
        from opslens_mcp.core.app import create_app
        from opslens_mcp.core.settings import ServerSettings

        return create_app(self.create_service(), ServerSettings())


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

SERVICES: dict[str, Component] = {
    **MCP_SERVERS,
    "agent": Component("agent", "opslens.agent.service", 8100, "questions in English and Korean"),
    "reports": Component("reports", "opslens.reports_server", 8104, "scheduled anomaly reports"),
}
