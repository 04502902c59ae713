"""An async client for Prometheus' HTTP API that translates failures once, at the boundary.

Every call has the configured timeout (PromQL evaluations also pass it to Prometheus, which then
stops evaluating on its side too), and answers larger than ``max_response_bytes`` are refused
while streaming, so one broad query cannot exhaust the server's memory. Transient failures
(connection refused or reset, HTTP 502/503/504) are retried as :mod:`opslens_mcp.core.retry`
says; a timeout is not.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping
from typing import Any

import httpx
import orjson

from opslens_mcp.core.errors import BackendError, BackendTimeout, BackendUnavailable, InvalidParams
from opslens_mcp.core.retry import TRANSIENT_STATUSES
from opslens_mcp.core.times import format_duration
from opslens_mcp.prometheus.settings import PrometheusSettings
from opslens_mcp.prometheus.transport import AiohttpTransport

BACKEND = "prometheus"
_FORM_PATHS = frozenset({"query", "query_range", "series", "labels"})


class PrometheusClient:
    """``GET``/``POST`` against ``/api/v1``; returns the ``data`` member of a success envelope.

    Requests go out through :class:`AiohttpTransport` unless another httpx transport is
    injected (tests inject one to simulate failures).
    """

    def __init__(
        self, settings: PrometheusSettings, transport: httpx.AsyncBaseTransport | None = None
    ) -> None:
        headers = {"Accept": "application/json"}
        if settings.bearer_token:
            headers["Authorization"] = f"Bearer {settings.bearer_token.get_secret_value()}"
        auth = None
        if settings.username and settings.password:
            auth = httpx.BasicAuth(settings.username, settings.password.get_secret_value())
        verify: bool | str = settings.ca_file or settings.verify_tls
        self.base_url = settings.url.rstrip("/")
        self.max_response_bytes = settings.max_response_bytes
        self.timeout_s = settings.timeout_s
        self._retry = settings.retry_policy(settings.timeout_s)
        self._evaluation_timeout = format_duration(settings.timeout_s)
        self._http = httpx.AsyncClient(
            base_url=self.base_url,
            headers=headers,
            auth=auth,
            timeout=settings.timeout_s,
            transport=transport or AiohttpTransport(verify),
            trust_env=False,  # one path to Prometheus: no proxy transports mounted from env
        )

    async def aclose(self) -> None:
        await self._http.aclose()

    async def api(self, path: str, params: dict[str, Any] | None = None) -> Any:
        """Call ``/api/v1/<path>`` (form-encoded POST where allowed, so long PromQL fits)."""
        return await self._retry.run(lambda: self._api_once(path, params or {}))

    async def _api_once(self, path: str, params: dict[str, Any]) -> Any:
        if self.method(path) == "POST":
            request = self._http.build_request("POST", f"/api/v1/{path}", data=params)
        else:
            request = self._http.build_request("GET", f"/api/v1/{path}", params=params)
        try:
            response = await self._http.send(request, stream=True)
            try:
                body = await self._read_bounded(response)
            finally:
                await response.aclose()
        except httpx.TransportError as exc:
            raise self._transport_error(exc) from exc
        return self._unwrap(response.status_code, body)

    def _transport_error(self, exc: httpx.TransportError) -> BackendError:
        """The error to report for a request that got no (whole) answer."""
        name = type(exc).__name__
        if isinstance(exc, httpx.TimeoutException):
            detail = f"no answer from {self.base_url} within {self.timeout_s:g}s ({name})"
            return BackendTimeout(BACKEND, detail)
        if isinstance(exc, httpx.ConnectError):
            return BackendUnavailable(
                BACKEND, f"cannot connect to {self.base_url} ({name})", transient=True
            )
        transient = isinstance(exc, httpx.NetworkError | httpx.RemoteProtocolError)
        detail = f"{self.base_url}: the connection failed mid-request ({name})"
        return BackendUnavailable(BACKEND, detail, transient=transient)

    @staticmethod
    def method(path: str) -> str:
        """The HTTP method :meth:`api` uses for ``path``."""
        return "POST" if path in _FORM_PATHS else "GET"

    async def query(self, promql: str, at: float) -> dict[str, Any]:
        """An instant query evaluated at ``at`` (Unix seconds)."""
        params = {"query": promql, "time": at, "timeout": self._evaluation_timeout}
        data: dict[str, Any] = await self.api("query", params)
        return data

    async def query_many(self, queries: Mapping[str, str], at: float) -> dict[str, dict[str, Any]]:
        """Several instant queries at the same time ``at``, concurrently, by name."""
        answers = await asyncio.gather(*(self.query(promql, at) for promql in queries.values()))
        return dict(zip(queries, answers, strict=True))

    async def query_range(
        self, promql: str, start: float, end: float, step: float
    ) -> dict[str, Any]:
        """A range query from ``start`` to ``end`` every ``step`` seconds."""
        params = {
            "query": promql,
            "start": start,
            "end": end,
            "step": step,
            "timeout": self._evaluation_timeout,
        }
        data: dict[str, Any] = await self.api("query_range", params)
        return data

    async def ready(self) -> dict[str, Any]:
        """Readiness of Prometheus itself (``/-/ready``) and its version."""
        try:
            response = await self._http.get("/-/ready")
        except httpx.TransportError as exc:
            raise self._transport_error(exc) from exc
        if response.status_code != 200:
            raise BackendError(BACKEND, response.text.strip()[:200], response.status_code)
        build = await self.api("status/buildinfo")
        return {"backend": BACKEND, "url": self.base_url, "version": build.get("version")}

    async def _read_bounded(self, response: httpx.Response) -> bytes:
        chunks = []
        size = 0
        async for chunk in response.aiter_bytes():
            size += len(chunk)
            if size > self.max_response_bytes:
                raise InvalidParams(
                    f"Prometheus' answer exceeds {self.max_response_bytes} bytes; narrow the "
                    "selector, aggregate (sum by ...), or shorten the range",
                    {"backend": BACKEND, "max_response_bytes": self.max_response_bytes},
                )
            chunks.append(chunk)
        return b"".join(chunks)

    def _unwrap(self, status: int, raw: bytes) -> Any:
        try:
            body, what = _loads(raw), "unexpected"
        except ValueError:
            body, what = None, "non-JSON"
        if not isinstance(body, dict):
            if status in TRANSIENT_STATUSES:  # Prometheus starting, or a proxy's error page
                detail = f"HTTP {status} from {self.base_url}: {raw[:200]!r}"
                raise BackendUnavailable(BACKEND, detail, status, transient=True)
            raise BackendError(BACKEND, f"{what} answer: {raw[:200]!r}", status)
        if body.get("status") == "success":
            return body.get("data")
        error = str(body.get("error") or "unknown error")
        if body.get("errorType") == "bad_data":
            raise InvalidParams(
                f"Prometheus rejected the query: {error}",
                {"backend": BACKEND, "status": status, "detail": error},
            )
        if body.get("errorType") == "timeout":
            raise BackendTimeout(BACKEND, error, status)
        if status in TRANSIENT_STATUSES:  # errorType unavailable, or a query frontend overloaded
            raise BackendUnavailable(BACKEND, f"HTTP {status}: {error}", status, transient=True)
        raise BackendError(BACKEND, error, status)


def _loads(raw: bytes) -> Any:
    """Prometheus' answer parsed: orjson, or the standard library for what orjson refuses
    (escaped lone surrogates in label values)."""
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        return json.loads(raw)
