"""The agent's HTTP routes: questions (``/v1/ask``, JSON and SSE), what the backends know
(``/v1/services``, ``/v1/status``), and the reports and alert investigations read through the
reports server. Each route takes the service's :class:`AgentRuntime` as a dependency; the
functions keep the names that make the OpenAPI operation ids clients may be generated from."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, PlainTextResponse, StreamingResponse

from opslens.agent.admission import Saturated
from opslens.agent.response import AgentStatus, AskRequest, AskResponse, ServiceCatalog
from opslens.agent.runtime import AgentRuntime
from opslens.pgstate import StoreUnavailable
from opslens.rpc_client import RpcError
from opslens_mcp.core.errors import INVALID_PARAMS
from opslens_mcp.core.safejson import json_text

REPORTS_DOWN: dict[int | str, dict[str, Any]] = {
    502: {"description": "The reports server answered with an error."},
    503: {"description": "The reports server is unreachable."},
}
REPORT_CONTENT = {
    "text/html": {"schema": {"type": "string"}},
    "text/markdown": {"schema": {"type": "string"}},
    "application/json": {"schema": {"type": "object"}},
}
NOT_JSON: dict[int | str, dict[str, Any]] = {
    400: {"description": "The body is not JSON text in UTF-8."}
}
SSE_EVENT = {  # one event; its data is JSON (a step, the AskResponse, or an error message)
    "type": "object",
    "required": ["event", "data"],
    "properties": {"event": {"enum": ["step", "result", "error"]}, "data": {"type": "string"}},
}


def agent_runtime(request: Request) -> AgentRuntime:
    """The runtime the service put in the app's state at creation."""
    runtime: AgentRuntime = request.app.state.agent_runtime
    return runtime


Runtime = Annotated[AgentRuntime, Depends(agent_runtime)]
question_router = APIRouter(prefix="/v1")
report_router = APIRouter(prefix="/v1")


@question_router.post(
    "/ask",
    response_model=AskResponse,
    summary="Ask a question",
    responses={
        **NOT_JSON,
        503: {
            "description": "The conversation store is unavailable, or this replica is "
            "saturated (then with Retry-After: ask again after that many seconds)."
        },
    },
)
async def ask_route(request: AskRequest, runtime: Runtime) -> AskResponse:
    try:
        return await runtime.ask(request)
    except Saturated as exc:
        retry_after = {"Retry-After": str(exc.retry_after_s)}
        raise HTTPException(503, exc.message, headers=retry_after) from None
    except StoreUnavailable as exc:
        raise HTTPException(503, exc.message) from None


@question_router.post(
    "/ask/stream",
    summary="Ask a question; progress as Server-Sent Events",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {"schema": SSE_EVENT}}}, **NOT_JSON},
)
async def ask_stream(request: AskRequest, runtime: Runtime) -> StreamingResponse:
    runtime.require()

    async def events() -> AsyncIterator[str]:
        try:
            async for kind, data in runtime.stream(request):
                yield f"event: {kind}\ndata: {json_text(data)}\n\n"
        except Exception as exc:  # noqa: BLE001 - reported to the client as an event
            text = (
                exc.message
                if isinstance(exc, StoreUnavailable | Saturated)
                else f"the agent failed: {type(exc).__name__}"
            )
            message = json.dumps({"message": text}, ensure_ascii=False)
            yield f"event: error\ndata: {message}\n\n"

    return StreamingResponse(events(), media_type="text/event-stream")


@question_router.get("/services", summary="Services and namespaces the backends know")
async def services(runtime: Runtime) -> ServiceCatalog:
    catalog = await runtime.catalog.get(datetime.now().astimezone())
    return ServiceCatalog(services=catalog.services, namespaces=catalog.namespaces)


@question_router.get("/status", summary="Connection status of the agent and each server")
async def status(runtime: Runtime) -> AgentStatus:
    return AgentStatus(backends=await runtime.status())


@report_router.get("/reports", summary="Reports the scheduler produced", responses=REPORTS_DOWN)
async def reports(runtime: Runtime) -> dict[str, Any]:
    return await _reports_call(runtime, "list_reports", {})


@report_router.get("/alerts", summary="Alert investigations, newest first", responses=REPORTS_DOWN)
async def alerts(runtime: Runtime) -> dict[str, Any]:
    return await _reports_call(runtime, "list_alert_investigations", {"limit": 200})


@report_router.get(
    "/reports/{report_id}",
    summary="One report, as html, md or json",
    responses={
        200: {"content": REPORT_CONTENT},
        404: {"description": "No report has this id."},
        **REPORTS_DOWN,
    },
)
async def report(
    report_id: str, runtime: Runtime, format: Literal["html", "md", "json"] = "html"
) -> Any:
    result = await _reports_call(
        runtime, "get_report", {"report_id": report_id, "format": format, "max_chars": 2_000_000}
    )
    if format == "html":
        return HTMLResponse(str(result.get("content", "")))
    if format == "md":
        return PlainTextResponse(str(result.get("content", "")), media_type="text/markdown")
    return result


async def _reports_call(runtime: AgentRuntime, tool: str, params: dict[str, Any]) -> dict[str, Any]:
    try:
        return await runtime.toolbox.clients["reports"].call(tool, params)
    except RpcError as exc:
        status = 503 if exc.unreachable else 404 if exc.code == INVALID_PARAMS else 502
        raise HTTPException(status, f"reports server: {exc.message}") from exc
