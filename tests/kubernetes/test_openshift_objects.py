"""Real captured pods, nodes and events (OpenShift Insights sample) in the test API server:
diagnose, list_pods, list_nodes and list_events report what the objects carry."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from opslens.devstack.kubeapi import KubeApiBackend
from opslens_eval.kubernetes.admin import Admin
from opslens_eval.kubernetes.shop import stamp
from opslens_mcp.core.times import parse_instant
from opslens_mcp.kubernetes.settings import KubernetesSettings
from opslens_mcp.kubernetes.timeparse import parse_timestamp
from tests.kubernetes.conftest import Rpc, rpc_caller
from tests.kubernetes.openshift_data import (
    Captured,
    cluster_namespace,
    expected_findings,
    load,
    write,
)

pytestmark = [pytest.mark.integration, pytest.mark.timeout(2400)]
WINDOW_PROBLEMS = {"Restarted", "OOMKilled"}


@pytest.fixture(scope="module")
def captured(admin: Admin, shared_data: Path) -> Captured:
    objects = load(shared_data)
    write(admin, objects)
    return objects


@pytest.fixture(scope="module")
def captured_rpc(
    kube_backend: KubeApiBackend,
    serve_kubernetes: Callable[[KubernetesSettings], Any],
    captured: Captured,
) -> Iterator[Rpc]:
    """A server allowed to read exactly the captured namespaces."""
    namespaces = sorted({cluster_namespace(p["metadata"]["namespace"]) for p in captured.pods})
    settings = KubernetesSettings(
        kubeconfig=str(kube_backend.readonly_kubeconfig_path), namespaces=namespaces
    )
    with serve_kubernetes(settings) as url:
        yield rpc_caller(url)


def reported(result: dict[str, Any]) -> set[tuple[str, str, str, str | None]]:
    return {
        (f["object"]["namespace"], f["object"]["name"], f["problem"], f["container"])
        for f in result["findings"]
        if f["object"]["kind"] == "Pod"
    }


def test_diagnose_reports_each_problem_pod_of_the_capture(
    captured_rpc: Rpc, captured: Captured
) -> None:
    result = captured_rpc("diagnose", limit=1000)
    now, since = parse_instant(result["now"]), parse_instant(result["since"])
    expected = expected_findings(captured.pods, now, since)
    assert expected  # the capture has a crash-looping init container, failed and pending pods
    assert reported(result) == expected
    troubled_nodes = {
        n["metadata"]["name"]
        for n in captured.nodes
        if next(c for c in n["status"]["conditions"] if c["type"] == "Ready")["status"] != "True"
    }
    assert {f["object"]["name"] for f in result["findings"] if f["object"]["kind"] == "Node"} == (
        troubled_nodes
    )
    by_pod = {(f["object"]["name"], f["problem"]): f for f in result["findings"]}
    for pod in captured.pods:
        name = pod["metadata"]["name"]
        for cs in pod["status"].get("initContainerStatuses") or []:
            reason = cs["state"].get("waiting", {}).get("reason")
            if (name, reason) in by_pod:
                evidence = by_pod[(name, reason)]["evidence"]
                assert f"restartCount: {cs['restartCount']}" in evidence
                assert any(cs["lastState"]["terminated"]["message"] in line for line in evidence)
        for condition in pod["status"].get("conditions", []):
            if condition["type"] == "PodScheduled" and condition["status"] == "False":
                evidence = by_pod[(name, condition["reason"])]["evidence"]
                assert any(condition["message"] in line for line in evidence)


def test_pinned_now_reports_the_restarts_of_that_day(captured_rpc: Rpc, captured: Captured) -> None:
    finished = [
        parse_timestamp(cs["lastState"]["terminated"]["finishedAt"])
        for pod in captured.pods
        for cs in pod["status"].get("containerStatuses") or []
        if cs.get("lastState", {}).get("terminated")
    ]
    latest = max(moment for moment in finished if moment is not None)
    now = latest + dt.timedelta(hours=1)
    result = captured_rpc("diagnose", now=stamp(now), since="now-24h", limit=1000)
    expected = expected_findings(captured.pods, now, now - dt.timedelta(hours=24))
    window = {e for e in expected if e[2] in WINDOW_PROBLEMS}
    assert window  # that capture day had restarts
    assert {r for r in reported(result) if r[2] in WINDOW_PROBLEMS} == window


def test_list_pods_shows_kubectl_status_of_captured_pods(
    captured_rpc: Rpc, captured: Captured
) -> None:
    pods = {p["name"]: p for p in captured_rpc("list_pods", limit=1000)["pods"]}
    assert len(pods) == len(captured.pods)
    for pod in captured.pods:
        status, got = pod["status"], pods[pod["metadata"]["name"]]
        statuses = status.get("containerStatuses") or []
        init_waiting = [
            cs["state"]["waiting"]["reason"]
            for cs in status.get("initContainerStatuses") or []
            if cs["state"].get("waiting", {}).get("reason") not in (None, "PodInitializing")
        ]
        if init_waiting:
            assert got["status"] == f"Init:{init_waiting[0]}"
        elif statuses and all(cs["ready"] and "running" in cs["state"] for cs in statuses):
            assert got["status"] == "Running"
        elif not statuses:
            assert got["status"] == status["phase"]
        restarts = sum(
            cs.get("restartCount", 0)
            for cs in statuses + (status.get("initContainerStatuses") or [])
        )
        assert got["restarts"] == restarts


def test_list_nodes_and_events_of_the_capture(rpc: Rpc, captured: Captured) -> None:
    nodes = {n["name"]: n for n in rpc("list_nodes", limit=1000)["nodes"]}
    for node in captured.nodes:
        got = nodes[node["metadata"]["name"]]
        assert got["allocatable"] == node["status"]["allocatable"]
        assert got["kubelet_version"] == node["status"]["nodeInfo"]["kubeletVersion"]
        ready = next(c for c in node["status"]["conditions"] if c["type"] == "Ready")
        assert got["ready"] == ready["status"]
        captured_taints = [(t["key"], t["effect"]) for t in node["spec"].get("taints", [])]
        assert set(captured_taints) <= {(t["key"], t["effect"]) for t in got["taints"]}
    for namespace in {e["namespace"] for e in captured.events}:
        items = [e for e in captured.events if e["namespace"] == namespace]
        oldest = min(parse_instant(e["lastTimestamp"]) for e in items)
        result = rpc("list_events", namespace=cluster_namespace(namespace), since=stamp(oldest))
        groups = {g["reason"]: g for g in result["events"]}
        assert set(groups) == {e["reason"] for e in items}
        for reason, group in groups.items():
            same = [e for e in items if e["reason"] == reason]
            latest = max(same, key=lambda e: parse_instant(e["lastTimestamp"]))
            assert (group["type"], group["count"], group["message"]) == (
                latest["type"],
                len(same),
                latest["message"],
            )
            assert parse_instant(group["last_seen"]) == parse_instant(latest["lastTimestamp"])
