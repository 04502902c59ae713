"""Pure ASGI middleware of the core: request ids, bearer-token auth, request body limits."""

from __future__ import annotations

import hmac
import re
import uuid
from collections.abc import Iterable

import structlog
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from opslens_mcp.core.errors import INVALID_REQUEST
from opslens_mcp.core.safejson import json_bytes

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")
REQUEST_ID_HEADER = b"x-request-id"


def _header(scope: Scope, name: bytes) -> bytes | None:
    for key, value in scope.get("headers", []):
        if key == name:
            return bytes(value)
    return None


async def send_json(
    send: Send, status: int, body: object, headers: Iterable[tuple[bytes, bytes]] = ()
) -> None:
    """Answer with ``body`` as JSON (and ``headers``), straight over ASGI."""
    payload = json_bytes(body)
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(payload)).encode()),
                *headers,
            ],
        }
    )
    await send({"type": "http.response.body", "body": payload})


class RequestIdMiddleware:
    """Give every request an id (the caller's ``X-Request-ID`` if sane), echo it, log with it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = _header(scope, REQUEST_ID_HEADER)
        text = given.decode("latin-1") if given else ""
        request_id = text if _REQUEST_ID.match(text) else uuid.uuid4().hex
        headers = [(k, v) for k, v in scope["headers"] if k != REQUEST_ID_HEADER]
        scope = {**scope, "headers": [*headers, (REQUEST_ID_HEADER, request_id.encode())]}

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {
                    **message,
                    "headers": [
                        *message.get("headers", []),
                        (REQUEST_ID_HEADER, request_id.encode()),
                    ],
                }
            await send(message)

        with structlog.contextvars.bound_contextvars(request_id=request_id):
            await self.app(scope, receive, send_with_id)


class BearerAuthMiddleware:
    """Require ``Authorization: Bearer <token>`` on every path but the open ones."""

    def __init__(self, app: ASGIApp, token: str | None, open_paths: Iterable[str]) -> None:
        self.app = app
        self.token = token.encode() if token else None
        self.open_paths = frozenset(open_paths)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.token is None or scope["type"] != "http" or scope["path"] in self.open_paths:
            await self.app(scope, receive, send)
            return
        given = _header(scope, b"authorization") or b""
        scheme, _, credential = given.partition(b" ")
        if scheme.lower() == b"bearer" and hmac.compare_digest(credential.strip(), self.token):
            await self.app(scope, receive, send)
            return
        await send_json(
            send,
            401,
            {"error": "unauthorized", "detail": "a valid bearer token is required"},
            [(b"www-authenticate", b'Bearer realm="opslens"')],
        )


class BodyLimitMiddleware:
    """Refuse request bodies over ``max_bytes`` with HTTP 413, declared or streamed; on the
    ``jsonrpc_paths`` the refusal is a JSON-RPC error (``-32600``, id null)."""

    def __init__(self, app: ASGIApp, max_bytes: int, jsonrpc_paths: Iterable[str] = ()) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.jsonrpc_paths = frozenset(jsonrpc_paths)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _header(scope, b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._refuse(scope, send)
            return
        received = 0
        response_started = False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise _BodyTooLarge
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal response_started
            if message["type"] == "http.response.start":
                response_started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except _BodyTooLarge:
            if not response_started:
                await self._refuse(scope, send)

    async def _refuse(self, scope: Scope, send: Send) -> None:
        detail = f"request body exceeds {self.max_bytes} bytes"
        body: dict[str, object] = {"error": "payload_too_large", "detail": detail}
        if scope["path"] in self.jsonrpc_paths:
            error = {"code": INVALID_REQUEST, "message": f"Invalid Request: {detail}"}
            body = {"jsonrpc": "2.0", "error": error, "id": None}
        await send_json(send, 413, body)


class _BodyTooLarge(Exception):
    pass
