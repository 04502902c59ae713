"""Prometheus stopped (SIGSTOP) or killed (SIGKILL) under a running server, and flaky on the way.

The server has a backend timeout of a few seconds: a call to a stopped Prometheus ends with a
timeout error that names Prometheus and the timeout, after the timeout and not much later,
and is not retried; the server recovers as soon as Prometheus answers again.
"""

from __future__ import annotations

import signal
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

import pytest

from opslens.devstack.asgi import serve
from opslens.devstack.process import free_port
from opslens.devstack.prometheus import PrometheusBackend
from opslens.rpc_client import RpcClient, RpcError
from opslens_mcp.core.app import create_app
from opslens_mcp.core.settings import ServerSettings
from opslens_mcp.prometheus.server import create_service
from opslens_mcp.prometheus.settings import PrometheusSettings
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
from tests.faults.flaky import REFUSED, FlakyTransport, Mode

pytestmark = pytest.mark.integration
ONE = {"promql": "vector(1)"}
# What an agent asks at once: an instant query, a RED summary (several queries), discovery.
BATCH: list[tuple[str, dict[str, Any]]] = [
    ("query", ONE),
    ("red_summary", {"service": "checkout"}),
    ("list_metrics", {}),
    ("query_range", {"promql": "up", "start": "now-10m"}),
]


@pytest.fixture(scope="module")
def prometheus(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PrometheusBackend]:
    """A Prometheus of this module's own: its tests stop and kill it."""
    backend = PrometheusBackend(tmp_path_factory.mktemp("faults-prometheus"), free_port())
    backend.start()
    try:
        yield backend
    finally:
        backend.stop()


@contextmanager
def served(
    prometheus: PrometheusBackend, transport: FlakyTransport | None = None, **options: Any
) -> Iterator[str]:
    settings = PrometheusSettings(url=prometheus.url, timeout_s=BACKEND_TIMEOUT_S, **options)
    app = create_app(create_service(settings, transport), ServerSettings(call_timeout_s=30))
    with serve(app) as url:
        yield url


def assert_one(answer_result: dict[str, Any]) -> None:
    assert [s["values"] for s in answer_result["series"]] == [[1.0]]


def test_stopped_prometheus_times_out_without_retries_then_recovers(
    prometheus: PrometheusBackend,
) -> None:
    transport = FlakyTransport()  # fails nothing: counts the requests
    with served(prometheus, transport) as url:
        for answer in calls_at_once(url, BATCH):
            assert answer.result
        healthy_requests = transport.sent.count
        with paused(prometheus.process.signal), ThreadPoolExecutor(1) as pool:
            readiness = pool.submit(readyz, url)
            answers = calls_at_once(url, BATCH)
            ready = readiness.result()
        for answer in answers:
            assert_timed_out(answer, "prometheus")
        # Each read went out once: a timeout is not retried (the wait would multiply).
        assert transport.sent.count == 2 * healthy_requests + 1  # + readiness' /-/ready
        assert ready.status == 503 and "prometheus timed out" in ready.detail
        assert ready.elapsed_s < BACKEND_TIMEOUT_S + MARGIN_S
        # SIGCONT: the same server answers at once.
        assert_one(call(url, "query", **ONE).result)
        assert readyz(url).status == 200


def test_killed_prometheus_fails_fast_and_the_server_recovers_after_a_restart(
    prometheus: PrometheusBackend,
) -> None:
    with served(prometheus) as url:
        assert_one(call(url, "query", **ONE).result)
        prometheus.process.signal(signal.SIGKILL)
        try:
            wait_until(lambda: not prometheus.alive(), "Prometheus exits after SIGKILL")
            assert_cannot_connect(call(url, "query", **ONE), "prometheus", prometheus.url)
            ready = readyz(url)
            assert ready.status == 503 and "cannot connect" in ready.detail
        finally:
            prometheus.start()  # same port, same TSDB folder
        assert_one(call(url, "query", **ONE).result)
        assert readyz(url).status == 200


@pytest.mark.parametrize("mode", [REFUSED, 502, 503, 504])
def test_transient_failures_are_retried_with_growing_waits(
    prometheus: PrometheusBackend, mode: Mode
) -> None:
    transport = FlakyTransport(failures=2, mode=mode)
    with served(prometheus, transport, retry_attempts=3, retry_backoff_s=0.1) as url:
        assert_one(call(url, "query", **ONE).result)
    assert transport.sent.count == 3
    first, second = transport.sent.gaps()
    assert first >= 0.1 and second >= 0.2  # 0.1 s, then 0.2 s, each plus up to 0.1 s jitter


def test_retries_stop_after_the_configured_attempts(prometheus: PrometheusBackend) -> None:
    transport = FlakyTransport(failures=100)
    with served(prometheus, transport, retry_attempts=4, retry_backoff_s=0.05) as url:
        answer = call(url, "query", **ONE)
    assert_cannot_connect(answer, "prometheus", prometheus.url)
    assert transport.sent.count == 4


@pytest.mark.parametrize("status", [401, 403])
def test_refused_credentials_are_not_retried(prometheus: PrometheusBackend, status: int) -> None:
    # Only the first request fails: a retry would have succeeded.
    transport = FlakyTransport(failures=1, mode=status)
    with served(prometheus, transport) as url:
        error = call(url, "query", **ONE).error
    assert (error["code"], error["data"]["status"]) == (-32000, status)
    assert transport.sent.count == 1


def test_a_query_prometheus_rejects_is_not_retried(prometheus: PrometheusBackend) -> None:
    transport = FlakyTransport()
    with served(prometheus, transport) as url:
        error = call(url, "query", promql="sum(rate(up[5m])").error
    assert error["code"] == -32602 and error["data"]["status"] == 400
    assert transport.sent.count == 1


async def test_a_timed_out_server_call_is_not_sent_again(prometheus: PrometheusBackend) -> None:
    # The agent's JSON-RPC client against a server that accepts and never answers (a stopped
    # process): one attempt, one timeout, not three.
    timeout_s = 1.0
    transport = FlakyTransport()
    client = RpcClient(prometheus.url, name="stopped", timeout_s=timeout_s, transport=transport)
    async with client:
        with paused(prometheus.process.signal), pytest.raises(RpcError) as raised:
            await client.call("query", ONE)
    assert raised.value.code == -32002 and raised.value.server == "stopped"
    assert transport.sent.count == 1
