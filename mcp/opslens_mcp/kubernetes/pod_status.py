"""What a pod's status says, computed from the API's JSON like ``kubectl get pods`` does.

:func:`derive_pod_status` follows kubectl's STATUS column (``printPod`` in
``pkg/printers/internalversion/printers.go``): ``Running``, ``Pending``, ``Completed``,
``CrashLoopBackOff``, ``OOMKilled``, ``ImagePullBackOff``, ``Init:CrashLoopBackOff``,
``Init:1/2``, ``Terminating`` and so on.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from opslens_mcp.kubernetes.timeparse import parse_timestamp

Json = dict[str, Any]


def _dict(value: Any) -> Json:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Json]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def spec(obj: Json) -> Json:
    return _dict(obj.get("spec"))


def status(obj: Json) -> Json:
    return _dict(obj.get("status"))


def metadata(obj: Json) -> Json:
    return _dict(obj.get("metadata"))


def conditions(obj: Json) -> list[Json]:
    return _list(status(obj).get("conditions"))


def condition(obj: Json, kind: str) -> Json | None:
    """The condition of type ``kind``, if the object has it."""
    return next((c for c in conditions(obj) if c.get("type") == kind), None)


def init_statuses(pod: Json) -> list[Json]:
    return _list(status(pod).get("initContainerStatuses"))


def app_statuses(pod: Json) -> list[Json]:
    return _list(status(pod).get("containerStatuses"))


def is_sidecar(container: Json) -> bool:
    """An init container with ``restartPolicy: Always`` keeps running beside the app."""
    return container.get("restartPolicy") == "Always"


def _init_specs(pod: Json) -> dict[str, Json]:
    return {str(c.get("name")): c for c in _list(spec(pod).get("initContainers"))}


def _terminated_reason(terminated: Json, prefix: str = "") -> str:
    if terminated.get("reason"):
        return f"{prefix}{terminated['reason']}"
    if terminated.get("signal"):
        return f"{prefix}Signal:{terminated['signal']}"
    return f"{prefix}ExitCode:{terminated.get('exitCode', 0)}"


def derive_pod_status(pod: Json) -> str:
    """The pod's STATUS as kubectl prints it."""
    pod_status = status(pod)
    reason = str(pod_status.get("reason") or pod_status.get("phase") or "Unknown")
    scheduled = condition(pod, "PodScheduled")
    if scheduled and scheduled.get("reason") == "SchedulingGated":
        reason = "SchedulingGated"
    init_specs = _init_specs(pod)
    initializing = False
    for index, container in enumerate(init_statuses(pod)):
        state = _dict(container.get("state"))
        terminated, waiting = _dict(state.get("terminated")), _dict(state.get("waiting"))
        sidecar = is_sidecar(init_specs.get(str(container.get("name")), {}))
        if terminated and terminated.get("exitCode", 0) == 0:
            continue
        if sidecar and container.get("started"):
            continue
        if terminated:
            reason = _terminated_reason(terminated, "Init:")
        elif waiting.get("reason") and waiting["reason"] != "PodInitializing":
            reason = f"Init:{waiting['reason']}"
        else:
            reason = f"Init:{index}/{len(init_specs)}"
        initializing = True
        break
    initialized = condition(pod, "Initialized")
    if not initializing or (initialized or {}).get("status") == "True":
        has_running = False
        for container in reversed(app_statuses(pod)):
            state = _dict(container.get("state"))
            terminated, waiting = _dict(state.get("terminated")), _dict(state.get("waiting"))
            if waiting.get("reason"):
                reason = str(waiting["reason"])
            elif terminated:
                reason = _terminated_reason(terminated)
            elif container.get("ready") and "running" in state:
                has_running = True
        if reason == "Completed" and has_running:
            ready = condition(pod, "Ready")
            reason = "Running" if (ready or {}).get("status") == "True" else "NotReady"
    deleting = metadata(pod).get("deletionTimestamp")
    if deleting and pod_status.get("reason") == "NodeLost":
        reason = "Unknown"
    elif deleting and pod_status.get("phase") not in ("Succeeded", "Failed"):
        reason = "Terminating"
    return reason


def status_matches(derived: str, wanted: str) -> bool:
    """Whether a derived status matches a filter; ``CrashLoopBackOff`` matches the init form."""
    derived, wanted = derived.lower(), wanted.lower()
    return derived == wanted or derived.removeprefix("init:") == wanted


@dataclass(frozen=True)
class Termination:
    """The most recent time a container of the pod ended."""

    container: str
    reason: str
    exit_code: int | None
    finished_at: dt.datetime | None
    message: str | None


def last_termination(pod: Json) -> Termination | None:
    """The latest termination (current or previous state) over all containers of the pod."""
    found: list[Termination] = []
    for container in init_statuses(pod) + app_statuses(pod):
        for holder in (container.get("lastState"), container.get("state")):
            terminated = _dict(_dict(holder).get("terminated"))
            if not terminated:
                continue
            found.append(
                Termination(
                    container=str(container.get("name", "")),
                    reason=_terminated_reason(terminated),
                    exit_code=terminated.get("exitCode"),
                    finished_at=parse_timestamp(terminated.get("finishedAt")),
                    message=terminated.get("message"),
                )
            )
    if not found:
        return None
    epoch = dt.datetime.min.replace(tzinfo=dt.UTC)
    return max(found, key=lambda t: t.finished_at or epoch)


def restart_count(pod: Json) -> int:
    """Restarts of all containers, init containers included."""
    return sum(int(c.get("restartCount") or 0) for c in init_statuses(pod) + app_statuses(pod))


def ready_counts(pod: Json) -> tuple[int, int]:
    """(ready, total) app containers, sidecars counted as kubectl does."""
    sidecars = [c for c in _list(spec(pod).get("initContainers")) if is_sidecar(c)]
    sidecar_names = {c.get("name") for c in sidecars}
    total = len(_list(spec(pod).get("containers"))) + len(sidecars)
    ready = sum(1 for c in app_statuses(pod) if c.get("ready"))
    ready += sum(1 for c in init_statuses(pod) if c.get("name") in sidecar_names and c.get("ready"))
    return ready, total


def owner(obj: Json) -> Json | None:
    """The controlling owner reference (ReplicaSet, Job, StatefulSet...), if any."""
    references = _list(metadata(obj).get("ownerReferences"))
    return next(
        (r for r in references if r.get("controller")), references[0] if references else None
    )
