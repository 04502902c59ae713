"""OpenSearch down, hanging or missing what the profile names: clear errors, fast, no hang."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import pytest

from opslens.devstack.asgi import serve
from opslens.devstack.opensearch import OpenSearchBackend
from opslens.devstack.process import free_port
from opslens_mcp.core.app import create_app
from opslens_mcp.core.settings import ServerSettings
from opslens_mcp.opensearch.profiles import LogProfile, Profiles, TraceProfile
from opslens_mcp.opensearch.server import create_service
from opslens_mcp.opensearch.settings import OpenSearchSettings
from tests.opensearch import public_data
from tests.opensearch.public_data import PublicData
from tests.opensearch.rpc import Rpc
from tests.opensearch.truth import NEZHA_WINDOW

pytestmark = pytest.mark.integration


def server(settings: OpenSearchSettings, call_timeout_s: float = 30) -> Iterator[Rpc]:
    app = create_app(create_service(settings), ServerSettings(call_timeout_s=call_timeout_s))
    with serve(app) as url:
        yield Rpc(url)


@pytest.fixture()
def unreachable() -> Iterator[Rpc]:
    yield from server(OpenSearchSettings(url=f"http://127.0.0.1:{free_port()}"))


@pytest.fixture()
def silent() -> Iterator[Rpc]:
    """A server whose OpenSearch accepts connections and never answers (a hung node)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(listener.accept()[0])
            except TimeoutError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{listener.getsockname()[1]}"
    try:
        yield from server(OpenSearchSettings(url=url, timeout_s=1.0))
    finally:
        stop.set()
        thread.join()
        for connection in held:
            connection.close()
        listener.close()


@pytest.mark.parametrize(
    ("tool", "params"),
    [
        ("search_logs", {}),
        ("count_logs", {"level": "error"}),
        ("search_traces", {}),
        ("get_traces", {"trace_ids": [f"{1:032x}"]}),
        ("describe_schema", {}),
    ],
)
def test_unreachable_opensearch_is_a_fast_backend_unavailable(
    unreachable: Rpc, tool: str, params: dict[str, object]
) -> None:
    started = time.monotonic()
    error = unreachable.error(tool, **params)
    assert time.monotonic() - started < 5
    assert error["code"] == -32001
    assert error["data"]["backend"] == "opensearch"
    assert "Traceback" not in str(error)


def test_a_hung_opensearch_times_out_within_the_request_timeout(silent: Rpc) -> None:
    started = time.monotonic()
    error = silent.error("count_logs", level="error")
    assert time.monotonic() - started < 5
    assert error["code"] == -32002 and "timed out" in error["message"]


@pytest.fixture(scope="module")
def misconfigured(opensearch_backend: OpenSearchBackend, pubdata: PublicData) -> Iterator[Rpc]:
    profiles = Profiles(
        container_logs=LogProfile(index="pubdata-no-such-logs-*"),
        otel_logs=LogProfile(profile="otel", index="pubdata-no-such-otel"),
        traces=TraceProfile(index="pubdata-no-such-span-*"),
    )
    yield from server(OpenSearchSettings(url=opensearch_backend.url, profiles=profiles))


def test_missing_indices_say_which_and_what_to_do(misconfigured: Rpc) -> None:
    logs = misconfigured.error("search_logs")
    assert logs["code"] == -32000 and logs["data"]["status"] == 404
    assert "pubdata-no-such-logs-*" in logs["message"] and "pubdata-no-such-otel" in logs["message"]
    assert "index pattern" in logs["message"]
    traces = misconfigured.error("search_traces")
    assert traces["code"] == -32000 and "pubdata-no-such-span-*" in traces["message"]
    assert "OPSLENS_OPENSEARCH_PROFILES__TRACES__INDEX" in traces["message"]


def test_one_missing_source_is_skipped_with_a_warning(
    opensearch_backend: OpenSearchBackend, pubdata: PublicData
) -> None:
    profiles = public_data.platform_profiles()
    profiles.otel_logs = LogProfile(profile="otel", index="pubdata-no-such-otel-*")
    for rpc in server(OpenSearchSettings(url=opensearch_backend.url, profiles=profiles)):
        result = rpc("count_logs", **NEZHA_WINDOW)
        assert result["total"] == len(pubdata.vector_logs)
        assert any("pubdata-no-such-otel-*" in w for w in result["warnings"])


def test_a_time_field_that_is_no_date_is_a_mapping_conflict(
    opensearch_backend: OpenSearchBackend, pubdata: PublicData
) -> None:
    profiles = public_data.platform_profiles()
    profiles.container_logs = LogProfile(index="pubdata-vector-logs-*", time_field="stream")
    for rpc in server(OpenSearchSettings(url=opensearch_backend.url, profiles=profiles)):
        error = rpc.error("count_logs", sources=["containers"], **NEZHA_WINDOW)
        assert error["code"] == -32000 and "mapping conflict" in error["message"]
        assert "stream" in error["message"] and "time_field" in error["message"]


@pytest.mark.parametrize(
    ("params", "fragment"),
    [
        ({"start": "now", "end": "now-1h"}, "not after start"),
        ({"start": "now-4000d"}, "more than"),
        ({"limit": 5000}, "limit"),
        ({"level": "loud"}, "level"),
        ({"sources": ["nope"]}, "unknown log source"),
        ({"cursor": "not-a-cursor"}, "cursor"),
        ({"surprise": 1}, "surprise"),
    ],
)
def test_bad_params_are_invalid_params(
    platform: Rpc, params: dict[str, object], fragment: str
) -> None:
    error = platform.error("search_logs", **params)
    assert error["code"] == -32602
    assert fragment in str(error)


def test_get_traces_refuses_more_ids_than_allowed(platform: Rpc) -> None:
    error = platform.error("get_traces", trace_ids=[f"{n:032x}" for n in range(1001)])
    assert error["code"] == -32602 and "1000" in error["message"]
