"""The routes every server has besides its tools: ``/healthz`` (the process is up),
``/readyz`` (the backend answers) and ``/metrics`` (Prometheus metrics of the server).

Each route takes the server's :class:`ServerState` (put in the app's state by
:func:`opslens_mcp.core.app.create_app`) as a dependency.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import JSONResponse, PlainTextResponse

from opslens_mcp import __version__
from opslens_mcp.core.metrics import CONTENT_TYPE_LATEST, ServerMetrics
from opslens_mcp.core.service import ServiceDefinition

HEALTH_PATHS = ("/healthz", "/readyz")
READINESS_TIMEOUT_S = 5.0


@dataclass(frozen=True)
class ServerState:
    """What the health routes read of their server."""

    service: ServiceDefinition
    metrics: ServerMetrics
    started_at: float


def server_state(request: Request) -> ServerState:
    state: ServerState = request.app.state.server
    return state


Server = Annotated[ServerState, Depends(server_state)]
health_router = APIRouter()


def _unavailable(server: str, detail: object) -> JSONResponse:
    body = {"status": "unavailable", "server": server, "detail": str(detail)}
    return JSONResponse(body, status_code=503)


@health_router.get("/healthz", summary="The process is up")
async def healthz(server: Server) -> dict[str, Any]:
    return {
        "status": "ok",
        "server": server.service.name,
        "version": __version__,
        "uptime_s": round(time.time() - server.started_at, 1),
    }


@health_router.get(
    "/readyz",
    summary="The backend answers",
    responses={503: {"description": "The backend does not answer."}},
)
async def readyz(server: Server) -> JSONResponse:
    service = server.service
    if service.readiness is None:
        return JSONResponse({"status": "ready", "server": service.name})
    try:
        async with asyncio.timeout(READINESS_TIMEOUT_S):
            detail = await service.readiness()
    except TimeoutError:
        message = f"{service.name} backend did not answer within {READINESS_TIMEOUT_S:g}s"
        return _unavailable(service.name, message)
    except Exception as exc:  # noqa: BLE001 - reported to the prober, not raised
        return _unavailable(service.name, getattr(exc, "message", None) or type(exc).__name__)
    return JSONResponse({"status": "ready", "server": service.name, **detail})


@health_router.get(
    "/metrics", summary="Prometheus metrics of this server", response_class=PlainTextResponse
)
async def prometheus_metrics(server: Server) -> Response:
    return Response(server.metrics.render(), media_type=CONTENT_TYPE_LATEST)
