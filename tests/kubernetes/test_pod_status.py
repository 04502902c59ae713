"""derive_pod_status and the other pod facts, on captured pods and on kubectl's own cases."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from opslens_mcp.kubernetes.pod_status import (
    derive_pod_status,
    last_termination,
    ready_counts,
    restart_count,
    status_matches,
)
from opslens_mcp.kubernetes.timeparse import parse_timestamp
from tests.kubernetes.openshift_data import load


def pod(
    containers: list[dict[str, Any]],
    *,
    phase: str = "Running",
    init: list[dict[str, Any]] | None = None,
    init_specs: list[dict[str, Any]] | None = None,
    conditions: list[dict[str, Any]] | None = None,
    **status: Any,
) -> dict[str, Any]:
    """A pod whose container statuses are ``containers`` (specs made to match)."""
    init = init or []
    return {
        "metadata": {"name": "p", "namespace": "n"},
        "spec": {
            "containers": [{"name": c["name"]} for c in containers],
            "initContainers": init_specs or [{"name": c["name"]} for c in init],
        },
        "status": {
            "phase": phase,
            "containerStatuses": containers,
            "initContainerStatuses": init,
            "conditions": conditions or [],
            **status,
        },
    }


def running(name: str = "app", ready: bool = True, restarts: int = 0) -> dict[str, Any]:
    return {"name": name, "ready": ready, "restartCount": restarts, "state": {"running": {}}}


def waiting(reason: str, name: str = "app") -> dict[str, Any]:
    return {
        "name": name,
        "ready": False,
        "restartCount": 3,
        "state": {"waiting": {"reason": reason}},
    }


def terminated(
    reason: str = "", exit_code: int = 1, name: str = "app", **extra: Any
) -> dict[str, Any]:
    state = {
        "terminated": {"exitCode": exit_code, **({"reason": reason} if reason else {}), **extra}
    }
    return {"name": name, "ready": False, "restartCount": 0, "state": state}


@pytest.mark.parametrize("reason", ["CrashLoopBackOff", "ImagePullBackOff", "ErrImagePull"])
def test_a_waiting_reason_is_the_status(reason: str) -> None:
    assert derive_pod_status(pod([waiting(reason)])) == reason


def test_terminated_reasons_and_exit_codes() -> None:
    assert derive_pod_status(pod([terminated("OOMKilled", 137)])) == "OOMKilled"
    assert derive_pod_status(pod([terminated("Completed", 0)], phase="Succeeded")) == "Completed"
    assert derive_pod_status(pod([terminated(exit_code=2)])) == "ExitCode:2"
    assert derive_pod_status(pod([terminated(exit_code=0, signal=9)])) == "Signal:9"


def test_first_container_with_a_reason_wins_and_running_ready_is_running() -> None:
    assert derive_pod_status(pod([running(), running("b")])) == "Running"
    both = pod([waiting("CrashLoopBackOff", "a"), waiting("ImagePullBackOff", "b")])
    assert derive_pod_status(both) == "CrashLoopBackOff"


def test_completed_with_a_running_container_is_running_or_not_ready() -> None:
    ready = [{"type": "Ready", "status": "True"}]
    mixed = [terminated("Completed", 0, "job"), running("sidecar")]
    assert derive_pod_status(pod(mixed, conditions=ready)) == "Running"
    assert derive_pod_status(pod(mixed)) == "NotReady"


def test_init_container_states() -> None:
    assert derive_pod_status(pod([], init=[waiting("CrashLoopBackOff", "i")], phase="Pending")) == (
        "Init:CrashLoopBackOff"
    )
    assert (
        derive_pod_status(pod([], init=[terminated("Error", 1, "i")], phase="Pending"))
        == "Init:Error"
    )
    first_done = [terminated("Completed", 0, "i1"), waiting("PodInitializing", "i2")]
    assert derive_pod_status(pod([], init=first_done, phase="Pending")) == "Init:1/2"


def test_started_sidecar_does_not_hold_initialization_and_counts_as_ready() -> None:
    sidecar = {**running("proxy"), "started": True}
    spec = [{"name": "proxy", "restartPolicy": "Always"}]
    with_sidecar = pod([running()], init=[sidecar], init_specs=spec)
    assert derive_pod_status(with_sidecar) == "Running"
    assert ready_counts(with_sidecar) == (2, 2)


def test_deleted_pods_are_terminating_or_unknown() -> None:
    deleting = pod([running()])
    deleting["metadata"]["deletionTimestamp"] = "2026-11-26T00:00:00Z"
    assert derive_pod_status(deleting) == "Terminating"
    lost = copy.deepcopy(deleting)
    lost["status"]["reason"] = "NodeLost"
    assert derive_pod_status(lost) == "Unknown"


def test_status_filter_matches_the_init_form() -> None:
    assert status_matches("Init:CrashLoopBackOff", "crashloopbackoff")
    assert status_matches("OOMKilled", "OOMKilled")
    assert not status_matches("Running", "Pending")


def test_captured_pods(shared_data: Path) -> None:
    for captured in load(shared_data).pods:
        status = captured["status"]
        statuses = (status.get("initContainerStatuses") or []) + (
            status.get("containerStatuses") or []
        )
        assert restart_count(captured) == sum(cs.get("restartCount", 0) for cs in statuses)
        ends = [
            (parse_timestamp(t.get("finishedAt")), cs["name"], t)
            for cs in statuses
            for t in (cs.get("lastState", {}).get("terminated"), cs["state"].get("terminated"))
            if t
        ]
        last = last_termination(captured)
        if not ends:
            assert last is None
            continue
        assert last is not None
        latest = max(moment for moment, _, _ in ends if moment is not None)
        assert last.finished_at == latest
        assert (last.container, last.reason) in {
            (name, t.get("reason")) for moment, name, t in ends if moment == latest
        }
        init_waiting = [
            cs["state"]["waiting"]["reason"]
            for cs in status.get("initContainerStatuses") or []
            if cs["state"].get("waiting", {}).get("reason") not in (None, "PodInitializing")
        ]
        if init_waiting:
            assert derive_pod_status(captured) == f"Init:{init_waiting[0]}"
        if status["phase"] == "Failed":
            reasons = {cs["state"]["terminated"]["reason"] for cs in status["containerStatuses"]}
            assert derive_pod_status(captured) in reasons
