"""The async OpenSearch client of the server, with failures translated once, at the boundary.

Transient failures (connection refused or reset, HTTP 502/503/504) are retried as
:mod:`opslens_mcp.core.retry` says; a timeout is not.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar
from urllib.parse import urlsplit, urlunsplit

import aiohttp
import orjson
from opensearchpy import AsyncOpenSearch
from opensearchpy import exceptions as os_errors
from opensearchpy.serializer import JSONSerializer

from opslens_mcp.core.errors import BackendError, BackendTimeout, BackendUnavailable
from opslens_mcp.core.retry import TRANSIENT_STATUSES
from opslens_mcp.opensearch.settings import OpenSearchSettings

BACKEND = "opensearch"
T = TypeVar("T")


def _reason(exc: os_errors.TransportError) -> str:
    info = exc.info if isinstance(exc.info, dict) else {}
    error = info.get("error")
    if isinstance(error, dict):
        root = (error.get("root_cause") or [{}])[0]
        return str(root.get("reason") or error.get("reason") or exc.error)
    return str(exc.error)


def _without_credentials(url: str) -> str:
    """The URL to show (``server_info``, readiness): any ``user:password@`` removed."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(netloc=parts.netloc.rsplit("@", 1)[-1]))


def translated(
    what: str, exc: os_errors.TransportError, url: str, timeout_s: float
) -> BackendError:
    """The core's backend error for an opensearch-py exception."""
    if isinstance(exc, os_errors.ConnectionTimeout):
        return BackendTimeout(BACKEND, f"{what}: no answer from {url} within {timeout_s:g}s")
    cause = exc.info
    if isinstance(exc, os_errors.SSLError) or isinstance(cause, aiohttp.ClientSSLError):
        return BackendUnavailable(BACKEND, f"{what}: TLS with {url} failed ({exc.error})")
    if isinstance(exc, os_errors.ConnectionError):
        connecting = isinstance(cause, aiohttp.ClientConnectorError)
        how = "cannot connect to" if connecting else "lost the connection to"
        detail = f"{what}: {how} {url} ({type(cause).__name__})"
        return BackendUnavailable(BACKEND, detail, transient=True)
    if isinstance(exc, os_errors.NotFoundError):
        return BackendError(BACKEND, f"{what}: {_reason(exc)}", 404)
    status = exc.status_code if isinstance(exc.status_code, int) else None
    if status in TRANSIENT_STATUSES:
        detail = f"{what}: HTTP {status} from {url}: {_reason(exc)}"
        return BackendUnavailable(BACKEND, detail, status, transient=True)
    return BackendError(BACKEND, f"{what}: {_reason(exc)}", status)


class _FastJSONSerializer(JSONSerializer):
    """Reads answers with orjson: a page of 10,000 hits parses several times faster."""

    def loads(self, s: str) -> Any:
        try:
            return orjson.loads(s)
        except orjson.JSONDecodeError:
            return super().loads(s)  # raises the client's own SerializationError


class OpenSearchClient:
    """Thin typed wrapper over ``AsyncOpenSearch``; every call has the configured timeout."""

    def __init__(self, settings: OpenSearchSettings, **client_options: Any) -> None:
        auth = None
        if settings.username and settings.password:
            auth = (settings.username, settings.password.get_secret_value())
        url = settings.url.rstrip("/")
        self.url = _without_credentials(url)
        self.timeout_s = settings.timeout_s
        self._retry = settings.retry_policy(settings.timeout_s)
        self.raw = AsyncOpenSearch(
            hosts=[url],
            http_auth=auth,
            verify_certs=settings.verify_tls,
            ca_certs=settings.ca_file,
            timeout=settings.timeout_s,
            max_retries=0,
            serializer=_FastJSONSerializer(),
            **client_options,
        )

    async def aclose(self) -> None:
        await self.raw.close()

    async def call(self, what: str, operation: Callable[[], Awaitable[T]]) -> T:
        """Await ``operation()`` (a read), retried after transient failures; errors translated."""
        return await self._retry.run(lambda: self._call_once(what, operation))

    async def _call_once(self, what: str, operation: Callable[[], Awaitable[T]]) -> T:
        try:
            return await operation()
        except os_errors.TransportError as exc:
            raise translated(what, exc, self.url, self.timeout_s) from exc

    async def ready(self) -> dict[str, Any]:
        info = await self.call("cluster info", self.raw.info)
        health = await self.call("cluster health", self.raw.cluster.health)
        return {
            "backend": BACKEND,
            "url": self.url,
            "version": info.get("version", {}).get("number"),
            "cluster_status": health.get("status"),
        }
