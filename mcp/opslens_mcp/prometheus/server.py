"""Assembles the Prometheus server: client, tools and readiness."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from opslens_mcp.core.server_info import add_server_info
from opslens_mcp.core.service import ServiceDefinition
from opslens_mcp.core.tools import ToolRegistry
from opslens_mcp.prometheus.client import PrometheusClient
from opslens_mcp.prometheus.settings import PrometheusSettings

INSTRUCTIONS = (
    "Metrics from Prometheus. Every result carries the PromQL that produced it; show it to the "
    "user so they can rerun it."
)


def create_service(settings: PrometheusSettings | None = None) -> ServiceDefinition:
    settings = settings or PrometheusSettings()
    client = PrometheusClient(settings)
    registry = ToolRegistry()
    add_server_info(registry, "prometheus", client.base_url)

    @asynccontextmanager
    async def resources() -> AsyncIterator[None]:
        try:
            yield
        finally:
            await client.aclose()

    return ServiceDefinition(
        name="prometheus",
        registry=registry,
        instructions=INSTRUCTIONS,
        readiness=client.ready,
        resources=resources,
    )
