"""The Kubernetes API client of the server (official client, run off the event loop).

The official client is synchronous; every call runs in a worker thread with the configured
request timeout, and its exceptions are translated once, here.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, TypeVar

import urllib3
from kubernetes import client as k8s
from kubernetes import config as k8s_config
from kubernetes.client.exceptions import ApiException

from opslens_mcp.core.errors import BackendError, BackendTimeout, BackendUnavailable
from opslens_mcp.kubernetes.settings import KubernetesSettings

BACKEND = "kubernetes"
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
    return k8s.ApiClient(configuration)


def _explain(exc: ApiException) -> str:
    if exc.status == 403:
        return f"forbidden: {exc.reason}; the server's service account lacks get/list permission"
    return f"{exc.reason}"


class KubernetesClient:
    """Typed access to the API groups the tools read; never writes.

    The kubeconfig is loaded on first use, so a server without one still starts and says why
    in ``/readyz`` and in each tool's error.
    """

    def __init__(self, settings: KubernetesSettings) -> None:
        self.settings = settings
        self._api_client: k8s.ApiClient | None = None

    @property
    def api_client(self) -> k8s.ApiClient:
        if self._api_client is None:
            try:
                self._api_client = load_api_client(self.settings)
            except (k8s_config.ConfigException, OSError) as exc:
                raise BackendUnavailable(
                    BACKEND, f"no usable kubeconfig ({exc}); set OPSLENS_KUBE_KUBECONFIG"
                ) from exc
        return self._api_client

    @property
    def core(self) -> k8s.CoreV1Api:
        return k8s.CoreV1Api(self.api_client)

    @property
    def apps(self) -> k8s.AppsV1Api:
        return k8s.AppsV1Api(self.api_client)

    @property
    def host(self) -> str:
        if self.settings.kubeconfig is None and self._api_client is None:
            return "in-cluster or ~/.kube/config"
        try:
            return str(self.api_client.configuration.host)
        except BackendUnavailable:
            return "unconfigured"

    def close(self) -> None:
        if self._api_client is not None:
            self._api_client.close()

    async def call(self, what: str, operation: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
        """Run ``operation`` in a thread with the request timeout; translate failures."""
        kwargs.setdefault("_request_timeout", self.settings.timeout_s)
        try:
            return await asyncio.to_thread(operation, *args, **kwargs)
        except ApiException as exc:
            raise BackendError(BACKEND, f"{what}: {_explain(exc)}", exc.status) from exc
        except (urllib3.exceptions.ReadTimeoutError, urllib3.exceptions.ConnectTimeoutError) as exc:
            raise BackendTimeout(BACKEND, f"{what}: no answer in time") from exc
        except urllib3.exceptions.HTTPError as exc:
            raise BackendUnavailable(BACKEND, f"{what}: {type(exc).__name__}") from exc

    async def ready(self) -> dict[str, Any]:
        info = await self.call("version", k8s.VersionApi(self.api_client).get_code)
        return {"backend": BACKEND, "url": self.host, "version": info.git_version}
