"""The FastAPI app every server is: ``/rpc``, ``/mcp``, ``/healthz``, ``/readyz``, ``/metrics``.

Built by :func:`create_app` from a :class:`ServiceDefinition` and :class:`ServerSettings`;
nothing is created at import time.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from mcp.server.streamable_http_manager import StreamableHTTPASGIApp, StreamableHTTPSessionManager
from mcp.server.transport_security import TransportSecuritySettings

from opslens_mcp import __version__
from opslens_mcp.core.executor import ToolExecutor
from opslens_mcp.core.health import HEALTH_PATHS, ServerState, health_router
from opslens_mcp.core.heap import settle_heap
from opslens_mcp.core.jsonrpc import JsonRpcDispatcher
from opslens_mcp.core.logs import configure_logging
from opslens_mcp.core.mcp_server import build_mcp_server
from opslens_mcp.core.metrics import ServerMetrics
from opslens_mcp.core.middleware import (
    BearerAuthMiddleware,
    BodyLimitMiddleware,
    RequestIdMiddleware,
)
from opslens_mcp.core.rpc_http import Endpoints, JsonRpcEndpoint, document_rpc
from opslens_mcp.core.safejson import SafeJSONResponse, validation_error
from opslens_mcp.core.service import ServiceDefinition
from opslens_mcp.core.settings import ServerSettings

JSONRPC_PATHS = ("/rpc", "/mcp")


def _transport_security(settings: ServerSettings) -> TransportSecuritySettings:
    if "*" in settings.allowed_hosts:
        return TransportSecuritySettings(enable_dns_rebinding_protection=False)
    origins = [f"http://{host}" for host in settings.allowed_hosts] + [
        f"https://{host}" for host in settings.allowed_hosts
    ]
    return TransportSecuritySettings(
        enable_dns_rebinding_protection=True,
        allowed_hosts=settings.allowed_hosts,
        allowed_origins=origins,
    )


def create_app(service: ServiceDefinition, settings: ServerSettings) -> FastAPI:
    """Build the HTTP app of one server."""
    configure_logging(settings.log_level)
    metrics = ServerMetrics()
    executor = ToolExecutor(service.registry, timeout_s=settings.call_timeout_s, metrics=metrics)
    dispatcher = JsonRpcDispatcher(executor, max_batch=settings.max_batch)
    mcp_server = build_mcp_server(f"opslens-{service.name}", executor, service.instructions)
    session_manager = StreamableHTTPSessionManager(
        app=mcp_server,
        json_response=True,
        stateless=False,
        security_settings=_transport_security(settings),
        max_request_body_size=settings.max_body_bytes,
    )

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        async with service.resources(), session_manager.run():
            settle_heap()
            yield

    app = FastAPI(
        title=f"opslens {service.name} server",
        version=__version__,
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        default_response_class=SafeJSONResponse,
    )
    app.add_exception_handler(RequestValidationError, validation_error)
    app.state.executor = executor
    app.state.service = service

    app.state.server = ServerState(service, metrics, time.time())
    app.include_router(health_router)

    # The tool-call paths, innermost: inside our middleware, ahead of FastAPI's own layers.
    app.add_middleware(
        Endpoints,
        routes={
            "/rpc": JsonRpcEndpoint(dispatcher),
            "/mcp": StreamableHTTPASGIApp(session_manager),
        },
    )
    document_rpc(app)
    app.add_middleware(
        BodyLimitMiddleware, max_bytes=settings.max_body_bytes, jsonrpc_paths=JSONRPC_PATHS
    )
    token = settings.api_token.get_secret_value() if settings.api_token else None
    app.add_middleware(BearerAuthMiddleware, token=token, open_paths=HEALTH_PATHS)
    app.add_middleware(RequestIdMiddleware)
    return app
