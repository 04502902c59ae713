"""An async client for Prometheus' HTTP API that translates failures once, at the boundary."""

from __future__ import annotations

from typing import Any

import httpx

from opslens_mcp.core.errors import BackendError, BackendTimeout, BackendUnavailable, InvalidParams
from opslens_mcp.prometheus.settings import PrometheusSettings

BACKEND = "prometheus"


class PrometheusClient:
    """``GET``/``POST`` against ``/api/v1``; returns the ``data`` member of a success envelope.

    The transport can be injected (tests use it to simulate failures).
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
        self._http = httpx.AsyncClient(
            base_url=self.base_url,
            headers=headers,
            auth=auth,
            verify=verify,
            timeout=settings.timeout_s,
            transport=transport,
        )

    async def aclose(self) -> None:
        await self._http.aclose()

    async def api(self, path: str, params: dict[str, Any] | None = None) -> Any:
        """Call ``/api/v1/<path>`` (form-encoded POST for queries, so long PromQL fits)."""
        try:
            if path in ("query", "query_range", "series", "labels"):
                response = await self._http.post(f"/api/v1/{path}", data=params or {})
            else:
                response = await self._http.get(f"/api/v1/{path}", params=params or {})
        except httpx.TimeoutException as exc:
            raise BackendTimeout(
                BACKEND, f"no answer from {self.base_url} ({type(exc).__name__})"
            ) from exc
        except httpx.TransportError as exc:
            raise BackendUnavailable(BACKEND, f"{self.base_url}: {type(exc).__name__}") from exc
        return self._unwrap(response)

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

    @staticmethod
    def _unwrap(response: httpx.Response) -> Any:
        try:
            body = response.json()
        except ValueError:
            raise BackendError(
                BACKEND, f"non-JSON answer: {response.text[:200]!r}", response.status_code
            ) from None
        if body.get("status") == "success":
            return body.get("data")
        error = str(body.get("error") or "unknown error")
        if body.get("errorType") == "bad_data":
            raise InvalidParams(
                f"Prometheus rejected the query: {error}",
                {"backend": BACKEND, "status": response.status_code, "detail": error},
            )
        if body.get("errorType") == "timeout":
            raise BackendTimeout(BACKEND, error, response.status_code)
        raise BackendError(BACKEND, error, response.status_code)
