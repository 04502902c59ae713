"""Assembles the Prometheus server: client, tools and readiness."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx

from opslens_mcp.core.server_info import add_server_info
from opslens_mcp.core.service import ServiceDefinition
from opslens_mcp.core.tools import ToolRegistry
from opslens_mcp.prometheus.client import PrometheusClient
from opslens_mcp.prometheus.settings import PrometheusSettings
from opslens_mcp.prometheus.tools_discovery import register_discovery_tools
from opslens_mcp.prometheus.tools_query import register_query_tools
from opslens_mcp.prometheus.tools_red import register_red_tools
from opslens_mcp.prometheus.tools_resources import register_resource_tools
from opslens_mcp.prometheus.tools_status import register_status_tools

INSTRUCTIONS = (
    "Metrics from Prometheus: how much, how fast, how often. Every result carries the PromQL "
    "(or API request) that produced it and the time or range it covered; show it to the user "
    "so they can rerun it. Prefer red_summary (services) and resource_usage (pods) to raw "
    "PromQL; use list_metrics, metric_metadata and label_values to find names first. Pass an "
    "absolute `at`/`end` to pin 'now' for reproducible answers."
)


def create_service(
    settings: PrometheusSettings | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
) -> ServiceDefinition:
    """The Prometheus server; ``transport`` replaces the HTTP transport (tests of failures)."""
    settings = settings or PrometheusSettings()
    client = PrometheusClient(settings, transport)
    registry = ToolRegistry()
    register_query_tools(registry, client, settings)
    register_red_tools(registry, client, settings)
    register_resource_tools(registry, client, settings)
    register_discovery_tools(registry, client)
    register_status_tools(registry, client)
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
