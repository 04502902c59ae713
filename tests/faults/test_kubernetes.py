"""kube-apiserver stopped (SIGSTOP) or killed (SIGKILL) under a running server, and flaky.

The Kubernetes client is blocking (run in worker threads): a stopped API server must not make
calls queue behind each other past the timeout, however many arrive at once.
"""

from __future__ import annotations

import signal
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import kubernetes.client as k8s
import kubernetes.config as k8s_config
import pytest
import yaml

from opslens.devstack.asgi import serve
from opslens.devstack.kubeapi import KubeApiBackend, ensure_kube_binaries
from opslens.devstack.process import free_port
from opslens_mcp.core.app import create_app
from opslens_mcp.core.settings import ServerSettings
from opslens_mcp.kubernetes.server import create_service
from opslens_mcp.kubernetes.settings import KubernetesSettings
from tests.faults.faults import (
    BACKEND_TIMEOUT_S,
    MARGIN_S,
    assert_cannot_connect,
    assert_timed_out,
    call,
    calls_at_once,
    paused,
    readyz,
    wait_until,
)
from tests.faults.flaky import REFUSED, FlakyPool, Mode

pytestmark = pytest.mark.integration
NAMESPACE = "faults"
POD = {
    "metadata": {"name": "steady", "labels": {"app": "steady"}},
    "spec": {"containers": [{"name": "app", "image": "registry.example.com/steady:1"}]},
}
PODS = {"namespace": NAMESPACE}


@pytest.fixture(scope="module")
def kube(tmp_path_factory: pytest.TempPathFactory) -> Iterator[KubeApiBackend]:
    """An API server (and etcd) of this module's own, holding one pod: its tests stop it."""
    ensure_kube_binaries()
    backend = KubeApiBackend(tmp_path_factory.mktemp("faults-kube"), free_port())
    backend.start()
    try:
        with admin(backend) as core:
            core.create_namespace({"metadata": {"name": NAMESPACE}})
            core.create_namespaced_pod(NAMESPACE, POD)
        yield backend
    finally:
        backend.stop()


@contextmanager
def admin(kube: KubeApiBackend) -> Iterator[k8s.CoreV1Api]:
    client = k8s_config.new_client_from_config(config_file=str(kube.kubeconfig_path))
    try:
        yield k8s.CoreV1Api(client)
    finally:
        client.close()


@contextmanager
def served(
    kube: KubeApiBackend,
    pool: FlakyPool | None = None,
    kubeconfig: Path | None = None,
    **options: Any,
) -> Iterator[str]:
    settings = KubernetesSettings(
        kubeconfig=str(kubeconfig or kube.readonly_kubeconfig_path),
        timeout_s=BACKEND_TIMEOUT_S,
        **options,
    )
    app = create_app(create_service(settings, pool), ServerSettings(call_timeout_s=30))
    with serve(app) as url:
        yield url


def kubeconfig_with_token(kube: KubeApiBackend, token: str, path: Path) -> Path:
    config = yaml.safe_load(kube.readonly_kubeconfig_path.read_text())
    config["users"][0]["user"]["token"] = token
    path.write_text(yaml.safe_dump(config))
    return path


def test_stopped_api_server_times_out_for_many_calls_at_once_then_recovers(
    kube: KubeApiBackend,
) -> None:
    # Twelve cluster-wide diagnoses are about eighty API requests at once, far more than
    # there are worker threads: queued ones must time out within the same budget.
    batch: list[tuple[str, dict[str, Any]]] = [("diagnose", {})] * 12 + [("list_pods", PODS)]
    pool = FlakyPool(kube.ca_path)  # fails nothing: counts the requests
    with served(kube, pool) as url:
        assert call(url, "list_pods", **PODS).result["matched"] == 1
        before = pool.sent.count
        for answer in calls_at_once(url, batch):
            assert answer.result
        healthy_requests, before = pool.sent.count - before, pool.sent.count
        with paused(kube.kill_apiserver), ThreadPoolExecutor(1) as readiness:
            ready_later = readiness.submit(readyz, url)
            answers = calls_at_once(url, batch)
            ready = ready_later.result()
        for answer in answers:
            assert_timed_out(answer, "kubernetes")
        # Nothing was sent twice: a timeout is not retried (and queued requests never left).
        assert pool.sent.count - before <= healthy_requests + 1  # + readiness' /version
        assert ready.status == 503 and "kubernetes timed out" in ready.detail
        assert ready.elapsed_s < BACKEND_TIMEOUT_S + MARGIN_S
        # SIGCONT: the same server answers at once.
        assert call(url, "list_pods", **PODS).result["matched"] == 1
        assert readyz(url).status == 200


def test_killed_api_server_fails_fast_and_the_server_recovers_after_a_restart(
    kube: KubeApiBackend,
) -> None:
    with served(kube) as url:
        assert call(url, "list_pods", **PODS).result["matched"] == 1
        kube.kill_apiserver(signal.SIGKILL)
        try:
            wait_until(lambda: not kube.alive(), "kube-apiserver exits after SIGKILL")
            assert_cannot_connect(call(url, "list_pods", **PODS), "kubernetes", kube.url)
            ready = readyz(url)
            assert ready.status == 503 and "cannot connect" in ready.detail
        finally:
            kube.start()  # same port, same etcd
        assert call(url, "list_pods", **PODS).result["matched"] == 1
        assert readyz(url).status == 200


@pytest.mark.parametrize("mode", [REFUSED, 502, 503, 504])
def test_transient_failures_are_retried_with_growing_waits(
    kube: KubeApiBackend, mode: Mode
) -> None:
    pool = FlakyPool(kube.ca_path, failures=2, mode=mode)
    with served(kube, pool, retry_attempts=3, retry_backoff_s=0.1) as url:
        assert call(url, "list_pods", **PODS).result["matched"] == 1
    assert pool.sent.count == 3
    first, second = pool.sent.gaps()
    assert first >= 0.1 and second >= 0.2  # 0.1 s, then 0.2 s, each plus up to 0.1 s jitter


def test_retries_stop_after_the_configured_attempts(kube: KubeApiBackend) -> None:
    pool = FlakyPool(kube.ca_path, failures=100)
    with served(kube, pool, retry_attempts=4, retry_backoff_s=0.05) as url:
        answer = call(url, "list_pods", **PODS)
    assert_cannot_connect(answer, "kubernetes", kube.url)
    assert pool.sent.count == 4


def test_a_rejected_token_is_not_retried(kube: KubeApiBackend, tmp_path: Path) -> None:
    pool = FlakyPool(kube.ca_path)
    kubeconfig = kubeconfig_with_token(kube, "not-a-token", tmp_path / "kubeconfig")
    with served(kube, pool, kubeconfig) as url:
        error = call(url, "list_pods", **PODS).error
    assert (error["code"], error["data"]["status"]) == (-32000, 401)
    assert pool.sent.count == 1


def test_a_forbidden_read_is_not_retried(kube: KubeApiBackend, tmp_path: Path) -> None:
    with admin(kube) as core:  # a service account nobody granted anything
        core.create_namespaced_service_account(NAMESPACE, {"metadata": {"name": "nobody"}})
        request = core.create_namespaced_service_account_token(
            "nobody", NAMESPACE, {"spec": {"expirationSeconds": 3600}}
        )
    pool = FlakyPool(kube.ca_path)
    kubeconfig = kubeconfig_with_token(kube, request.status.token, tmp_path / "kubeconfig")
    with served(kube, pool, kubeconfig) as url:
        error = call(url, "list_pods", **PODS).error
    assert (error["code"], error["data"]["status"]) == (-32000, 403)
    assert pool.sent.count == 1
