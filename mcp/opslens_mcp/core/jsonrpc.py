"""Plain JSON-RPC 2.0 over HTTP: single requests, batches and notifications.

The method name is the tool name; ``list_tools`` (aliases ``rpc.discover`` and MCP's
``tools/list``) lists the tools with their JSON Schemas, and MCP's ``tools/call`` with
``{"name": tool, "arguments": {...}}`` calls one, so a client that speaks MCP method names works
here too (the result is the tool's plain JSON either way). Errors follow the specification's
codes (see :mod:`opslens_mcp.core.errors`).
A body is parsed as RFC 8259 JSON in UTF-8: invalid bytes, NaN and Infinity, numbers out of
float range, lone surrogates and nesting too deep for the parser are all parse errors.
"""

from __future__ import annotations

import asyncio
import json
import math
from typing import Any

from pydantic import BaseModel

from opslens_mcp.core.errors import (
    INTERNAL_ERROR,
    INVALID_PARAMS,
    INVALID_REQUEST,
    METHOD_NOT_FOUND,
    PARSE_ERROR,
    ToolError,
)
from opslens_mcp.core.executor import ToolExecutor, UnknownTool
from opslens_mcp.core.safejson import has_lone_surrogate, model_json
from opslens_mcp.core.tools import CallContext

JsonObject = dict[str, Any]
DISCOVERY_METHODS = ("list_tools", "rpc.discover", "tools/list")
TOOLS_CALL = "tools/call"
_MISSING = object()


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"number {text[:40]} is out of range")
    return value


def error_response(request_id: Any, code: int, message: str, data: Any = None) -> JsonObject:
    error: JsonObject = {"code": code, "message": message}
    if data is not None:
        error["data"] = data
    return {"jsonrpc": "2.0", "error": error, "id": request_id}


def _valid_id(value: Any) -> bool:
    return value is None or (isinstance(value, (str, int)) and not isinstance(value, bool))


def _named_call(params: Any) -> tuple[str, JsonObject] | None:
    """``(tool, arguments)`` of MCP-style ``tools/call`` params, None when malformed."""
    if not isinstance(params, dict) or set(params) - {"name", "arguments", "_meta"}:
        return None
    name, arguments = params.get("name"), params.get("arguments", {})
    if not isinstance(name, str) or not name or not isinstance(arguments, dict):
        return None
    return name, arguments


def list_tools_result(executor: ToolExecutor) -> JsonObject:
    return {
        "tools": [
            {
                "name": tool.name,
                "description": tool.description,
                "inputSchema": tool.input_schema(),
                "outputSchema": tool.output_schema(),
                "readOnly": tool.read_only,
            }
            for tool in executor.registry
        ]
    }


class JsonRpcDispatcher:
    """Answers JSON-RPC payloads (already parsed from JSON) with the tools of one executor."""

    def __init__(self, executor: ToolExecutor, *, max_batch: int) -> None:
        self.executor = executor
        self.max_batch = max_batch

    async def handle_text(self, body: bytes, context: CallContext) -> JsonObject | list[Any] | None:
        """Answer a raw body; ``None`` means nothing to send (only notifications)."""
        try:
            payload = json.loads(
                body.decode("utf-8"), parse_constant=_no_constant, parse_float=_finite_float
            )
        except ValueError as exc:  # also UnicodeDecodeError: JSON over HTTP is UTF-8
            return error_response(None, PARSE_ERROR, "Parse error", {"detail": str(exc)[:200]})
        except RecursionError:
            return error_response(None, PARSE_ERROR, "Parse error", {"detail": "nested too deep"})
        if has_lone_surrogate(payload):
            detail = "a string holds a lone surrogate (\\uD800-\\uDFFF): not Unicode text"
            return error_response(None, PARSE_ERROR, "Parse error", {"detail": detail})
        return await self.handle(payload, context)

    async def handle(self, payload: Any, context: CallContext) -> JsonObject | list[Any] | None:
        if isinstance(payload, list):
            if not payload:
                return error_response(None, INVALID_REQUEST, "Invalid Request: empty batch")
            if len(payload) > self.max_batch:
                return error_response(
                    None,
                    INVALID_REQUEST,
                    f"Invalid Request: batch of {len(payload)} exceeds the limit of "
                    f"{self.max_batch}",
                )
            answers = await asyncio.gather(*(self.handle_one(item, context) for item in payload))
            responses = [answer for answer in answers if answer is not None]
            return responses or None
        return await self.handle_one(payload, context)

    async def handle_one(self, request: Any, context: CallContext) -> JsonObject | None:
        if not isinstance(request, dict):
            return error_response(None, INVALID_REQUEST, "Invalid Request: not an object")
        request_id = request.get("id", _MISSING)
        is_notification = request_id is _MISSING
        reply_id = None if is_notification or not _valid_id(request_id) else request_id
        problem = self._request_problem(request, request_id)
        if problem:
            return error_response(reply_id, INVALID_REQUEST, f"Invalid Request: {problem}")
        response = await self._call(request["method"], request.get("params"), reply_id, context)
        return None if is_notification else response

    @staticmethod
    def _request_problem(request: JsonObject, request_id: Any) -> str | None:
        if request.get("jsonrpc") != "2.0":
            return '"jsonrpc" must be exactly "2.0"'
        method = request.get("method")
        if not isinstance(method, str) or not method:
            return '"method" must be a non-empty string'
        if request_id is not _MISSING and not _valid_id(request_id):
            return '"id" must be a string, a number or null'
        params = request.get("params")
        if params is not None and not isinstance(params, (dict, list)):
            return '"params" must be an object or an array'
        return None

    async def _call(
        self, method: str, params: Any, request_id: Any, context: CallContext
    ) -> JsonObject:
        if method in DISCOVERY_METHODS:
            return {"jsonrpc": "2.0", "result": list_tools_result(self.executor), "id": request_id}
        if method == TOOLS_CALL:
            named = _named_call(params)
            if named is None:
                return error_response(
                    request_id,
                    INVALID_PARAMS,
                    'Invalid params: tools/call takes {"name": "<tool>", "arguments": {...}}',
                )
            method, params = named
        if isinstance(params, list) and self.executor.registry.get(method) is not None:
            if params:
                return error_response(
                    request_id,
                    INVALID_PARAMS,
                    "Invalid params: pass params by name (a JSON object)",
                )
            params = {}
        try:
            result: BaseModel = await self.executor.call(method, params, context)
        except UnknownTool:
            return error_response(
                request_id,
                METHOD_NOT_FOUND,
                f"Method not found: {method}",
                {"available": self.executor.registry.names()},
            )
        except ToolError as exc:
            return error_response(request_id, exc.code, exc.message, exc.data)
        except asyncio.CancelledError:
            raise
        except Exception:  # noqa: BLE001 - logged by the executor with the request id
            return error_response(
                request_id, INTERNAL_ERROR, "Internal error", {"request_id": context.request_id}
            )
        return {"jsonrpc": "2.0", "result": model_json(result), "id": request_id}
