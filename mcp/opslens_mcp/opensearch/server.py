"""Assembles the OpenSearch server: client, cache, sessions, tools and readiness."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from fastapi import FastAPI
from prometheus_client.registry import Collector

from opslens_mcp.core.app import create_app
from opslens_mcp.core.server_info import add_server_info
from opslens_mcp.core.service import ServiceDefinition
from opslens_mcp.core.settings import ServerSettings
from opslens_mcp.core.tools import ToolRegistry
from opslens_mcp.opensearch.cache import CacheCollector, ResponseCache
from opslens_mcp.opensearch.client import OpenSearchClient
from opslens_mcp.opensearch.context import ToolContext
from opslens_mcp.opensearch.searcher import Searcher
from opslens_mcp.opensearch.session import SessionStore
from opslens_mcp.opensearch.settings import OpenSearchSettings
from opslens_mcp.opensearch.tools_discovery import register_discovery_tools
from opslens_mcp.opensearch.tools_log_patterns import register_log_pattern_tools
from opslens_mcp.opensearch.tools_log_stats import register_log_stats_tools
from opslens_mcp.opensearch.tools_logs import register_log_tools
from opslens_mcp.opensearch.tools_spans import register_span_tools
from opslens_mcp.opensearch.tools_trace_stats import register_trace_stats_tools
from opslens_mcp.opensearch.tools_traces import register_trace_tools

INSTRUCTIONS = (
    "Logs and traces from OpenSearch: container logs (Vector), OpenTelemetry logs and Data "
    "Prepper spans. Start with list_services or describe_schema when unsure what exists; "
    "count_logs/log_histogram/log_patterns before search_logs for big windows; error logs "
    "carry trace ids for get_traces. Every result carries the exact OpenSearch requests it "
    "ran: show them so users can rerun them. Pass the same `now` and a session id to keep "
    "follow-up questions on the same window and filters."
)


@dataclass
class OpenSearchService(ServiceDefinition):
    """The service with the Prometheus collectors of its cache (for the app's /metrics)."""

    collectors: list[Collector] = field(default_factory=list)


def create_service(
    settings: OpenSearchSettings | None = None, *, client: OpenSearchClient | None = None
) -> OpenSearchService:
    """The OpenSearch server; pass ``client`` to choose its connection (tests count requests)."""
    settings = settings or OpenSearchSettings()
    client = client or OpenSearchClient(settings)
    cache = ResponseCache(ttl_s=settings.cache_ttl_s, max_entries=settings.cache_max_entries)
    context = ToolContext(
        settings=settings,
        searcher=Searcher(client, cache, mapping_ttl_s=settings.mapping_ttl_s),
        sessions=SessionStore(ttl_s=settings.session_ttl_s, max_sessions=settings.max_sessions),
    )
    registry = ToolRegistry()
    register_log_tools(registry, context)
    register_log_stats_tools(registry, context)
    register_log_pattern_tools(registry, context)
    register_trace_tools(registry, context)
    register_span_tools(registry, context)
    register_trace_stats_tools(registry, context)
    register_discovery_tools(registry, context)
    add_server_info(registry, "opensearch", client.url)

    @asynccontextmanager
    async def resources() -> AsyncIterator[None]:
        try:
            yield
        finally:
            await client.aclose()

    return OpenSearchService(
        name="opensearch",
        registry=registry,
        instructions=INSTRUCTIONS,
        readiness=client.ready,
        resources=resources,
        collectors=[CacheCollector(cache)],
    )


def create_http_app(
    settings: OpenSearchSettings | None = None, server: ServerSettings | None = None
) -> FastAPI:
    """The server's HTTP app, its cache counters included in ``/metrics``."""
    service = create_service(settings)
    app = create_app(service, server or ServerSettings())
    for collector in service.collectors:
        app.state.executor.metrics.registry.register(collector)
    return app
