"""The demo scenario seeded by the scenario engine: the tools agree with its ground truth.

The engine writes the scenario's deployments, pods (with their restarts and last termination)
and events; its ground truth says what it wrote. The memory leak is the only fault that leaves
a trace in the Kubernetes API (an OOM-killed pod, probe failures, restarts); the others live in
logs, traces and metrics.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest

from opslens.devstack.kubeapi import KubeApiBackend
from opslens.scenarios.seed import scenario_path, seed_scenario
from opslens.scenarios.truth import GroundTruth
from opslens_eval.kubernetes.shop import stamp
from tests.kubernetes.conftest import Rpc

pytestmark = [pytest.mark.integration, pytest.mark.timeout(2400)]


@pytest.fixture(scope="module")
def truth(kube_backend: KubeApiBackend, tmp_path_factory: pytest.TempPathFactory) -> GroundTruth:
    report = seed_scenario(
        scenario_path(),
        kubeconfig=kube_backend.kubeconfig_path,
        out_dir=tmp_path_factory.mktemp("scenario"),
    )
    return report.truth


def test_list_pods_matches_the_scenario_pods(rpc: Rpc, truth: GroundTruth) -> None:
    result = rpc("list_pods", namespace=truth.namespace, now=stamp(truth.now), limit=1000)
    pods = {p["name"]: p for p in result["pods"]}
    existing = [p for p in truth.pods if p.exists]
    assert set(pods) == {p.name for p in existing}
    for pod in existing:
        got = pods[pod.name]
        assert (got["status"], got["restarts"], got["node"]) == (pod.state, pod.restarts, pod.node)
        assert got["last_termination_reason"] == pod.last_termination_reason
        ready, total = got["ready"].split("/")
        assert (ready == total) is pod.ready
        assert got["labels"]["app"] == pod.service
    restarted = rpc("list_pods", namespace=truth.namespace, restarted_since="now-6h")
    assert {p["name"] for p in restarted["pods"]} == {
        p.name
        for p in truth.restarted_pods()
        if max(p.restart_times) >= truth.now - dt.timedelta(hours=6)
    }


def test_diagnose_finds_the_oom_killed_pod(rpc: Rpc, truth: GroundTruth) -> None:
    now = truth.now
    result = rpc("diagnose", namespace=truth.namespace, now=stamp(now), since="now-6h")
    window_start = now - dt.timedelta(hours=6)
    expected = {
        ("Pod", p.name, "OOMKilled")
        for p in truth.pods
        if p.exists and p.last_termination_reason == "OOMKilled"
        and max(p.restart_times) >= window_start
    } | {
        ("Pod", p.name, p.state) for p in truth.pods if p.exists and p.state != "Running"
    } | {
        ("Pod", e.object_name, "ProbeFailing")
        for e in truth.events
        if e.namespace == truth.namespace and e.reason == "Unhealthy" and e.last >= window_start
    }  # fmt: skip
    leak = truth.fault("memory_leak")
    assert ("Pod", leak.pod, "OOMKilled") in expected
    assert {
        (f["object"]["kind"], f["object"]["name"], f["problem"]) for f in result["findings"]
    } == (expected)
    oom = next(f for f in result["findings"] if f["problem"] == "OOMKilled")
    assert any(g["reason"] == "BackOff" for g in oom["events"]) == any(
        e.object_name == leak.pod and e.reason == "BackOff" for e in truth.events
    )


def test_list_events_matches_the_scenario_events(rpc: Rpc, truth: GroundTruth) -> None:
    result = rpc(
        "list_events", namespace=truth.namespace, since="now-6h", now=stamp(truth.now), limit=500
    )
    got = {(g["object"]["kind"], g["object"]["name"], g["reason"]): g for g in result["events"]}
    counts: Counter[tuple[str, str, str]] = Counter()
    for event in truth.events:
        if event.namespace == truth.namespace:
            counts[(event.object_kind, event.object_name, event.reason)] += event.count
    assert {key: group["count"] for key, group in got.items()} == dict(counts)


def test_workload_for_each_scenario_service(rpc: Rpc, truth: GroundTruth) -> None:
    for service in truth.services:
        result = rpc("workload_for_service", service=service, namespace=truth.namespace)
        pods = sorted(p.name for p in truth.pods if p.exists and p.service == service)
        if not pods:
            continue
        assert result["found"] == "deployment", service
        assert [w["deployment"]["name"] for w in result["workloads"]] == [service]
        assert [p["name"] for p in result["workloads"][0]["pods"]] == pods
