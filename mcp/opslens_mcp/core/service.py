"""What a server is made of: its tools, how it checks its backend, what it opens and closes."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from opslens_mcp.core.tools import ToolRegistry

ReadinessCheck = Callable[[], Awaitable[dict[str, Any]]]


@asynccontextmanager
async def _nothing() -> AsyncIterator[None]:
    yield


@dataclass
class ServiceDefinition:
    """One deployable server: ``name`` (e.g. ``opensearch``), tools, readiness, resources.

    ``readiness`` returns details when the backend answers and raises otherwise;
    ``resources`` is entered when the app starts (clients are opened) and left when it stops.
    """

    name: str
    registry: ToolRegistry
    instructions: str = ""
    readiness: ReadinessCheck | None = None
    resources: Callable[[], AbstractAsyncContextManager[None]] = field(default=_nothing)
