"""Assembles the Kubernetes server: client, tools and readiness."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from opslens_mcp.core.server_info import add_server_info
from opslens_mcp.core.service import ServiceDefinition
from opslens_mcp.core.tools import ToolRegistry
from opslens_mcp.kubernetes.client import KubernetesClient
from opslens_mcp.kubernetes.settings import KubernetesSettings

INSTRUCTIONS = "Read-only Kubernetes cluster state: pods, events, deployments, nodes, diagnosis."


def create_service(settings: KubernetesSettings | None = None) -> ServiceDefinition:
    settings = settings or KubernetesSettings()
    client = KubernetesClient(settings)
    registry = ToolRegistry()
    add_server_info(registry, "kubernetes", client.host)

    @asynccontextmanager
    async def resources() -> AsyncIterator[None]:
        try:
            yield
        finally:
            client.close()

    return ServiceDefinition(
        name="kubernetes",
        registry=registry,
        instructions=INSTRUCTIONS,
        readiness=client.ready,
        resources=resources,
    )
