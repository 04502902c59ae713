"""Discovery tools on real metrics nobody here generated (Prometheus scraping itself) and ours."""

from __future__ import annotations

import re
import time
from urllib.parse import urlsplit

import httpx
import pytest

from opslens.devstack.prometheus import PrometheusBackend
from opslens_eval.prometheus.generate import NAMESPACE
from tests.prometheus.conftest import Promtest, iso
from tests.prometheus.rpc import call, rpc

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("self_scraped")]

SELF_COUNTER = "prometheus_http_requests_total"
SELF_HISTOGRAM = "prometheus_http_request_duration_seconds"


def exposition(backend: PrometheusBackend) -> dict[str, dict[str, str]]:
    """TYPE and HELP of every family, as Prometheus exposes its own metrics."""
    text = httpx.get(f"{backend.url}/metrics", timeout=10).text
    families: dict[str, dict[str, str]] = {}
    for kind, name, value in re.findall(r"^# (TYPE|HELP) (\S+) (.*)$", text, re.MULTILINE):
        families.setdefault(name, {})[kind.lower()] = value
    return families


def test_list_metrics_finds_prometheus_own_counter(
    server_url: str, prometheus_backend: PrometheusBackend
) -> None:
    result = call(server_url, "list_metrics", {"name_contains": "HTTP_REQUESTS"})

    metrics = {metric["name"]: metric for metric in result["metrics"]}
    truth = exposition(prometheus_backend)[SELF_COUNTER]
    assert metrics[SELF_COUNTER]["type"] == truth["type"] == "counter"
    assert metrics[SELF_COUNTER]["help"] == truth["help"]
    assert all("http_requests" in name for name in metrics)
    assert result["requests"][0]["path"] == "/api/v1/label/__name__/values"


def test_metadata_of_a_counter_and_of_a_histogram_bucket(
    server_url: str, prometheus_backend: PrometheusBackend
) -> None:
    counter = call(server_url, "metric_metadata", {"metric": SELF_COUNTER})
    bucket = call(server_url, "metric_metadata", {"metric": f"{SELF_HISTOGRAM}_bucket"})

    truth = exposition(prometheus_backend)
    assert (counter["found"], counter["type"]) == (True, truth[SELF_COUNTER]["type"])
    assert {"code", "handler", "job", "instance"} <= set(counter["labels"])
    assert (bucket["family"], bucket["type"]) == (SELF_HISTOGRAM, truth[SELF_HISTOGRAM]["type"])
    assert "le" in bucket["labels"]


def test_metadata_says_when_nothing_describes_a_metric(server_url: str, promtest: Promtest) -> None:
    # Backfilled series carry no metadata: only scraped targets describe their metrics.
    result = call(
        server_url,
        "metric_metadata",
        {
            "metric": "istio_requests_total",
            "start": iso(promtest.history.start),
            "end": iso(promtest.end),
        },
    )

    assert result["found"] is False and result["type"] is None
    assert "destination_service_name" in result["labels"]


def test_targets_show_the_self_scrape_up(
    server_url: str, prometheus_backend: PrometheusBackend
) -> None:
    address = urlsplit(prometheus_backend.url).netloc
    result = call(server_url, "targets", {"job": "prometheus"})
    down = call(server_url, "targets", {"job": "prometheus", "health": "down"})

    [target] = result["targets"]
    assert (target["instance"], target["health"], target["last_error"]) == (address, "up", None)
    assert target["scrape_url"] == f"{prometheus_backend.url}/metrics"
    assert result["health_counts"] == {"up": 1}
    assert down["targets"] == [] and down["total"] == 0


def test_query_range_over_the_last_minutes_of_the_self_scrape(server_url: str) -> None:
    promql = f'sum(rate({SELF_COUNTER}{{job="prometheus"}}[30s]))'
    deadline = time.monotonic() + 60
    while True:
        result = call(
            server_url, "query_range", {"promql": promql, "start": "now-5m", "step": "5s"}
        )
        points = [v for s in result["series"] for v in s["values"] if v is not None]
        if len(points) >= 2 or time.monotonic() > deadline:
            break
        time.sleep(2)
    assert len(points) >= 2
    assert result["step"] == "5s"


def test_label_values_of_our_namespace(server_url: str, promtest: Promtest) -> None:
    history = promtest.history
    params = {
        "label": "destination_service_name",
        "metric": "istio_requests_total",
        "labels": {"destination_service_namespace": NAMESPACE},
        "start": iso(history.start),
        "end": iso(history.end),
    }
    result = call(server_url, "label_values", params)

    expected = sorted(
        {
            labels["destination_service_name"]
            for labels, _ in history.select(
                "istio_requests_total", destination_service_namespace=NAMESPACE
            )
        }
    )
    assert result["values"] == expected
    assert (
        result["selector"] == f'istio_requests_total{{destination_service_namespace="{NAMESPACE}"}}'
    )
    limited = call(server_url, "label_values", {**params, "limit": 1})
    assert (limited["values"], limited["has_more"], limited["total"]) == (
        expected[:1],
        True,
        len(expected),
    )


def test_series_lists_the_label_sets(server_url: str, promtest: Promtest) -> None:
    history = promtest.history
    metric = "kube_pod_container_status_restarts_total"
    params = {
        "metric": metric,
        "labels": {"namespace": NAMESPACE},
        "start": iso(history.start),
        "end": iso(history.end),
    }
    result = call(server_url, "series", params)

    found = sorted(tuple(sorted(s.items())) for s in result["series"])
    expected = sorted(
        tuple(sorted({**labels, "__name__": metric}.items()))
        for labels, _ in history.select(metric, namespace=NAMESPACE)
    )
    assert found == expected
    assert result["request"]["params"]["match[]"] == [f'{metric}{{namespace="{NAMESPACE}"}}']


def test_every_tool_is_listed_read_only_with_its_schema(server_url: str) -> None:
    answer = rpc(server_url, "list_tools", {})

    tools = {tool["name"]: tool for tool in answer["result"]["tools"]}
    assert set(tools) == {
        "query",
        "query_range",
        "compare_windows",
        "red_summary",
        "resource_usage",
        "list_metrics",
        "metric_metadata",
        "label_values",
        "series",
        "targets",
        "alerts",
        "rules",
        "server_info",
    }
    for name, tool in tools.items():
        assert tool["readOnly"] is True, name
        assert tool["description"] and tool["inputSchema"]["type"] == "object", name
