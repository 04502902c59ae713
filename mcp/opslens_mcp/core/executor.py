"""The one path every tool call takes: validate, run with a timeout, time, log one event.

Both front ends call :meth:`ToolExecutor.call`; it raises :class:`~opslens_mcp.core.errors`
exceptions for everything a caller should see, and :class:`UnknownTool` for a missing name.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from pydantic import BaseModel, ValidationError

from opslens_mcp.core.errors import CallTimeout, InvalidParams, ToolError
from opslens_mcp.core.logs import get_logger
from opslens_mcp.core.metrics import ServerMetrics
from opslens_mcp.core.tools import CallContext, Tool, ToolRegistry, bind_call, reset_call

log = get_logger("opslens.tools")


class UnknownTool(LookupError):
    """No tool of that name is registered."""


def validation_detail(exc: ValidationError) -> list[dict[str, Any]]:
    """Pydantic's errors without the offending input (it can be huge or sensitive)."""
    return [
        {"loc": list(err["loc"]), "msg": err["msg"], "type": err["type"]}
        for err in exc.errors(include_url=False, include_input=False)
    ]


def out_of_range(tool: str, exc: OverflowError) -> InvalidParams:
    """Date and number arithmetic overflows only on values a caller gave (year 1, now-999999w):
    the caller's mistake, not an internal error."""
    return InvalidParams(f"invalid params for {tool}: a time or number is out of range ({exc})")


def outcome_of(exc: BaseException | None) -> str:
    """A short label for metrics and logs."""
    if exc is None:
        return "ok"
    if isinstance(exc, InvalidParams):
        return "invalid_params"
    if isinstance(exc, CallTimeout):
        return "timeout"
    if isinstance(exc, ToolError):
        return "backend_error"
    if isinstance(exc, UnknownTool):
        return "not_found"
    return "internal_error"


class ToolExecutor:
    """Runs tools of one registry under a per-call timeout, with metrics and one log event."""

    def __init__(
        self, registry: ToolRegistry, *, timeout_s: float, metrics: ServerMetrics | None = None
    ) -> None:
        self.registry = registry
        self.timeout_s = timeout_s
        self.metrics = metrics or ServerMetrics()

    def get(self, name: str) -> Tool:
        tool = self.registry.get(name)
        if tool is None:
            raise UnknownTool(name)
        return tool

    def parse(self, tool: Tool, arguments: dict[str, Any] | None) -> BaseModel:
        try:
            return tool.params_model.model_validate(arguments or {})
        except ValidationError as exc:
            raise InvalidParams(f"invalid params for {tool.name}", validation_detail(exc)) from exc
        except OverflowError as exc:
            raise out_of_range(tool.name, exc) from exc

    async def call(
        self, name: str, arguments: dict[str, Any] | None, context: CallContext
    ) -> BaseModel:
        """Validate ``arguments`` and run tool ``name``; raise a ToolError or UnknownTool."""
        started = time.perf_counter()
        error: BaseException | None = None
        token = bind_call(context)
        try:
            tool = self.get(name)
            params = self.parse(tool, arguments)
            try:
                async with asyncio.timeout(self.timeout_s):
                    return await tool.handler(params)
            except TimeoutError as exc:
                raise CallTimeout(name, time.perf_counter() - started, self.timeout_s) from exc
            except OverflowError as exc:
                raise out_of_range(name, exc) from exc
        except BaseException as exc:
            error = exc
            raise
        finally:
            reset_call(token)
            elapsed = time.perf_counter() - started
            outcome = outcome_of(error)
            self.metrics.observe(name, outcome, elapsed)
            event: dict[str, Any] = {
                "tool": name,
                "outcome": outcome,
                "duration_ms": round(elapsed * 1000, 2),
                "request_id": context.request_id,
                "transport": context.transport,
            }
            if context.session_id:
                event["session_id"] = context.session_id
            if outcome == "internal_error":
                log.error("tool_call", **event, exc_info=error)
            elif isinstance(error, ToolError):
                log.warning("tool_call", **event, error=error.message)
            else:
                log.info("tool_call", **event)
