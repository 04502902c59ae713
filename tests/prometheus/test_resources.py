"""``resource_usage`` against real Prometheus: CPU, memory, restarts and nodes from the samples."""

from __future__ import annotations

import pytest

from opslens_eval.prometheus.generate import LEAKING_WORKLOAD, NAMESPACE, NODES
from opslens_eval.prometheus.history import History
from tests.prometheus.conftest import Promtest, iso
from tests.prometheus.rpc import call
from tests.prometheus.truth import counter_increase, summed_increase, value_at, window_samples

pytestmark = pytest.mark.integration

SIDECARS = ("", "POD")


def pod_truth(history: History, pod: str, start: int, end: int) -> dict[str, object]:
    """What resource_usage must say about one pod over [start, end]."""
    window = end - start

    def containers(metric: str) -> list[list[tuple[int, float]]]:
        return [
            samples
            for labels, samples in history.select(metric, namespace=NAMESPACE, pod=pod)
            if labels["container"] not in SIDECARS
        ]

    def increase(metric: str) -> float:
        return sum(counter_increase(window_samples(s, start, end)) for s in containers(metric))

    def limit(resource: str) -> float:
        return sum(
            value_at(s, end)
            for _, s in history.select(
                "kube_pod_container_resource_limits", pod=pod, resource=resource
            )
        )

    [restarts] = [s for _, s in history.select("kube_pod_container_status_restarts_total", pod=pod)]
    in_window = [v for _, v in window_samples(restarts, start, end)]
    reasons = [
        labels["reason"]
        for labels, samples in history.select(
            "kube_pod_container_status_last_terminated_reason", pod=pod
        )
        if any(t <= end for t, _ in samples)
    ]
    return {
        "cpu_cores": increase("container_cpu_usage_seconds_total") / window,
        "cpu_limit_cores": limit("cpu"),
        "cpu_throttled_ratio": increase("container_cpu_cfs_throttled_periods_total")
        / increase("container_cpu_cfs_periods_total"),
        "memory_bytes": sum(
            value_at(s, end) for s in containers("container_memory_working_set_bytes")
        ),
        "memory_limit_bytes": limit("memory"),
        "restarts_total": value_at(restarts, end),
        "restarts_in_window": max(in_window) - min(in_window),
        "last_terminated_reasons": reasons,
    }


@pytest.mark.parametrize("window_s", [300, 3600])
def test_every_pod_equals_the_samples(server_url: str, promtest: Promtest, window_s: int) -> None:
    end = promtest.end
    result = call(
        server_url,
        "resource_usage",
        {"namespace": NAMESPACE, "window": f"{window_s}s", "at": iso(end), "include_nodes": False},
    )

    rows = {row["pod"]: row for row in result["workloads"]}
    every_pod = {pod for pods in promtest.pods.values() for pod in pods}
    assert set(rows) == every_pod
    for pod, row in rows.items():
        truth = pod_truth(promtest.history, pod, end - window_s, end)
        assert row["last_terminated_reasons"] == truth.pop("last_terminated_reasons")
        for measure, expected in truth.items():
            assert row[measure] == pytest.approx(expected, rel=1e-9), (pod, measure)
    assert result["nodes"] == []


def test_the_memory_leak_shows_as_oomkilled_restarts(server_url: str, promtest: Promtest) -> None:
    end = promtest.end
    result = call(
        server_url,
        "resource_usage",
        {
            "service": LEAKING_WORKLOAD,
            "namespace": NAMESPACE,
            "window": "1h",
            "at": iso(end),
            "sort_by": "restarts_in_window",
        },
    )

    leaking = result["workloads"][0]
    truth = pod_truth(promtest.history, leaking["pod"], end - 3600, end)
    assert leaking["pod"] in promtest.pods[LEAKING_WORKLOAD]
    assert leaking["restarts_in_window"] == truth["restarts_in_window"] > 0
    assert leaking["last_terminated_reasons"] == truth["last_terminated_reasons"] == ["OOMKilled"]
    assert {row["pod"] for row in result["workloads"]} == set(promtest.pods[LEAKING_WORKLOAD])


def test_rows_per_container(server_url: str, promtest: Promtest) -> None:
    end = promtest.end
    pod = promtest.pods["payment-service"][0]
    result = call(
        server_url,
        "resource_usage",
        {
            "pod": pod,
            "namespace": NAMESPACE,
            "by": "container",
            "at": iso(end),
            "include_nodes": False,
        },
    )

    rows = {row["container"]: row for row in result["workloads"]}
    for labels, samples in promtest.history.select("container_cpu_usage_seconds_total", pod=pod):
        if labels["container"] in SIDECARS:
            assert labels["container"] not in rows
            continue
        expected = counter_increase(window_samples(samples, end - 300, end)) / 300
        assert rows[labels["container"]]["cpu_cores"] == pytest.approx(expected, rel=1e-9)
    assert set(rows) == {"payment-service", "istio-proxy"}


def test_node_cpu_is_busy_percent_per_node(server_url: str, promtest: Promtest) -> None:
    end = promtest.end
    result = call(
        server_url, "resource_usage", {"namespace": NAMESPACE, "window": "10m", "at": iso(end)}
    )

    nodes = {node["node"]: node["cpu_busy_percent"] for node in result["nodes"]}
    history = promtest.history
    for node in NODES:
        instance = f"{node}:9100"
        cpus = {
            labels["cpu"]
            for labels, _ in history.select("node_cpu_seconds_total", instance=instance)
        }
        idle = summed_increase(
            history, "node_cpu_seconds_total", end - 600, end, instance=instance, mode="idle"
        )
        expected = 100 * (1 - idle / 600 / len(cpus))
        assert nodes[instance] == pytest.approx(expected, rel=1e-9)


def test_series_of_cpu_and_memory(server_url: str, promtest: Promtest) -> None:
    end = promtest.end
    pod = promtest.pods[LEAKING_WORKLOAD][0]
    result = call(
        server_url,
        "resource_usage",
        {
            "pod": pod,
            "namespace": NAMESPACE,
            "window": "30m",
            "at": iso(end),
            "include_series": True,
            "points": 30,
            "include_nodes": False,
        },
    )

    measures = result["series"]["measures"]
    [memory] = measures["memory_bytes"]["series"]
    for t, value in zip(memory["timestamps"], memory["values"], strict=True):
        assert value == pod_truth(promtest.history, pod, int(t) - 60, int(t))["memory_bytes"]
    assert len(measures["cpu_cores"]["series"]) == 1


def test_a_service_name_is_literal_not_a_pattern(server_url: str, promtest: Promtest) -> None:
    end = promtest.end
    for name in (".*", "inventory", "payment-service|frontend"):
        result = call(
            server_url, "resource_usage", {"service": name, "namespace": NAMESPACE, "at": iso(end)}
        )
        assert result["workloads"] == [], name
