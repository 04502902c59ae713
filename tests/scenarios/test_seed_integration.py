"""Seeding into the real backends: they hold exactly what the ground truth says.

The demo is seeded under its own namespace, node names and index prefix, so it cannot touch
what other tests keep in the shared backends.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from kubernetes import client, config

from opslens.devstack.kubeapi import KubeApiBackend
from opslens.devstack.opensearch import OpenSearchBackend
from opslens.devstack.prometheus import PrometheusBackend
from opslens.scenarios.model import load_scenario
from opslens.scenarios.seed import SeedReport, scenario_path, seed_scenario
from opslens.scenarios.truth import GroundTruth
from opslens.scenarios.writer import IndexLayout

pytestmark = [pytest.mark.integration, pytest.mark.timeout(1800)]

NAMESPACE = "scenario-it"
LAYOUT = IndexLayout(prefix="scenario-it-")


@dataclass
class Seeded:
    report: SeedReport
    opensearch: httpx.Client
    prometheus: httpx.Client
    core: client.CoreV1Api

    @property
    def truth(self) -> GroundTruth:
        return self.report.truth


@pytest.fixture(scope="module")
def seeded(
    opensearch_backend: OpenSearchBackend,
    prometheus_backend: PrometheusBackend,
    kube_backend: KubeApiBackend,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Seeded]:
    spec = load_scenario(scenario_path("checkout-incident")).model_copy(
        update={"namespace": NAMESPACE, "nodes": [f"{NAMESPACE}-node-{i}" for i in (1, 2, 3)]}
    )
    report = seed_scenario(
        spec,
        opensearch_url=opensearch_backend.url,
        kubeconfig=kube_backend.kubeconfig_path,
        metrics=prometheus_backend,
        out_dir=tmp_path_factory.mktemp("seeded"),
        layout=LAYOUT,
    )
    api = config.new_client_from_config(config_file=str(kube_backend.kubeconfig_path))
    with (
        httpx.Client(base_url=opensearch_backend.url, timeout=60) as opensearch,
        httpx.Client(base_url=prometheus_backend.url, timeout=60) as prometheus,
    ):
        yield Seeded(report, opensearch, prometheus, client.CoreV1Api(api))
    api.close()


def _count(seeded: Seeded, kind: str, query: dict[str, Any]) -> int:
    pattern = LAYOUT.patterns()[kind]
    response = seeded.opensearch.post(f"/{pattern}/_count", json={"query": query})
    response.raise_for_status()
    return int(response.json()["count"])


def _window(field: str, start: dt.datetime, end: dt.datetime) -> dict[str, Any]:
    return {"range": {field: {"gte": start.isoformat(), "lt": end.isoformat()}}}


def _trace_ids(seeded: Seeded, query: dict[str, Any]) -> set[str]:
    """Distinct trace ids of the spans matching ``query`` (exact: composite aggregation)."""
    found: set[str] = set()
    after: dict[str, Any] | None = None
    while True:
        composite: dict[str, Any] = {
            "size": 5000,
            "sources": [{"t": {"terms": {"field": "traceId"}}}],
        }
        if after:
            composite["after"] = after
        body = {"size": 0, "query": query, "aggs": {"ids": {"composite": composite}}}
        response = seeded.opensearch.post(f"/{LAYOUT.patterns()['spans']}/_search", json=body)
        response.raise_for_status()
        result = response.json()["aggregations"]["ids"]
        found |= {bucket["key"]["t"] for bucket in result["buckets"]}
        after = result.get("after_key")
        if not result["buckets"] or after is None:
            return found


def _promql(seeded: Seeded, query: str, at: dt.datetime) -> float:
    response = seeded.prometheus.get(
        "/api/v1/query", params={"query": query, "time": at.timestamp()}
    )
    response.raise_for_status()
    result = response.json()["data"]["result"]
    assert len(result) == 1, (query, result)
    return float(result[0]["value"][1])


def test_documents_per_index_are_what_was_written(seeded: Seeded) -> None:
    for index, written in seeded.truth.documents.items():
        response = seeded.opensearch.get(f"/{index}/_count")
        assert response.json()["count"] == written, index


def test_error_logs_per_service_in_the_last_three_hours(seeded: Seeded) -> None:
    truth = seeded.truth
    start = truth.now - dt.timedelta(hours=3)
    for service in truth.services:
        container = _count(
            seeded,
            "container_logs",
            {
                "bool": {
                    "filter": [
                        {"term": {"kubernetes.labels.app": service}},
                        {"term": {"level": "ERROR"}},
                        _window("@timestamp", start, truth.now),
                    ]
                }
            },
        )
        otel = _count(
            seeded,
            "otel_logs",
            {
                "bool": {
                    "filter": [
                        {"term": {"resource.attributes.service.name": service}},
                        {"term": {"severityText": "ERROR"}},
                        _window("time", start, truth.now),
                    ]
                }
            },
        )
        assert container == truth.error_logs(service, start, truth.now), service
        assert otel == truth.error_logs(service, start, truth.now, sink="otel"), service
    assert truth.error_logs("payment-service", start, truth.now) > 0


def test_failed_traces_are_the_traces_with_error_spans(seeded: Seeded) -> None:
    truth = seeded.truth
    failed = _trace_ids(seeded, {"term": {"status.code": 2}})
    assert failed == set(truth.failed_trace_ids())
    fault = truth.fault("dependency_down")
    in_window = _trace_ids(
        seeded,
        {
            "bool": {
                "filter": [
                    {"term": {"status.code": 2}},
                    {"term": {"serviceName": "payment-service"}},
                    _window("startTime", fault.start, fault.end),
                ]
            }
        },
    )
    assert in_window == set(truth.failed_trace_ids("payment-service", fault.start, fault.end))


def test_slow_traces_of_the_latency_fault(seeded: Seeded) -> None:
    truth = seeded.truth
    fault = truth.fault("latency")
    for min_ms in (500, 1000):
        slow = _trace_ids(
            seeded,
            {
                "bool": {
                    "filter": [
                        {"term": {"serviceName": "product-service"}},
                        {"range": {"durationInNanos": {"gte": min_ms * 1_000_000}}},
                        _window("startTime", fault.start, fault.end),
                    ]
                }
            },
        )
        assert len(slow) == truth.slow_traces("product-service", min_ms, fault.start, fault.end)
        assert len(slow) > 100


def test_prometheus_counters_equal_the_truth(seeded: Seeded) -> None:
    truth = seeded.truth
    selector = f'reporter="destination",destination_workload_namespace="{NAMESPACE}"'
    for service in truth.services:
        if truth.requests(service) == 0:  # the database speaks TCP, not HTTP
            continue
        total = _promql(
            seeded,
            f'sum(istio_requests_total{{{selector},destination_workload="{service}"}})',
            truth.now,
        )
        assert total == truth.requests(service), service
    fault = truth.fault("dependency_down")
    errors = (
        f'sum(istio_requests_total{{{selector},destination_workload="payment-service",'
        'response_code=~"5.."})'
    )
    increase = _promql(seeded, errors, fault.end) - _promql(seeded, errors, fault.start)
    assert increase == truth.errors("payment-service", fault.start, fault.end) > 100


def test_latency_histogram_buckets_equal_the_truth(seeded: Seeded) -> None:
    truth = seeded.truth
    fault = truth.fault("latency")
    window = truth.window(fault.start, fault.end)
    buckets = truth.series["product-service"].latency_buckets
    for i, le in enumerate(truth.bucket_le):
        query = (
            f'sum(istio_request_duration_milliseconds_bucket{{reporter="destination",'
            f'destination_workload_namespace="{NAMESPACE}",'
            f'destination_workload="product-service",le="{le}"}})'
        )
        delta = _promql(seeded, query, fault.end) - _promql(seeded, query, fault.start)
        assert delta == sum(buckets[m][i] for m in window), le


def test_restarts_in_prometheus_and_in_the_api(seeded: Seeded) -> None:
    truth = seeded.truth
    leak = truth.fault("memory_leak")
    assert leak.pod is not None
    restarts = _promql(
        seeded,
        f'kube_pod_container_status_restarts_total{{namespace="{NAMESPACE}",pod="{leak.pod}"}}',
        truth.now,
    )
    assert restarts == truth.pod(leak.pod).restarts == 2
    reason = _promql(
        seeded,
        f"kube_pod_container_status_last_terminated_reason{{namespace="
        f'"{NAMESPACE}",pod="{leak.pod}",reason="OOMKilled"}}',
        truth.now,
    )
    assert reason == 1
    pod = seeded.core.read_namespaced_pod(leak.pod, NAMESPACE)
    status = pod.status.container_statuses[0]
    assert status.restart_count == 2
    assert status.last_state.terminated.reason == "OOMKilled"
    listed = seeded.core.list_namespaced_pod(NAMESPACE).items
    assert {p.metadata.name for p in listed} == {p.name for p in truth.pods if p.exists}
    for pod in listed:
        expected = truth.pod(pod.metadata.name)
        assert pod.status.container_statuses[0].restart_count == expected.restarts


def test_events_are_in_the_api(seeded: Seeded) -> None:
    truth = seeded.truth
    found = {
        (e.reason, e.involved_object.name, e.count)
        for ns in (NAMESPACE, "default")
        for e in seeded.core.list_namespaced_event(ns).items
    }
    expected = {(e.reason, e.object_name, e.count) for e in truth.events}
    assert {"OOMKilling", "BackOff", "Unhealthy"} <= {reason for reason, _, _ in expected}
    assert expected <= found


def test_reseeding_replaces_what_was_written(
    seeded: Seeded,
    opensearch_backend: OpenSearchBackend,
    kube_backend: KubeApiBackend,
    tmp_path: Path,
) -> None:
    truth = seeded.truth
    spec = load_scenario(scenario_path("checkout-incident")).model_copy(
        update={"namespace": NAMESPACE, "nodes": [f"{NAMESPACE}-node-{i}" for i in (1, 2, 3)]}
    )
    again = seed_scenario(
        spec,
        now=truth.now.isoformat(),
        opensearch_url=opensearch_backend.url,
        kubeconfig=kube_backend.kubeconfig_path,
        out_dir=tmp_path,
        layout=LAYOUT,
    ).truth
    assert again.documents == truth.documents
    for index, written in truth.documents.items():
        assert seeded.opensearch.get(f"/{index}/_count").json()["count"] == written, index
    listed = seeded.core.list_namespaced_pod(NAMESPACE).items
    assert len(listed) == len([p for p in truth.pods if p.exists])
    events = seeded.core.list_namespaced_event(NAMESPACE).items
    assert len(events) == len([e for e in truth.events if e.namespace == NAMESPACE])
