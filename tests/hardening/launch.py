"""Run the agent or the reports server as its own process, configured from the environment like
``opslens serve``, but with a fake chat model (tests have no Gemini). Every prompt the model gets
is appended to a JSON-lines file, so a test can read what would have left the machine.

Usage: ``python -m tests.hardening.launch agent|reports --port N --prompts FILE``
"""

from __future__ import annotations

import argparse
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import uvicorn
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from starlette.types import ASGIApp

from opslens.agent.service import create_agent_app
from opslens.reports.pipeline import ReportClients
from opslens.reports.reporter import Reporter
from opslens.reports.settings import ReportSettings
from opslens.reports.store import open_store
from opslens.reports.summary import Summarizer
from opslens.reports_server import register_tools
from opslens_mcp.core.app import create_app
from opslens_mcp.core.service import ServiceDefinition
from opslens_mcp.core.settings import ServerSettings
from opslens_mcp.core.tools import ToolRegistry
from tests.agent.fake_models import ScriptedChatModel

PLAN = {"intent": "correlate", "services": [], "level": "error"}
SUMMARY = "The errors start where the evidence says; see the queries for details."


class PromptLoggingModel(ScriptedChatModel):
    """Plans when asked to plan, summarizes otherwise; appends every prompt to ``path``."""

    path: str = ""

    def _generate(self, messages: list[BaseMessage], *args: Any, **kwargs: Any) -> ChatResult:
        with Path(self.path).open("a", encoding="utf-8") as out:
            out.write(json.dumps([str(m.content) for m in messages], ensure_ascii=False) + "\n")
        planning = "query plan" in str(messages[0].content)
        text = json.dumps(PLAN) if planning else SUMMARY
        return ChatResult(generations=[ChatGeneration(message=AIMessage(content=text))])


def model(path: str) -> GenericFakeChatModel:
    return PromptLoggingModel(messages=iter(()), prompts=[], path=path)


def reports_app(prompts: str) -> ASGIApp:
    settings = ReportSettings()
    reporter = Reporter(
        settings=settings,
        clients=ReportClients.from_settings(settings),
        store=open_store(settings.store_location()),
        summarizer=Summarizer(model(prompts)),
    )
    registry = ToolRegistry()
    register_tools(registry, reporter)

    @asynccontextmanager
    async def resources() -> AsyncIterator[None]:
        try:
            yield
        finally:
            await reporter.aclose()

    service = ServiceDefinition(name="reports", registry=registry, resources=resources)
    return create_app(service, ServerSettings())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("server", choices=["agent", "reports"])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--prompts", required=True)
    args = parser.parse_args()
    if args.server == "agent":
        app: ASGIApp = create_agent_app(model=model(args.prompts))
    else:
        app = reports_app(args.prompts)
    uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="warning", access_log=False)


if __name__ == "__main__":
    main()
