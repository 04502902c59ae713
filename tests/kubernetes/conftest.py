"""Fixtures of the Kubernetes server's tests: an admin client to create objects with, and the
real server app (read-only user) served over HTTP.

The admin client writes test objects into namespaces named ``k8stest-...``; the server under
test reads them with the read-only kubeconfig, as it would in a cluster.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import kubernetes.client as client
import kubernetes.config as config
import pytest

from opslens.devstack.asgi import serve
from opslens.devstack.kubeapi import KubeApiBackend
from opslens_eval.kubernetes.admin import Admin
from opslens_eval.kubernetes.shop import Shop
from opslens_eval.kubernetes.shop_plans import faulty_shop, healthy_shop
from opslens_mcp.core.app import create_app
from opslens_mcp.core.settings import ServerSettings
from opslens_mcp.kubernetes.server import create_service
from opslens_mcp.kubernetes.settings import KubernetesSettings


@pytest.fixture(scope="session")
def admin(kube_backend: KubeApiBackend) -> Admin:
    configuration = client.Configuration()
    config.load_kube_config(
        config_file=str(kube_backend.kubeconfig_path), client_configuration=configuration
    )
    api = client.ApiClient(configuration)
    return Admin(
        api, client.CoreV1Api(api), client.AppsV1Api(api), client.RbacAuthorizationV1Api(api)
    )


class RpcError(Exception):
    def __init__(self, error: dict[str, Any]) -> None:
        super().__init__(error.get("message"))
        self.code: int = error["code"]
        self.message: str = error["message"]
        self.data: Any = error.get("data")


Rpc = Callable[..., dict[str, Any]]


def rpc_caller(base_url: str) -> Rpc:
    """``call(tool, **params)``: the tool's result over JSON-RPC, or RpcError."""

    def call(tool: str, **params: Any) -> dict[str, Any]:
        payload = {"jsonrpc": "2.0", "method": tool, "params": params, "id": 1}
        answer = httpx.post(f"{base_url}/rpc", json=payload, timeout=60).json()
        if "error" in answer:
            raise RpcError(answer["error"])
        result: dict[str, Any] = answer["result"]
        return result

    return call


@pytest.fixture(scope="session")
def serve_kubernetes() -> Callable[[KubernetesSettings], Any]:
    """Serve the real Kubernetes server app with ``settings``; a context manager of its URL."""

    def start(settings: KubernetesSettings) -> Any:
        return serve(create_app(create_service(settings), ServerSettings()))

    return start


@pytest.fixture(scope="session")
def readonly_url(
    kube_backend: KubeApiBackend, serve_kubernetes: Callable[[KubernetesSettings], Any]
) -> Iterator[str]:
    settings = KubernetesSettings(kubeconfig=str(kube_backend.readonly_kubeconfig_path))
    with serve_kubernetes(settings) as url:
        yield url


@pytest.fixture(scope="session")
def rpc(readonly_url: str) -> Rpc:
    return rpc_caller(readonly_url)


@pytest.fixture(scope="session")
def faulty(admin: Admin) -> Shop:
    """The shop with every fault injected (session-wide: the tests only read it)."""
    return faulty_shop(admin, dt.datetime.now(dt.UTC).replace(microsecond=0))


@pytest.fixture(scope="session")
def healthy(admin: Admin) -> Shop:
    return healthy_shop(admin, dt.datetime.now(dt.UTC).replace(microsecond=0))
