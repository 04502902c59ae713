"""The agent service: ``/v1/ask`` (JSON and SSE), ``/v1/services``, ``/v1/status``, reports and
alert investigations,
plus the protocol core's ``/rpc`` and ``/mcp`` with an ``ask`` tool for other tools and MCP clients.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from datetime import datetime
from typing import Any, Literal

import httpx
from fastapi import FastAPI, HTTPException
from fastapi.responses import HTMLResponse, PlainTextResponse, StreamingResponse
from langchain_core.language_models import BaseChatModel

from opslens.agent.admission import Admission, Saturated
from opslens.agent.agent import Agent
from opslens.agent.catalog import CatalogCache
from opslens.agent.checkpoints import STORE, open_checkpointer
from opslens.agent.graph import AgentDeps, build_graph
from opslens.agent.llm import build_gemini
from opslens.agent.response import AskRequest, AskResponse
from opslens.agent.settings import AgentSettings
from opslens.agent.steps.anomaly import detection_settings
from opslens.agent.toolbox import Toolbox
from opslens.pgstate import UNAVAILABLE_ERRORS, StoreUnavailable, unavailable
from opslens.rpc_client import RpcClient, RpcError
from opslens_mcp.core.app import create_app
from opslens_mcp.core.errors import INVALID_PARAMS
from opslens_mcp.core.safejson import json_text
from opslens_mcp.core.service import ServiceDefinition
from opslens_mcp.core.settings import ServerSettings
from opslens_mcp.core.tools import ToolRegistry

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
INSTRUCTIONS = (
    "Ask opslens a question about the platform in English or Korean. The answer carries its "
    "plan, the exact queries it ran, the evidence and the correlation."
)


def server_urls(settings: AgentSettings) -> dict[str, str]:
    return {
        "opensearch": settings.opensearch_url,
        "prometheus": settings.prometheus_url,
        "kubernetes": settings.kubernetes_url,
        "reports": settings.reports_url,
    }


def build_toolbox(
    settings: AgentSettings, transport: httpx.AsyncBaseTransport | None = None
) -> Toolbox:
    token = settings.servers_token.get_secret_value() if settings.servers_token else None
    clients = {
        name: RpcClient(
            url, name=name, token=token, timeout_s=settings.tool_timeout_s, transport=transport
        )
        for name, url in server_urls(settings).items()
    }
    return Toolbox(clients, timeout_s=settings.tool_timeout_s)


def chat_model(settings: AgentSettings) -> BaseChatModel | None:
    if settings.llm_mode == "off" or settings.google_api_key is None:
        return None
    return build_gemini(
        settings.google_api_key.get_secret_value(), settings.gemini_model, settings.llm_timeout_s
    )


class AgentRuntime:
    """What the service opens at start and closes at stop: clients, checkpointer, graph."""

    def __init__(self, settings: AgentSettings, model: BaseChatModel | None) -> None:
        self.settings = settings
        self.model = model
        self.toolbox = build_toolbox(settings)
        # One catalog for the questions and /v1/services: read once per time to live.
        self.catalog = CatalogCache(self.toolbox, settings.catalog_ttl_s)
        self.agent: Agent | None = None
        self.admission = Admission(
            settings.max_concurrent_questions,
            settings.max_queued_questions,
            settings.queue_wait_s,
        )
        self._stack = AsyncExitStack()

    async def open(self) -> None:
        checkpointer = await self._stack.enter_async_context(
            open_checkpointer(self.settings.checkpoint_url)
        )
        deps = AgentDeps(
            toolbox=self.toolbox,
            catalog=self.catalog,
            timezone=self.settings.timezone,
            model=self.model,
            llm_mode=self.settings.llm_mode,
            llm_min_confidence=self.settings.llm_min_confidence,
            llm_timeout_s=self.settings.llm_timeout_s,
            detection=detection_settings(self.settings),
        )
        self.agent = Agent(build_graph(deps, checkpointer), self.settings.question_budget_s)

    async def close(self) -> None:
        await self._stack.aclose()
        await self.toolbox.aclose()

    def require(self) -> Agent:
        if self.agent is None:
            raise HTTPException(503, "the agent is starting")
        return self.agent

    async def ask(self, request: AskRequest) -> AskResponse:
        """One question once admitted; :class:`StoreUnavailable` when the conversation store is
        down, :class:`Saturated` when this replica cannot take it now."""
        agent = self.require()
        try:
            async with self.admission.slot():
                return await agent.ask(request)
        except UNAVAILABLE_ERRORS as exc:
            raise unavailable(STORE, self.settings.checkpoint_url, exc) from None

    async def stream(self, request: AskRequest) -> AsyncIterator[tuple[str, dict[str, Any]]]:
        agent = self.require()
        try:
            async with self.admission.slot():
                async for event in agent.stream(request):
                    yield event
        except UNAVAILABLE_ERRORS as exc:
            raise unavailable(STORE, self.settings.checkpoint_url, exc) from None

    async def status(self) -> dict[str, Any]:
        async def probe(name: str, url: str) -> tuple[str, dict[str, Any]]:
            try:
                async with httpx.AsyncClient(timeout=3.0) as http:
                    response = await http.get(f"{url.rstrip('/')}/readyz")
                body = response.json()
                state = "ready" if response.status_code == 200 else "unavailable"
                return name, {"status": state, "url": url, "detail": body.get("detail")}
            except (httpx.HTTPError, ValueError) as exc:
                return name, {"status": "unavailable", "url": url, "detail": type(exc).__name__}

        results = await asyncio.gather(
            *(probe(n, u) for n, u in server_urls(self.settings).items())
        )
        return dict(results)


def agent_service(
    settings: AgentSettings | None = None, model: BaseChatModel | None = None
) -> tuple[ServiceDefinition, AgentRuntime]:
    """The agent as a protocol-core service (its ``ask`` tool) and the runtime behind it."""
    settings = settings or AgentSettings()
    runtime = AgentRuntime(settings, model if model is not None else chat_model(settings))
    registry = ToolRegistry()

    @registry.tool(
        description="Answer a question about the platform (logs, traces, metrics, Kubernetes) "
        "in English or Korean. Returns the answer with its plan, the queries it ran and the "
        "evidence. Pass session_id to ask follow-ups; pass now to pin the current time."
    )
    async def ask(params: AskRequest) -> AskResponse:
        return await runtime.ask(params)

    async def readiness() -> dict[str, Any]:
        backends = await runtime.status()
        down = [
            name
            for name, entry in backends.items()
            if entry["status"] != "ready" and name != "reports"
        ]
        if down:
            raise RuntimeError(f"servers unavailable: {', '.join(down)}")
        return {"backends": backends}

    @asynccontextmanager
    async def resources() -> AsyncIterator[None]:
        await runtime.open()
        try:
            yield
        finally:
            await runtime.close()

    service = ServiceDefinition(
        name="agent",
        registry=registry,
        instructions=INSTRUCTIONS,
        readiness=readiness,
        resources=resources,
    )
    return service, runtime


def create_service() -> ServiceDefinition:
    """The agent service from ``OPSLENS_AGENT_*`` settings (for ``opslens mcp agent``)."""
    return agent_service()[0]


def create_http_app() -> FastAPI:
    """The agent's HTTP app from settings (for ``opslens serve agent``)."""
    return create_agent_app()


def create_agent_app(
    settings: AgentSettings | None = None,
    server_settings: ServerSettings | None = None,
    model: BaseChatModel | None = None,
) -> FastAPI:
    """The agent service; ``model`` overrides the chat model (tests pass a scripted fake)."""
    service, runtime = agent_service(settings, model)
    app = create_app(service, server_settings or ServerSettings())

    @app.post(
        "/v1/ask",
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
    async def ask_route(request: AskRequest) -> AskResponse:
        try:
            return await runtime.ask(request)
        except Saturated as exc:
            retry_after = {"Retry-After": str(exc.retry_after_s)}
            raise HTTPException(503, exc.message, headers=retry_after) from None
        except StoreUnavailable as exc:
            raise HTTPException(503, exc.message) from None

    @app.post(
        "/v1/ask/stream",
        summary="Ask a question; progress as Server-Sent Events",
        response_class=StreamingResponse,
        responses={200: {"content": {"text/event-stream": {"schema": SSE_EVENT}}}, **NOT_JSON},
    )
    async def ask_stream(request: AskRequest) -> StreamingResponse:
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

    @app.get("/v1/services", summary="Services and namespaces the backends know")
    async def services() -> dict[str, list[str]]:
        catalog = await runtime.catalog.get(datetime.now().astimezone())
        return {"services": catalog.services, "namespaces": catalog.namespaces}

    @app.get("/v1/status", summary="Connection status of the agent and each server")
    async def status() -> dict[str, Any]:
        return {"agent": "ok", "backends": await runtime.status()}

    @app.get("/v1/reports", summary="Reports the scheduler produced", responses=REPORTS_DOWN)
    async def reports() -> dict[str, Any]:
        return await _reports_call(runtime, "list_reports", {})

    @app.get("/v1/alerts", summary="Alert investigations, newest first", responses=REPORTS_DOWN)
    async def alerts() -> dict[str, Any]:
        return await _reports_call(runtime, "list_alert_investigations", {"limit": 200})

    @app.get(
        "/v1/reports/{report_id}",
        summary="One report, as html, md or json",
        responses={
            200: {"content": REPORT_CONTENT},
            404: {"description": "No report has this id."},
            **REPORTS_DOWN,
        },
    )
    async def report(report_id: str, format: Literal["html", "md", "json"] = "html") -> Any:
        result = await _reports_call(
            runtime,
            "get_report",
            {"report_id": report_id, "format": format, "max_chars": 2_000_000},
        )
        if format == "html":
            return HTMLResponse(str(result.get("content", "")))
        if format == "md":
            return PlainTextResponse(str(result.get("content", "")), media_type="text/markdown")
        return result

    return app


async def _reports_call(runtime: AgentRuntime, tool: str, params: dict[str, Any]) -> dict[str, Any]:
    try:
        return await runtime.toolbox.clients["reports"].call(tool, params)
    except RpcError as exc:
        status = 503 if exc.unreachable else 404 if exc.code == INVALID_PARAMS else 502
        raise HTTPException(status, f"reports server: {exc.message}") from exc
