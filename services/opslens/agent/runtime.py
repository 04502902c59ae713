"""What the agent service opens at start and closes at stop: the clients of the servers, the
conversation store, the compiled graph; and the questions and status probes it answers."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from typing import Any

import httpx
from fastapi import HTTPException
from langchain_core.language_models import BaseChatModel

from opslens.agent.admission import Admission
from opslens.agent.agent import Agent
from opslens.agent.catalog import CatalogCache
from opslens.agent.checkpoints import STORE, open_checkpointer
from opslens.agent.graph import AgentDeps, build_graph
from opslens.agent.response import AskRequest, AskResponse, BackendStatus
from opslens.agent.settings import AgentSettings
from opslens.agent.toolbox import Toolbox
from opslens.pgstate import UNAVAILABLE_ERRORS, unavailable
from opslens.rpc_client import RpcClient
from opslens.shared.llm import build_gemini


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
            detection=self.settings.detection,
        )
        self.agent = Agent(build_graph(checkpointer), deps, self.settings.question_budget_s)

    async def close(self) -> None:
        await self._stack.aclose()
        await self.toolbox.aclose()

    def require(self) -> Agent:
        if self.agent is None:
            raise HTTPException(503, "the agent is starting")
        return self.agent

    async def ask(self, request: AskRequest) -> AskResponse:
        """One question once admitted; :class:`StoreUnavailable` when the conversation store is
        down, :class:`~opslens.agent.admission.Saturated` when this replica cannot take it now."""
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

    async def status(self) -> dict[str, BackendStatus]:
        """Each MCP server's readiness, probed on its ``/readyz`` (3 s each, in parallel)."""

        async def probe(name: str, url: str) -> tuple[str, BackendStatus]:
            try:
                async with httpx.AsyncClient(timeout=3.0) as http:
                    response = await http.get(f"{url.rstrip('/')}/readyz")
                body = response.json()
                ready = response.status_code == 200
                detail = body.get("detail") if isinstance(body, dict) else None
                detail = detail if isinstance(detail, str) else None
                return name, BackendStatus(
                    status="ready" if ready else "unavailable", url=url, detail=detail
                )
            except (httpx.HTTPError, ValueError) as exc:
                return name, BackendStatus(status="unavailable", url=url, detail=type(exc).__name__)

        results = await asyncio.gather(
            *(probe(n, u) for n, u in server_urls(self.settings).items())
        )
        return dict(results)
