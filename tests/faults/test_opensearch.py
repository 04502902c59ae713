"""OpenSearch stopped (SIGSTOP) or killed (SIGKILL) under a running server, and flaky.

One node of this module's own (512 MB heap) holding one log line; its answer cache is off so
every call reaches it. A restart after SIGKILL takes a few seconds and finds the line again.
"""

from __future__ import annotations

import datetime as dt
import signal
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

import httpx
import pytest

from opslens.devstack.asgi import serve
from opslens.devstack.opensearch import OpenSearchBackend, ensure_opensearch_launcher
from opslens.devstack.process import free_port, progress
from opslens_mcp.core.app import create_app
from opslens_mcp.core.errors import BackendError, BackendUnavailable
from opslens_mcp.core.settings import ServerSettings
from opslens_mcp.opensearch.client import OpenSearchClient
from opslens_mcp.opensearch.server import create_service
from opslens_mcp.opensearch.settings import OpenSearchSettings
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
from tests.faults.flaky import REFUSED, Mode, flaky_connection

pytestmark = pytest.mark.integration
INDEX = "logs-faults"
KEYWORD = {"type": "keyword"}
MAPPINGS = {
    "properties": {
        "@timestamp": {"type": "date"},
        "message": {"type": "text"},
        "level": KEYWORD,
        "kubernetes": {
            "properties": {
                "namespace_name": KEYWORD,
                "pod_name": KEYWORD,
                "container_name": KEYWORD,
                "labels": {"properties": {"app": KEYWORD}},
            }
        },
    }
}
WINDOW = {"start": "now-1h"}
# What an agent asks at once: counts, lines, the services there are.
BATCH: list[tuple[str, dict[str, Any]]] = [
    ("count_logs", WINDOW),
    ("search_logs", WINDOW),
    ("list_services", WINDOW),
]


@pytest.fixture(scope="module")
def opensearch(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OpenSearchBackend]:
    """A node of this module's own, with one error line of checkout: its tests stop it."""
    ensure_opensearch_launcher(progress)
    workdir = tmp_path_factory.mktemp("faults-opensearch")
    backend = OpenSearchBackend(workdir, free_port(), heap="512m")
    backend.start()
    try:
        line = {
            "@timestamp": dt.datetime.now(dt.UTC).isoformat(),
            "message": "payment declined: upstream reset",
            "level": "error",
            "kubernetes": {
                "namespace_name": "faults",
                "pod_name": "checkout-0",
                "container_name": "checkout",
                "labels": {"app": "checkout"},
            },
        }
        with httpx.Client(base_url=backend.url, timeout=30, trust_env=False) as admin:
            admin.put(f"/{INDEX}", json={"mappings": MAPPINGS}).raise_for_status()
            admin.post(f"/{INDEX}/_doc", params={"refresh": "true"}, json=line).raise_for_status()
        yield backend
    finally:
        backend.stop()


def settings_for(opensearch: OpenSearchBackend, **options: Any) -> OpenSearchSettings:
    return OpenSearchSettings(
        url=opensearch.url,
        timeout_s=BACKEND_TIMEOUT_S,
        cache_ttl_s=0,
        mapping_ttl_s=0,
        **options,
    )


@contextmanager
def served(opensearch: OpenSearchBackend) -> Iterator[str]:
    service = create_service(settings_for(opensearch))
    with serve(create_app(service, ServerSettings(call_timeout_s=30))) as url:
        yield url


def test_stopped_opensearch_times_out_then_recovers(opensearch: OpenSearchBackend) -> None:
    with served(opensearch) as url:
        for answer in calls_at_once(url, BATCH):
            assert answer.result
        with paused(opensearch.kill), ThreadPoolExecutor(1) as readiness:
            ready_later = readiness.submit(readyz, url)
            answers = calls_at_once(url, BATCH)
            ready = ready_later.result()
        # list_services too: a silent OpenSearch is not "no index" (nor two timeouts long).
        for answer in answers:
            assert_timed_out(answer, "opensearch")
        assert ready.status == 503 and "opensearch timed out" in ready.detail
        assert ready.elapsed_s < BACKEND_TIMEOUT_S + MARGIN_S
        # SIGCONT: the same server answers at once.
        assert call(url, "count_logs", **WINDOW).result["total"] == 1
        assert readyz(url).status == 200


def test_killed_opensearch_fails_fast_and_the_server_recovers_after_a_restart(
    opensearch: OpenSearchBackend,
) -> None:
    with served(opensearch) as url:
        assert call(url, "count_logs", **WINDOW).result["total"] == 1
        opensearch.kill(signal.SIGKILL)
        try:
            wait_until(lambda: not opensearch.alive(), "OpenSearch exits after SIGKILL")
            assert_cannot_connect(call(url, "count_logs", **WINDOW), "opensearch", opensearch.url)
            ready = readyz(url)
            assert ready.status == 503 and "cannot connect" in ready.detail
        finally:
            opensearch.start()  # same port, same data folder
        assert call(url, "count_logs", **WINDOW).result["total"] == 1
        assert readyz(url).status == 200


@pytest.mark.parametrize("mode", [REFUSED, 502, 503, 504])
async def test_transient_failures_are_retried_with_growing_waits(
    opensearch: OpenSearchBackend, mode: Mode
) -> None:
    connection = flaky_connection(failures=2, mode=mode)
    settings = settings_for(opensearch, retry_attempts=3, retry_backoff_s=0.1)
    client = OpenSearchClient(settings, connection_class=connection)
    try:
        info = await client.call("cluster info", client.raw.info)
    finally:
        await client.aclose()
    assert info["version"]["number"]
    assert connection.record.count == 3
    first, second = connection.record.gaps()
    assert first >= 0.1 and second >= 0.2  # 0.1 s, then 0.2 s, each plus up to 0.1 s jitter


async def test_retries_stop_after_the_configured_attempts(opensearch: OpenSearchBackend) -> None:
    connection = flaky_connection(failures=100)
    settings = settings_for(opensearch, retry_attempts=4, retry_backoff_s=0.05)
    client = OpenSearchClient(settings, connection_class=connection)
    try:
        with pytest.raises(BackendUnavailable, match=f"cannot connect to {opensearch.url}"):
            await client.call("cluster info", client.raw.info)
    finally:
        await client.aclose()
    assert connection.record.count == 4


@pytest.mark.parametrize("status", [400, 401, 403])
async def test_answered_errors_are_not_retried(opensearch: OpenSearchBackend, status: int) -> None:
    # 400 is OpenSearch's own (a query it cannot parse); 401/403 come from a proxy, once: a
    # retry would have succeeded.
    connection = flaky_connection(failures=0 if status == 400 else 1, mode=status)
    client = OpenSearchClient(settings_for(opensearch), connection_class=connection)
    body = {"query": {"no_such_query": {}}} if status == 400 else {"query": {"match_all": {}}}
    try:
        with pytest.raises(BackendError) as raised:
            await client.call("search", lambda: client.raw.search(index=INDEX, body=body))
    finally:
        await client.aclose()
    assert raised.value.status == status and not isinstance(raised.value, BackendUnavailable)
    assert connection.record.count == 1
