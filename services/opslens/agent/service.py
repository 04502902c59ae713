"""The agent service: the protocol core's ``/rpc`` and ``/mcp`` with an ``ask`` tool for other
tools and MCP clients, plus the HTTP routes of :mod:`opslens.agent.routes` (``/v1/ask`` in JSON
and SSE, ``/v1/services``, ``/v1/status``, reports and alert investigations).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from langchain_core.language_models import BaseChatModel

from opslens.agent import routes
from opslens.agent.response import AskRequest, AskResponse
from opslens.agent.runtime import AgentRuntime, chat_model
from opslens.agent.settings import AgentSettings
from opslens_mcp.core.app import create_app
from opslens_mcp.core.service import ServiceDefinition
from opslens_mcp.core.settings import ServerSettings
from opslens_mcp.core.tools import ToolRegistry

INSTRUCTIONS = (
    "Ask opslens a question about the platform in English or Korean. The answer carries its "
    "plan, the exact queries it ran, the evidence and the correlation."
)


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
            if entry.status != "ready" and name != "reports"
        ]
        if down:
            raise RuntimeError(f"servers unavailable: {', '.join(down)}")
        return {"backends": {name: entry.model_dump() for name, entry in backends.items()}}

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
    app.state.agent_runtime = runtime
    app.include_router(routes.question_router)
    app.include_router(routes.report_router)
    return app
