"""The async OpenSearch client of the server, with failures translated once, at the boundary."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any, TypeVar
from urllib.parse import urlsplit, urlunsplit

from opensearchpy import AsyncOpenSearch
from opensearchpy import exceptions as os_errors

from opslens_mcp.core.errors import BackendError, BackendTimeout, BackendUnavailable
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


@asynccontextmanager
async def translated_errors(what: str) -> AsyncIterator[None]:
    """Turn opensearch-py exceptions into the core's backend errors."""
    try:
        yield
    except os_errors.ConnectionTimeout as exc:
        raise BackendTimeout(BACKEND, f"{what}: no answer in time") from exc
    except os_errors.ConnectionError as exc:
        raise BackendUnavailable(BACKEND, f"{what}: {type(exc).__name__}") from exc
    except os_errors.NotFoundError as exc:
        raise BackendError(BACKEND, f"{what}: {_reason(exc)}", 404) from exc
    except os_errors.TransportError as exc:
        status = exc.status_code if isinstance(exc.status_code, int) else None
        raise BackendError(BACKEND, f"{what}: {_reason(exc)}", status) from exc


class OpenSearchClient:
    """Thin typed wrapper over ``AsyncOpenSearch``; every call has the configured timeout."""

    def __init__(self, settings: OpenSearchSettings, **client_options: Any) -> None:
        auth = None
        if settings.username and settings.password:
            auth = (settings.username, settings.password.get_secret_value())
        url = settings.url.rstrip("/")
        self.url = _without_credentials(url)
        self.timeout_s = settings.timeout_s
        self.raw = AsyncOpenSearch(
            hosts=[url],
            http_auth=auth,
            verify_certs=settings.verify_tls,
            ca_certs=settings.ca_file,
            timeout=settings.timeout_s,
            max_retries=0,
            **client_options,
        )

    async def aclose(self) -> None:
        await self.raw.close()

    async def call(self, what: str, operation: Callable[[], Awaitable[T]]) -> T:
        async with translated_errors(what):
            return await operation()

    async def ready(self) -> dict[str, Any]:
        info = await self.call("cluster info", self.raw.info)
        health = await self.call("cluster health", self.raw.cluster.health)
        return {
            "backend": BACKEND,
            "url": self.url,
            "version": info.get("version", {}).get("number"),
            "cluster_status": health.get("status"),
        }
