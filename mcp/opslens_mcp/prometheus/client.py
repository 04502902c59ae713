"""An async client for Prometheus' HTTP API that translates failures once, at the boundary.

Every call has the configured timeout (PromQL evaluations also pass it to Prometheus, which then
stops evaluating on its side too), and answers larger than ``max_response_bytes`` are refused
while streaming, so one broad query cannot exhaust the server's memory.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping
from typing import Any

import httpx

from opslens_mcp.core.errors import BackendError, BackendTimeout, BackendUnavailable, InvalidParams
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
        if self.method(path) == "POST":
            request = self._http.build_request("POST", f"/api/v1/{path}", data=params or {})
        else:
            request = self._http.build_request("GET", f"/api/v1/{path}", params=params or {})
        try:
            response = await self._http.send(request, stream=True)
            try:
                body = await self._read_bounded(response)
            finally:
                await response.aclose()
        except httpx.TimeoutException as exc:
            raise BackendTimeout(
                BACKEND, f"no answer from {self.base_url} ({type(exc).__name__})"
            ) from exc
        except httpx.TransportError as exc:
            raise BackendUnavailable(BACKEND, f"{self.base_url}: {type(exc).__name__}") from exc
        return self._unwrap(response.status_code, body)

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
            raise BackendUnavailable(BACKEND, f"{self.base_url}: {type(exc).__name__}") from exc
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

    @staticmethod
    def _unwrap(status: int, raw: bytes) -> Any:
        try:
            body = json.loads(raw)
        except ValueError:
            raise BackendError(BACKEND, f"non-JSON answer: {raw[:200]!r}", status) from None
        if not isinstance(body, dict):
            raise BackendError(BACKEND, f"unexpected answer: {raw[:200]!r}", status)
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
        raise BackendError(BACKEND, error, status)
