"""Hostile input and failing backends: the query keeps its structure, errors keep their codes."""

from __future__ import annotations

import asyncio
import json
import socket
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from opslens.devstack.asgi import serve
from opslens.devstack.process import free_port
from opslens.devstack.prometheus import PrometheusBackend
from opslens_eval.prometheus.generate import NAMESPACE
from opslens_mcp.core.app import create_app
from opslens_mcp.core.settings import ServerSettings
from opslens_mcp.prometheus.params import MAX_PROMQL_CHARS
from opslens_mcp.prometheus.promql import Matcher, quote, regex_quote, selector
from opslens_mcp.prometheus.server import create_service
from opslens_mcp.prometheus.settings import PrometheusSettings
from tests.prometheus.conftest import Promtest, iso
from tests.prometheus.rpc import call, call_error

pytestmark = pytest.mark.integration

HOSTILE = 'a"} or vector(1) #'
BACKEND_TIMEOUT_S = 0.5


def formatted(backend: PrometheusBackend, promql: str) -> str:
    """Prometheus' own rendering of a query: what it parsed, not what we meant."""
    answer = httpx.get(f"{backend.url}/api/v1/format_query", params={"query": promql}, timeout=5)
    text: str = answer.json()["data"]
    return text


@pytest.mark.parametrize(
    ("tool", "as_written", "extra"),
    [
        ("red_summary", lambda name: name, {}),  # a label value
        ("resource_usage", regex_quote, {"include_nodes": False}),  # inside the pod-name regex
    ],
)
def test_a_hostile_service_name_keeps_the_query_structure(
    server_url: str,
    prometheus_backend: PrometheusBackend,
    promtest: Promtest,
    tool: str,
    as_written: Callable[[str], str],
    extra: dict[str, object],
) -> None:
    # A plain name as long as the escaped hostile one: Prometheus lays both queries out alike.
    escaped = json.dumps(as_written(HOSTILE))[1:-1]
    plain = "b" * len(escaped)
    hostile = call(server_url, tool, {"service": HOSTILE, "at": iso(promtest.end), **extra})
    benign = call(server_url, tool, {"service": plain, "at": iso(promtest.end), **extra})

    assert hostile.get("services", hostile.get("workloads")) == []
    for measure, promql in hostile["queries"].items():
        parsed = formatted(prometheus_backend, promql).replace(escaped, plain)
        assert parsed == formatted(prometheus_backend, benign["queries"][measure]), measure


def test_hostile_label_filters_select_nothing(server_url: str, promtest: Promtest) -> None:
    history = promtest.history
    window = {"start": iso(history.start), "end": iso(history.end)}
    labels = {"destination_service_name": HOSTILE}

    series = call(
        server_url, "series", {"metric": "istio_requests_total", "labels": labels, **window}
    )
    values = call(
        server_url, "label_values", {"label": "pod", "labels": {"namespace": HOSTILE}, **window}
    )
    compared = call(
        server_url,
        "compare_windows",
        {"metric": "istio_requests_total", "labels": labels, "at": iso(history.end)},
    )

    assert series["series"] == [] and values["values"] == [] and compared["changes"] == []
    assert quote(HOSTILE) in series["selector"] and quote(HOSTILE) in compared["promql_current"]


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(value=st.text(min_size=1, max_size=40))
def test_any_text_is_one_label_value_to_prometheus(server_url: str, value: str) -> None:
    # absent() answers with the labels of its selector: Prometheus shows what it parsed.
    promql = f"absent({selector('promtest_never_written', [Matcher('probe', value)])})"
    result = call(server_url, "query", {"promql": promql})

    assert [series["labels"] for series in result["series"]] == [{"probe": value}]


def test_korean_text_is_not_escaped_on_the_wire(server_url: str) -> None:
    value = "결제 서비스 오류"
    promql = f"absent({selector('promtest_never_written', [Matcher('probe', value)])})"
    request = {"jsonrpc": "2.0", "method": "query", "params": {"promql": promql}, "id": 1}
    response = httpx.post(f"{server_url}/rpc", json=request, timeout=10)

    assert value in response.text


def test_bad_promql_is_invalid_params_with_prometheus_message(
    server_url: str, prometheus_backend: PrometheusBackend
) -> None:
    promql = "sum(rate(istio_requests_total[5m])"
    error = call_error(server_url, "query", {"promql": promql})

    direct = httpx.get(
        f"{prometheus_backend.url}/api/v1/query", params={"query": promql}, timeout=5
    ).json()
    assert error["code"] == -32602
    assert direct["errorType"] == "bad_data"
    assert direct["error"] in error["message"] and error["data"]["detail"] == direct["error"]


@pytest.mark.parametrize(
    ("tool", "params"),
    [
        ("query", {"promql": "x" * (MAX_PROMQL_CHARS + 1)}),
        ("query", {"promql": "up", "unknown": 1}),
        ("query", {"promql": "up", "at": "yesterday-ish"}),
        ("query_range", {"promql": "up", "start": "now", "end": "now-1h"}),
        ("red_summary", {"window": "5 minutes"}),
        ("red_summary", {"window": "0s"}),
        ("compare_windows", {"metric": "istio_requests_total", "by": ["not a label"]}),
        ("compare_windows", {"metric": "up or vector(1)"}),
        ("label_values", {"label": "job}"}),
    ],
)
def test_malformed_arguments_are_invalid_params(
    server_url: str, tool: str, params: dict[str, object]
) -> None:
    assert call_error(server_url, tool, params)["code"] == -32602


@contextmanager
def server_for(
    url: str, transport: httpx.AsyncBaseTransport | None = None, **options: object
) -> Iterator[str]:
    settings_ = PrometheusSettings(url=url, timeout_s=BACKEND_TIMEOUT_S, **options)
    with serve(
        create_app(create_service(settings_, transport), ServerSettings(call_timeout_s=5))
    ) as base:
        yield base


def timed_error(
    base_url: str, method: str, params: dict[str, object]
) -> tuple[dict[str, object], float]:
    started = time.monotonic()
    error = call_error(base_url, method, params)
    return error, time.monotonic() - started


def test_unreachable_prometheus_is_backend_unavailable_fast() -> None:
    with server_for(f"http://127.0.0.1:{free_port()}") as base_url:
        error, elapsed = timed_error(base_url, "query", {"promql": "up"})

    assert error["code"] == -32001
    assert elapsed < BACKEND_TIMEOUT_S + 1


class SlowTransport(httpx.AsyncBaseTransport):
    """A Prometheus that takes ``delay`` seconds to answer: the real transport after a pause,
    or httpx's own ReadTimeout when the pause outlasts the request's read timeout."""

    def __init__(self, delay: float) -> None:
        self.delay = delay
        self.inner = httpx.AsyncHTTPTransport()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        read_timeout = request.extensions.get("timeout", {}).get("read")
        if read_timeout is not None and self.delay > read_timeout:
            await asyncio.sleep(read_timeout)
            raise httpx.ReadTimeout("timed out", request=request)
        await asyncio.sleep(self.delay)
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


def test_slow_prometheus_is_backend_timeout_within_the_timeout(
    prometheus_backend: PrometheusBackend,
) -> None:
    with server_for(prometheus_backend.url, SlowTransport(delay=30)) as base_url:
        error, elapsed = timed_error(base_url, "red_summary", {})

    assert error["code"] == -32002
    assert BACKEND_TIMEOUT_S <= elapsed < BACKEND_TIMEOUT_S + 1


def test_a_server_that_never_answers_is_backend_timeout() -> None:
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        with server_for(f"http://127.0.0.1:{silent.getsockname()[1]}") as base_url:
            error, elapsed = timed_error(base_url, "query", {"promql": "up"})

    assert error["code"] == -32002
    assert elapsed < BACKEND_TIMEOUT_S + 1


def test_an_answer_over_the_size_limit_is_refused(
    prometheus_backend: PrometheusBackend, promtest: Promtest
) -> None:
    with server_for(prometheus_backend.url, max_response_bytes=4096) as base_url:
        promql = f'istio_requests_total{{destination_service_namespace="{NAMESPACE}"}}'
        error = call_error(
            base_url,
            "query_range",
            {"promql": promql, "start": iso(promtest.history.start), "end": iso(promtest.end)},
        )

    assert error["code"] == -32602
    assert "4096 bytes" in str(error["message"])
