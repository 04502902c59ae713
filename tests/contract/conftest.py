"""A server made of the real protocol core and a few tools defined here for protocol tests.

The tools are test material for the protocol (they sleep, fail or echo); they stand in for no
backend and return no made-up telemetry.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
from pydantic import BaseModel, Field

from opslens.devstack.asgi import serve
from opslens_mcp.core.app import create_app
from opslens_mcp.core.errors import BackendUnavailable
from opslens_mcp.core.server_info import add_server_info
from opslens_mcp.core.service import ServiceDefinition
from opslens_mcp.core.settings import ServerSettings
from opslens_mcp.core.tools import ToolRegistry, current_call

TOKEN = "s3cret-test-token-value"


class EchoParams(BaseModel):
    text: str = Field(description="Any text, returned unchanged.")


class EchoResult(BaseModel):
    text: str
    session_id: str | None


class SleepParams(BaseModel):
    seconds: float = Field(ge=0, le=60)


class SleepResult(BaseModel):
    slept: float


class NoParams(BaseModel):
    pass


def protocol_registry() -> ToolRegistry:
    registry = ToolRegistry()

    @registry.tool(description="Return the text unchanged (protocol tests).")
    async def echo(params: EchoParams) -> EchoResult:
        return EchoResult(text=params.text, session_id=current_call().session_id)

    @registry.tool(description="Sleep for a while (timeout tests).")
    async def sleep(params: SleepParams) -> SleepResult:
        await asyncio.sleep(params.seconds)
        return SleepResult(slept=params.seconds)

    @registry.tool(description="Fail like an unreachable backend.")
    async def unreachable(params: NoParams) -> SleepResult:
        raise BackendUnavailable("testbackend", "connection refused", None)

    @registry.tool(description="Fail with a bug.")
    async def broken(params: NoParams) -> SleepResult:
        raise RuntimeError("secret internals that must not leak")

    add_server_info(registry, "protocol-test", "none")
    return registry


def protocol_service() -> ServiceDefinition:
    return ServiceDefinition(name="protocol-test", registry=protocol_registry())


@pytest.fixture(scope="session")
def base_url() -> Iterator[str]:
    settings = ServerSettings(call_timeout_s=0.5, max_body_bytes=64 * 1024, max_batch=10)
    with serve(create_app(protocol_service(), settings)) as url:
        yield url


@pytest.fixture(scope="session")
def authed_url() -> Iterator[str]:
    settings = ServerSettings(api_token=TOKEN)
    with serve(create_app(protocol_service(), settings)) as url:
        yield url
