"""Tools: typed async functions with a pydantic model for their params and one for their result.

A server builds a :class:`ToolRegistry` and registers its tools with the decorator; both front
ends (JSON-RPC at ``/rpc`` and MCP at ``/mcp``) read the same registry, so names, descriptions
and JSON Schemas are defined once.

Example::

    registry = ToolRegistry()

    class EchoParams(BaseModel):
        text: str

    class EchoResult(BaseModel):
        text: str

    @registry.tool(description="Return the text unchanged.")
    async def echo(params: EchoParams) -> EchoResult:
        return EchoResult(text=params.text)
"""

from __future__ import annotations

import contextvars
import inspect
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, TypeVar, get_type_hints

from pydantic import BaseModel

from opslens_mcp.core.schemas import published

P = TypeVar("P", bound=BaseModel)
R = TypeVar("R", bound=BaseModel)
Handler = Callable[[Any], Awaitable[BaseModel]]


@dataclass(frozen=True)
class CallContext:
    """Who is calling: the request id (for logs) and the caller's session id, if any."""

    request_id: str = "-"
    session_id: str | None = None
    transport: str = "rpc"


_NO_CALL = CallContext()
_current_call: contextvars.ContextVar[CallContext | None] = contextvars.ContextVar(
    "opslens_current_call", default=None
)


def current_call() -> CallContext:
    """The context of the tool call being served (defaults outside a call)."""
    return _current_call.get() or _NO_CALL


def bind_call(context: CallContext) -> contextvars.Token[CallContext | None]:
    """Make ``context`` the current call context; reset with the returned token."""
    return _current_call.set(context)


def reset_call(token: contextvars.Token[CallContext | None]) -> None:
    _current_call.reset(token)


@dataclass(frozen=True)
class Tool:
    """One tool: its name, description for the model, schemas and handler."""

    name: str
    description: str
    params_model: type[BaseModel]
    result_model: type[BaseModel]
    handler: Handler
    read_only: bool = True
    title: str | None = None

    def input_schema(self) -> dict[str, Any]:
        return self.params_model.model_json_schema()

    def output_schema(self) -> dict[str, Any]:
        """The result's schema as published (see :func:`~opslens_mcp.core.schemas.published`)."""
        return published(self.result_model.model_json_schema())


@dataclass
class ToolRegistry:
    """The tools one server offers, in registration order."""

    _tools: dict[str, Tool] = field(default_factory=dict)

    def add(self, tool: Tool) -> None:
        if tool.name in self._tools:
            raise ValueError(f"tool {tool.name!r} is registered twice")
        self._tools[tool.name] = tool

    def tool(
        self, *, description: str, name: str | None = None, title: str | None = None
    ) -> Callable[[Callable[[P], Awaitable[R]]], Callable[[P], Awaitable[R]]]:
        """Register an ``async def f(params: Model) -> ResultModel`` as a tool."""

        def decorator(func: Callable[[P], Awaitable[R]]) -> Callable[[P], Awaitable[R]]:
            hints = get_type_hints(func)
            parameters = list(inspect.signature(func).parameters)
            if len(parameters) != 1:
                raise TypeError(f"{func.__name__} must take exactly one params model")
            params_model = hints[parameters[0]]
            result_model = hints.get("return")
            if not (isinstance(params_model, type) and issubclass(params_model, BaseModel)):
                raise TypeError(f"{func.__name__}: the parameter must be a pydantic model")
            if not (isinstance(result_model, type) and issubclass(result_model, BaseModel)):
                raise TypeError(f"{func.__name__}: the return type must be a pydantic model")
            self.add(
                Tool(
                    name=name or func.__name__,
                    description=inspect.cleandoc(description),
                    params_model=params_model,
                    result_model=result_model,
                    handler=func,
                    title=title,
                )
            )
            return func

        return decorator

    def get(self, name: str) -> Tool | None:
        return self._tools.get(name)

    def __iter__(self) -> Iterator[Tool]:
        return iter(self._tools.values())

    def __len__(self) -> int:
        return len(self._tools)

    def names(self) -> list[str]:
        return list(self._tools)
