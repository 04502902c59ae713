"""The Kubernetes API client of the server (official client, run off the event loop).

Every request is an :class:`~opslens_mcp.kubernetes.api_requests.ApiRequest` sent with the
official client's ``ApiClient`` (its kubeconfig, TLS and token handling) in a worker thread of
the client's own pool. The configured timeout counts from the moment a request is made, so one
queued behind others to a hung API server times out too instead of waiting its turn. Objects
come back as the API's own JSON (camelCase dicts, as ``kubectl get -o json`` prints them).
Failures are translated once, here; messages never carry the token or the kubeconfig.
Transient failures (connection refused or reset, HTTP 502/503/504) are retried as
:mod:`opslens_mcp.core.retry` says; a timeout is not.
"""

from __future__ import annotations

import asyncio
import contextvars
import json
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, TypeVar

import kubernetes.client as k8s
import kubernetes.config as k8s_config
import urllib3
from kubernetes.client.exceptions import ApiException

from opslens_mcp.core.errors import BackendError, BackendTimeout, BackendUnavailable
from opslens_mcp.core.retry import TRANSIENT_STATUSES
from opslens_mcp.kubernetes.api_requests import ApiRequest
from opslens_mcp.kubernetes.models import KubeQuery
from opslens_mcp.kubernetes.settings import KubernetesSettings

BACKEND = "kubernetes"
RBAC_FILE = "deploy/kubernetes/rbac.yaml"
REQUEST_THREADS = 32  # API requests in flight at once; more wait (within their timeout)
_MESSAGE_LIMIT = 400
Json = dict[str, Any]
T = TypeVar("T")


def load_api_client(settings: KubernetesSettings) -> k8s.ApiClient:
    """An ``ApiClient`` from the configured kubeconfig, else in-cluster, else ~/.kube/config."""
    configuration = k8s.Configuration()
    if settings.kubeconfig:
        k8s_config.load_kube_config(
            config_file=settings.kubeconfig,
            context=settings.context,
            client_configuration=configuration,
        )
    else:
        try:
            k8s_config.load_incluster_config(client_configuration=configuration)
        except k8s_config.ConfigException:
            k8s_config.load_kube_config(
                context=settings.context, client_configuration=configuration
            )
    configuration.retries = 0
    configuration.connection_pool_maxsize = REQUEST_THREADS
    return k8s.ApiClient(configuration)


@dataclass
class Listing:
    """Objects read by one or more list requests, and whether every page was read."""

    items: list[Json] = field(default_factory=list)
    requests: list[tuple[ApiRequest, int]] = field(default_factory=list)
    complete: bool = True

    def queries(self) -> list[KubeQuery]:
        """The requests as a tool result shows them (first page, pages read)."""
        return [KubeQuery.of(request, pages) for request, pages in self.requests]


def _status_message(body: bytes) -> str:
    """The ``message`` of a ``metav1.Status`` body, else the start of the body."""
    try:
        message = json.loads(body).get("message", "")
    except (ValueError, AttributeError):
        message = body.decode("utf-8", "replace")
    return str(message).strip()[:_MESSAGE_LIMIT]


def api_error(request: ApiRequest, status: int, message: str) -> BackendError:
    """The error a tool reports for an HTTP error answer of the API server."""
    what = f"GET {request.url}"
    if status == 401:
        detail = "unauthorized: the API server rejected the configured credentials"
        return BackendError(BACKEND, f"{detail} (expired or revoked token?) on {what}", status)
    if status == 403:
        detail = (
            f"forbidden: the server's credentials may not {request.permission()}; "
            f"grant it in the read-only ClusterRole ({RBAC_FILE}). API server: {message}"
        )
        return BackendError(BACKEND, detail, status)
    if request.resource == "pods/log" and status >= 500:
        detail = (
            "the node's kubelet did not answer the API server's log request "
            f"(node down, unreachable or no kubelet) on {what}: {message}"
        )
        return BackendUnavailable(BACKEND, detail, status)
    if status == 404:
        return BackendError(BACKEND, f"not found: {message}", status)
    if status == 429 or status in TRANSIENT_STATUSES:
        detail = f"API server overloaded or unavailable ({status}) on {what}: {message}"
        return BackendUnavailable(BACKEND, detail, status, transient=status != 429)
    return BackendError(BACKEND, f"{what} failed ({status}): {message}", status)


class KubernetesClient:
    """Read-only access to the API server; never writes.

    The kubeconfig is loaded on first use, so a server without one still starts and says why
    in ``/readyz`` and in each tool's error. ``pool_manager`` replaces the official client's
    HTTP connection pool (tests inject one that fails; it must carry the TLS settings).
    """

    def __init__(
        self, settings: KubernetesSettings, pool_manager: urllib3.PoolManager | None = None
    ) -> None:
        self.settings = settings
        self._pool_manager = pool_manager
        self._api_client: k8s.ApiClient | None = None
        self._retry = settings.retry_policy(settings.timeout_s)
        self._threads = ThreadPoolExecutor(REQUEST_THREADS, thread_name_prefix="kube-api")

    @property
    def api_client(self) -> k8s.ApiClient:
        if self._api_client is None:
            try:
                self._api_client = load_api_client(self.settings)
            except (k8s_config.ConfigException, OSError) as exc:
                raise BackendUnavailable(
                    BACKEND, f"no usable kubeconfig ({exc}); set OPSLENS_KUBE_KUBECONFIG"
                ) from exc
            if self._pool_manager is not None:
                self._api_client.rest_client.pool_manager = self._pool_manager
        return self._api_client

    @property
    def host(self) -> str:
        if self.settings.kubeconfig is None and self._api_client is None:
            return "in-cluster or ~/.kube/config"
        try:
            return str(self.api_client.configuration.host)
        except BackendUnavailable:
            return "unconfigured"

    def close(self) -> None:
        self._threads.shutdown(wait=False, cancel_futures=True)
        if self._api_client is not None:
            self._api_client.close()

    def _send(self, request: ApiRequest, max_bytes: int | None) -> bytes:
        """Blocking GET of ``request``; the body, or the first ``max_bytes`` of it."""
        api = self.api_client
        method, url, headers, _, _ = api.param_serialize(
            method="GET",
            resource_path=request.url,
            header_params={"Accept": "application/json"},
            auth_settings=["BearerToken"],
        )
        response = api.call_api(
            method, url, header_params=headers, _request_timeout=self.settings.timeout_s
        )
        raw = response.response
        try:
            body: bytes = raw.read(max_bytes) if max_bytes is not None else raw.read()
        finally:
            raw.release_conn()
        if not 200 <= response.status < 300:
            raise api_error(request, response.status, _status_message(body))
        return body

    def _send_json(self, request: ApiRequest) -> Json:
        """Blocking GET and JSON decoding (both off the event loop)."""
        body = self._send(request, None)
        try:
            document: Json = json.loads(body)
        except ValueError as exc:
            raise BackendError(BACKEND, f"GET {request.url}: the answer is not JSON") from exc
        return document

    async def _in_thread(self, request: ApiRequest, blocking: Callable[[], T]) -> T:
        """Run ``blocking`` in a worker thread, again after transient failures."""
        self.api_client  # noqa: B018 - load the kubeconfig once, here, not in racing threads
        return await self._retry.run(lambda: self._in_thread_once(request, blocking))

    async def _in_thread_once(self, request: ApiRequest, blocking: Callable[[], T]) -> T:
        """Run ``blocking`` in a worker thread; translate transport failures."""
        what = f"GET {request.url}"
        call = contextvars.copy_context().run  # as asyncio.to_thread does
        try:
            async with asyncio.timeout(self.settings.timeout_s):
                return await asyncio.get_running_loop().run_in_executor(
                    self._threads, call, blocking
                )
        except TimeoutError as exc:  # waited for a thread, then for the API server
            raise self._timed_out(what) from exc
        except ApiException as exc:  # TLS failures (status 0) and Retry-After answers
            if exc.status:
                raise api_error(request, exc.status, str(exc.reason)) from exc
            reason = str(exc.reason).splitlines()[0]
            detail = f"{what}: cannot talk to {self.host} ({reason})"
            raise BackendUnavailable(BACKEND, detail) from exc
        except urllib3.exceptions.MaxRetryError as exc:
            raise self._transport_error(what, exc.reason) from exc
        except urllib3.exceptions.HTTPError as exc:
            raise self._transport_error(what, exc) from exc

    def _transport_error(self, what: str, reason: Exception | None) -> BackendError:
        """The error to report for a request that got no (whole) answer."""
        name = type(reason).__name__ if reason else "connection failed"
        refused = isinstance(reason, urllib3.exceptions.NewConnectionError)
        if not refused and isinstance(reason, urllib3.exceptions.TimeoutError):
            return self._timed_out(what)
        if refused or isinstance(reason, urllib3.exceptions.ProtocolError):
            # Refused, or reset or closed mid-request: a restart or a load balancer's hiccup.
            how = "cannot connect to" if refused else "lost the connection to"
            detail = f"{what}: {how} {self.host} ({name})"
            return BackendUnavailable(BACKEND, detail, transient=True)
        return BackendUnavailable(BACKEND, f"{what}: cannot connect to {self.host} ({name})")

    def _timed_out(self, what: str) -> BackendTimeout:
        timeout = f"{self.settings.timeout_s:g}s"
        return BackendTimeout(BACKEND, f"{what}: no answer from {self.host} within {timeout}")

    async def get_json(self, request: ApiRequest) -> Json:
        """One object (or one page of a list) as the API's JSON."""
        return await self._in_thread(request, lambda: self._send_json(request))

    async def get_text(self, request: ApiRequest, max_bytes: int) -> bytes:
        """A plain-text answer (a log), read up to ``max_bytes`` bytes."""
        return await self._in_thread(request, lambda: self._send(request, max_bytes))

    async def list_items(self, request: ApiRequest) -> Listing:
        """All objects of a list request, page by page, up to the configured bound."""
        listing = Listing()
        token, pages = "", 0
        while True:
            page_request = request.with_params(limit=self.settings.page_size)
            if token:
                page_request = page_request.with_params(**{"continue": token})
            page = await self.get_json(page_request)
            pages += 1
            listing.items.extend(page.get("items") or [])
            token = (page.get("metadata") or {}).get("continue") or ""
            if not token or len(listing.items) >= self.settings.max_list_objects:
                listing.complete = not token
                listing.requests.append((request, pages))
                return listing

    async def list_many(self, requests: Iterable[ApiRequest]) -> Listing:
        """Several list requests at once (e.g. one per allowed namespace), merged."""
        parts = await asyncio.gather(*(self.list_items(r) for r in requests))
        merged = Listing()
        for part in parts:
            merged.items.extend(part.items)
            merged.requests.extend(part.requests)
            merged.complete = merged.complete and part.complete
        return merged

    async def ready(self) -> dict[str, Any]:
        version = await self.get_json(ApiRequest(path="/version", verb="get", resource="version"))
        return {"backend": BACKEND, "url": self.host, "version": version.get("gitVersion")}
