"""``/rpc`` and ``/mcp`` served straight from ASGI, ahead of FastAPI's routing and request layer.

Every tool call comes through one of these two paths, so they skip what the rest of the app
needs: FastAPI's dependency solving and response handling, its exception and exit-stack
middleware and the router's matching. Our own middleware (request id, auth, body limit) and
Starlette's last-resort error handler still wrap them; the OpenAPI document still describes
``/rpc`` (:func:`document_rpc`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI
from starlette.requests import ClientDisconnect
from starlette.types import ASGIApp, Receive, Scope, Send

from opslens_mcp.core.jsonrpc import JsonRpcDispatcher
from opslens_mcp.core.middleware import REQUEST_ID_HEADER, send_json
from opslens_mcp.core.safejson import json_bytes
from opslens_mcp.core.tools import CallContext

SESSION_HEADER = b"x-opslens-session"
RPC_OPERATION: dict[str, Any] = {
    "summary": "JSON-RPC 2.0 endpoint (single, batch, notifications)",
    "operationId": "rpc_rpc_post",
    "requestBody": {
        "required": True,
        "content": {"application/json": {"schema": {"description": "A request or a batch."}}},
    },
    "responses": {
        "200": {
            "description": "The response, or the batch of responses.",
            "content": {"application/json": {"schema": {}}},
        },
        "204": {"description": "Only notifications: nothing to answer."},
        "413": {"description": "The body is over the size limit (a JSON-RPC error)."},
    },
}


async def read_body(receive: Receive) -> bytes:
    """The whole request body; :class:`ClientDisconnect` if the client went away."""
    chunks = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise ClientDisconnect
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks)


class JsonRpcEndpoint:
    """``POST /rpc``: the body to the dispatcher, its answer as JSON (204 for notifications)."""

    def __init__(self, dispatcher: JsonRpcDispatcher) -> None:
        self.dispatcher = dispatcher

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["method"] != "POST":
            await send_json(send, 405, {"detail": "Method Not Allowed"}, [(b"allow", b"POST")])
            return
        try:
            body = await read_body(receive)
        except ClientDisconnect:
            return
        request_id = session_id = None
        for key, value in scope["headers"]:
            if key == REQUEST_ID_HEADER:
                request_id = value.decode("latin-1")
            elif key == SESSION_HEADER:
                session_id = value.decode("latin-1")
        context = CallContext(request_id=request_id or "-", session_id=session_id)
        answer = await self.dispatcher.handle_text(body, context)
        if answer is None:
            await send({"type": "http.response.start", "status": 204, "headers": []})
            await send({"type": "http.response.body", "body": b""})
            return
        payload = json_bytes(answer)
        headers = [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(payload)).encode()),
        ]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": payload})


class Endpoints:
    """Serve the paths in ``routes`` with their ASGI apps; everything else goes to ``app``."""

    def __init__(self, app: ASGIApp, routes: Mapping[str, ASGIApp]) -> None:
        self.app = app
        self.routes = dict(routes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        endpoint = self.routes.get(scope["path"]) if scope["type"] == "http" else None
        await (endpoint or self.app)(scope, receive, send)


def document_rpc(app: FastAPI) -> None:
    """Add the ``/rpc`` operation (served by :class:`Endpoints`) to the app's OpenAPI document."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        schema = generate()
        schema["paths"].setdefault("/rpc", {"post": RPC_OPERATION})
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
