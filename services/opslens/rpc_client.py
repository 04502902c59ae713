"""A JSON-RPC 2.0 client for opslens servers (used by the agent, the reports and the CLI).

One ``httpx.AsyncClient`` per server, created once and injected; every call has a timeout.
Reads are idempotent, so a call that failed to reach its server (connection refused or reset)
is retried with exponential backoff and jitter. A call that timed out is not: the server had
the whole timeout, and waiting again would multiply it. An error the server answered is never
retried.

Example::

    async with RpcClient("http://127.0.0.1:8102", name="prometheus") as prometheus:
        result = await prometheus.call("query", {"promql": "up"})
"""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass
from types import TracebackType
from typing import Any

import httpx
import orjson
from tenacity import (
    AsyncRetrying,
    retry_if_exception,
    stop_after_attempt,
    wait_exponential_jitter,
)

UNREACHABLE_CODES = (-32001, -32002)


@dataclass
class RpcError(Exception):
    """A JSON-RPC error answer, or a transport failure (``code`` -32001/-32002 then)."""

    server: str
    method: str
    code: int
    message: str
    data: Any = None

    def __str__(self) -> str:
        return f"{self.server}.{self.method}: {self.message}"

    @property
    def unreachable(self) -> bool:
        return self.code in UNREACHABLE_CODES


def _retryable(exc: BaseException) -> bool:
    return isinstance(exc, RpcError) and exc.code == -32001 and exc.data == "transport"


class RpcClient:
    """Calls the tools of one server at ``base_url`` over ``POST /rpc``."""

    def __init__(
        self,
        base_url: str,
        *,
        name: str,
        token: str | None = None,
        timeout_s: float = 15.0,
        attempts: int = 3,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self.name = name
        self.base_url = base_url.rstrip("/")
        self.attempts = attempts
        self._ids = itertools.count(1)
        self._http = httpx.AsyncClient(
            base_url=self.base_url, headers=headers, timeout=timeout_s, transport=transport
        )

    async def __aenter__(self) -> RpcClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    async def call(
        self, method: str, params: dict[str, Any] | None = None, *, session_id: str | None = None
    ) -> dict[str, Any]:
        """Call ``method``; return its ``result`` or raise :class:`RpcError`."""
        retrying = AsyncRetrying(
            retry=retry_if_exception(_retryable),
            stop=stop_after_attempt(self.attempts),
            wait=wait_exponential_jitter(initial=0.2, max=2.0, jitter=0.2),
            reraise=True,
        )
        async for attempt in retrying:
            with attempt:
                return await self._call_once(method, params or {}, session_id)
        raise AssertionError("unreachable")  # pragma: no cover

    async def _call_once(
        self, method: str, params: dict[str, Any], session_id: str | None
    ) -> dict[str, Any]:
        payload = {"jsonrpc": "2.0", "method": method, "params": params, "id": next(self._ids)}
        headers = {"X-Opslens-Session": session_id} if session_id else None
        try:
            response = await self._http.post("/rpc", json=payload, headers=headers)
        except httpx.TimeoutException as exc:
            raise RpcError(
                self.name, method, -32002, f"{self.name} server timed out", "transport"
            ) from exc
        except httpx.TransportError as exc:
            raise RpcError(
                self.name,
                method,
                -32001,
                f"{self.name} server unreachable ({type(exc).__name__})",
                "transport",
            ) from exc
        if response.status_code != 200:
            raise RpcError(
                self.name, method, -32603, f"HTTP {response.status_code} from {self.name} server"
            )
        body = _loads(response.content)
        if "error" in body:
            error = body["error"]
            raise RpcError(
                self.name, method, int(error["code"]), str(error["message"]), error.get("data")
            )
        result: dict[str, Any] = body["result"]
        return result


def _loads(raw: bytes) -> Any:
    """A server's answer parsed: orjson, or the standard library for what orjson refuses (a
    lone surrogate escaped in hostile log text, which the servers pass on as written)."""
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        return json.loads(raw)
