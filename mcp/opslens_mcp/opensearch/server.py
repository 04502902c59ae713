"""Assembles the OpenSearch server: client, tools and readiness."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from opslens_mcp.core.server_info import add_server_info
from opslens_mcp.core.service import ServiceDefinition
from opslens_mcp.core.tools import ToolRegistry
from opslens_mcp.opensearch.client import OpenSearchClient
from opslens_mcp.opensearch.settings import OpenSearchSettings

INSTRUCTIONS = (
    "Logs and traces from OpenSearch. Every result carries the exact OpenSearch request it ran."
)


def create_service(settings: OpenSearchSettings | None = None) -> ServiceDefinition:
    settings = settings or OpenSearchSettings()
    client = OpenSearchClient(settings)
    registry = ToolRegistry()
    add_server_info(registry, "opensearch", client.url)

    @asynccontextmanager
    async def resources() -> AsyncIterator[None]:
        try:
            yield
        finally:
            await client.aclose()

    return ServiceDefinition(
        name="opensearch",
        registry=registry,
        instructions=INSTRUCTIONS,
        readiness=client.ready,
        resources=resources,
    )
