"""Assembles the Kubernetes server: client, tools and readiness."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import urllib3

from opslens_mcp.core.server_info import add_server_info
from opslens_mcp.core.service import ServiceDefinition
from opslens_mcp.core.tools import ToolRegistry
from opslens_mcp.kubernetes.client import KubernetesClient
from opslens_mcp.kubernetes.settings import KubernetesSettings
from opslens_mcp.kubernetes.tools import ToolDeps, register_tools

INSTRUCTIONS = (
    "Read-only Kubernetes cluster state: diagnose, pods, logs, events, deployments, nodes, and "
    "the workload behind a service name. Every result carries the API requests it made "
    "(kubectl get --raw lines); show them so the user can rerun them."
)


def create_service(
    settings: KubernetesSettings | None = None, pool_manager: urllib3.PoolManager | None = None
) -> ServiceDefinition:
    """The Kubernetes server; ``pool_manager`` replaces the HTTP pool (tests of failures)."""
    settings = settings or KubernetesSettings()
    client = KubernetesClient(settings, pool_manager)
    registry = ToolRegistry()
    register_tools(registry, ToolDeps.build(client))
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
