"""The other fault types, seeded into the real backends, show where an operator looks.

Each scenario is seeded into only the backend its check needs, under its own namespace and
node names, so nothing collides with other tests' data.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import httpx
import pytest
from kubernetes import client, config

from opslens.devstack.kubeapi import KubeApiBackend
from opslens.devstack.opensearch import OpenSearchBackend
from opslens.devstack.prometheus import PrometheusBackend
from opslens.scenarios.model import Scenario, load_scenario
from opslens.scenarios.seed import scenario_path, seed_scenario
from opslens.scenarios.writer import IndexLayout

pytestmark = [pytest.mark.integration, pytest.mark.timeout(1200)]


def _isolated(name: str) -> Scenario:
    spec = load_scenario(scenario_path(name))
    return spec.model_copy(update={"nodes": [f"{spec.namespace}-node-{i}" for i in (1, 2, 3)]})


def test_crashloop_pod_and_backoff_events_in_the_api(
    kube_backend: KubeApiBackend, tmp_path: Path
) -> None:
    spec = _isolated("shop-crashloop")
    truth = seed_scenario(spec, kubeconfig=kube_backend.kubeconfig_path, out_dir=tmp_path).truth
    api = config.new_client_from_config(config_file=str(kube_backend.kubeconfig_path))
    core = client.CoreV1Api(api)
    try:
        crashing = [p for p in truth.pods if p.state == "CrashLoopBackOff"]
        assert len(crashing) == 1
        pod = core.read_namespaced_pod(crashing[0].name, spec.namespace)
        status = pod.status.container_statuses[0]
        assert status.state.waiting.reason == "CrashLoopBackOff"
        assert status.restart_count == crashing[0].restarts
        assert status.last_state.terminated.reason == "Error"
        events = core.list_namespaced_event(spec.namespace).items
        backoff = [e for e in events if e.reason == "BackOff"]
        assert [(e.involved_object.name, e.count) for e in backoff] == [
            (crashing[0].name, crashing[0].restarts)
        ]
        deployment = client.AppsV1Api(api).read_namespaced_deployment_status(
            "order-service", spec.namespace
        )
        assert deployment.status.unavailable_replicas == 1
    finally:
        api.close()


def test_cpu_throttling_in_prometheus(
    prometheus_backend: PrometheusBackend, tmp_path: Path
) -> None:
    spec = _isolated("travel-cpu-throttle")
    truth = seed_scenario(spec, metrics=prometheus_backend, out_dir=tmp_path).truth
    fault = truth.fault("cpu_throttle")
    minutes = int((fault.end - fault.start).total_seconds() // 60)
    selector = f'namespace="{spec.namespace}",container="pricing-service"'
    ratio = (
        f"sum(increase(container_cpu_cfs_throttled_periods_total{{{selector}}}[{minutes}m])) / "
        f"sum(increase(container_cpu_cfs_periods_total{{{selector}}}[{minutes}m]))"
    )

    def at(moment: dt.datetime) -> float:
        response = httpx.get(
            f"{prometheus_backend.url}/api/v1/query",
            params={"query": ratio, "time": moment.timestamp()},
            timeout=30,
        )
        response.raise_for_status()
        return float(response.json()["data"]["result"][0]["value"][1])

    assert at(fault.end) > 0.5
    assert at(fault.start) < 0.05


def test_error_burst_logs_in_opensearch(
    opensearch_backend: OpenSearchBackend, tmp_path: Path
) -> None:
    spec = _isolated("travel-error-burst")
    layout = IndexLayout(prefix="faulttest-")
    truth = seed_scenario(
        spec, opensearch_url=opensearch_backend.url, out_dir=tmp_path, layout=layout
    ).truth
    fault = truth.fault("error_burst")
    window = {"gte": fault.start.isoformat(), "lt": fault.end.isoformat()}
    query = {
        "bool": {
            "filter": [
                {"term": {"kubernetes.labels.app": "booking-service"}},
                {"term": {"level": "ERROR"}},
                {"range": {"@timestamp": window}},
            ]
        }
    }
    response = httpx.post(
        f"{opensearch_backend.url}/{layout.patterns()['container_logs']}/_count",
        json={"query": query},
        timeout=30,
    )
    response.raise_for_status()
    expected = truth.error_logs("booking-service", fault.start, fault.end)
    assert response.json()["count"] == expected > 50
