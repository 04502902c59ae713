"""HTTP routes of the receiver on the reports service: ``POST /v1/alerts`` (Alertmanager's
webhook), ``GET /v1/alerts`` and ``GET /v1/alerts/{id}`` (the investigations).

Authentication is the server's own (bearer token on every path but the health checks); the
body limit is the server's too (HTTP 413). A payload that is not Alertmanager's version 4
gets HTTP 422 naming the field, a body that is not JSON HTTP 400; neither changes anything.
"""

from __future__ import annotations

import asyncio
import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field, ValidationError

from opslens.alerts.investigator import AlertInvestigator, QueueFull
from opslens.alerts.payload import WebhookPayload
from opslens.alerts.store import Investigation, InvestigationList
from opslens.pgstate import StoreUnavailable
from opslens_mcp.core.safejson import SafeJSONResponse

RESPONSES: dict[int | str, dict[str, Any]] = {
    400: {"description": "The body is not JSON text in UTF-8."},
    413: {"description": "The body is over the size limit."},
    422: {"description": "Not an Alertmanager webhook payload (version 4)."},
    503: {
        "description": "The investigation queue is full or the store is unavailable; "
        "Alertmanager retries."
    },
}
UNAVAILABLE: dict[int | str, dict[str, Any]] = {
    503: {"description": "The store (Postgres) is unavailable; try again later."}
}
RETRY_AFTER_S = 30


class Accepted(BaseModel):
    status: str = Field(description="queued, duplicate or resolved.")
    investigation_id: str | None
    closed: list[str] = Field(default_factory=list, description="Investigations resolved.")


def alert_investigator(request: Request) -> AlertInvestigator:
    """The investigator :func:`add_alert_routes` put in the app's state."""
    investigator: AlertInvestigator = request.app.state.alert_investigator
    return investigator


Investigator = Annotated[AlertInvestigator, Depends(alert_investigator)]
alert_router = APIRouter()


def add_alert_routes(app: FastAPI, investigator: AlertInvestigator) -> None:
    """The receiver's routes on ``app``, answering from ``investigator``."""
    app.state.alert_investigator = investigator
    app.add_exception_handler(StoreUnavailable, _store_unavailable)
    app.include_router(alert_router)


async def _store_unavailable(request: Request, exc: Exception) -> JSONResponse:
    message = exc.message if isinstance(exc, StoreUnavailable) else str(exc)
    return JSONResponse({"detail": message}, 503, headers={"Retry-After": str(RETRY_AFTER_S)})


@alert_router.post(
    "/v1/alerts",
    status_code=202,
    response_model=Accepted,
    summary="Alertmanager webhook (version 4): investigate firing alerts, close resolved",
    responses=RESPONSES,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": WebhookPayload.model_json_schema()}},
        }
    },
)
async def receive(request: Request, investigator: Investigator) -> Any:
    try:
        raw = json.loads(await request.body())
    except (UnicodeDecodeError, json.JSONDecodeError):
        return JSONResponse({"detail": "the body is not JSON text in UTF-8"}, 400)
    try:
        payload = WebhookPayload.model_validate(raw)
    except ValidationError as exc:
        errors = [{"loc": e["loc"], "msg": e["msg"], "type": e["type"]} for e in exc.errors()[:20]]
        detail = {"message": "not an Alertmanager webhook payload (version 4)"}
        return SafeJSONResponse({"detail": [detail, *errors]}, 422)
    try:
        decision = await investigator.accept(payload)
    except QueueFull as exc:
        return JSONResponse({"detail": str(exc)}, 503, headers={"Retry-After": str(RETRY_AFTER_S)})
    investigation = decision.investigation
    return Accepted(
        status=decision.outcome,
        investigation_id=investigation.id if investigation else None,
        closed=[item.id for item in decision.closed],
    )


@alert_router.get(
    "/v1/alerts",
    response_model=InvestigationList,
    summary="Alert investigations",
    responses=UNAVAILABLE,
)
async def investigations(
    investigator: Investigator,
    limit: Annotated[int, Query(ge=1, le=500, description="Newest first.")] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> InvestigationList:
    items, total = await asyncio.to_thread(investigator.store.recent, limit, offset)
    return InvestigationList(investigations=items, total=total)


@alert_router.get(
    "/v1/alerts/{investigation_id}",
    response_model=Investigation,
    summary="One alert investigation",
    responses={404: {"description": "No investigation has this id."}, **UNAVAILABLE},
)
async def investigation(investigation_id: str, investigator: Investigator) -> Investigation:
    found = await asyncio.to_thread(investigator.store.get, investigation_id)
    if found is None:
        raise HTTPException(404, f"no investigation {investigation_id!r}")
    return found
