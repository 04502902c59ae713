"""Pod problems: crash loops, OOM kills, image pulls, scheduling, failed and stuck pods, probes.

Current states (a container waiting in CrashLoopBackOff, a pod the scheduler cannot place) are
reported whatever their age; past ones (an OOM kill, a restart, a failing probe) only when they
happened inside the context's window.
"""

from __future__ import annotations

import datetime as dt

from opslens_mcp.kubernetes.analyzers.context import Context
from opslens_mcp.kubernetes.models import Finding, ObjectRef, Severity
from opslens_mcp.kubernetes.pod_status import (
    Json,
    app_statuses,
    condition,
    conditions,
    init_statuses,
    metadata,
    spec,
    status,
)
from opslens_mcp.kubernetes.timeparse import parse_timestamp

_CRASH = (
    "The container keeps exiting and the kubelet waits longer before each restart. The last "
    "termination below and the previous run's log (pod_logs with previous=true) usually say why."
)
_IMAGE = (
    "The image cannot be pulled: a wrong name or tag, missing registry credentials "
    "(imagePullSecrets), or a registry the node cannot reach."
)
_CONFIG = (
    "The container cannot be created from its spec, most often because a ConfigMap, Secret or "
    "key it references does not exist."
)
_START = "The runtime could not start the container (command, hook or mount failed)."
WAITING_PROBLEMS: dict[str, tuple[Severity, str]] = {
    "CrashLoopBackOff": ("critical", _CRASH),
    "ImagePullBackOff": ("critical", _IMAGE),
    "ErrImagePull": ("critical", _IMAGE),
    "ErrImageNeverPull": ("critical", _IMAGE),
    "InvalidImageName": ("critical", _IMAGE),
    "CreateContainerConfigError": ("critical", _CONFIG),
    "CreateContainerError": ("critical", _START),
    "RunContainerError": ("critical", _START),
    "PreStartHookError": ("critical", _START),
    "PostStartHookError": ("critical", _START),
}
_OOM = (
    "The kernel killed the container for going over its memory limit. Raise the limit or find "
    "what grows (a leak shows as steadily rising container_memory_working_set_bytes)."
)
_RESTARTED = "The container ended and was restarted inside the window; see the exit code and log."
_FAILED = "The pod has stopped for good with a failed container; it will not be restarted."
_EVICTED = "The kubelet evicted the pod to reclaim a node resource (memory, disk or PIDs)."
_UNSCHEDULABLE = "The scheduler found no node for the pod; its message says what each node lacked."
_PENDING = (
    "The pod is stuck Pending: it was placed on a node but has not started (init containers "
    "not done, volumes not mounted, sandbox not created); its events usually say which."
)
_PROBE = (
    "A probe keeps failing: liveness failures restart the container, readiness failures take "
    "it out of its Services' endpoints."
)


def _ref(pod: Json) -> ObjectRef:
    meta = metadata(pod)
    return ObjectRef(kind="Pod", name=str(meta.get("name")), namespace=meta.get("namespace"))


def _termination_text(terminated: Json, label: str) -> str:
    reason = terminated.get("reason") or "terminated"
    text = f"{label}: {reason}, exit code {terminated.get('exitCode')}"
    if terminated.get("finishedAt"):
        text += f" at {terminated['finishedAt']}"
    if terminated.get("message"):
        text += f": {str(terminated['message']).strip()[:300]}"
    return text


def _memory_limit(pod: Json, container: str) -> str | None:
    for key in ("containers", "initContainers"):
        for spec_container in spec(pod).get(key) or []:
            if spec_container.get("name") == container:
                limits = (spec_container.get("resources") or {}).get("limits") or {}
                return limits.get("memory")
    return None


def _container_findings(pod: Json, cs: Json, init: bool, context: Context) -> list[Finding]:
    ref, name = _ref(pod), str(cs.get("name"))
    state, last = cs.get("state") or {}, (cs.get("lastState") or {}).get("terminated") or {}
    waiting, terminated = state.get("waiting") or {}, state.get("terminated") or {}
    kind = "init container" if init else "container"
    restarts = f"restartCount: {cs.get('restartCount', 0)}"
    found: list[Finding] = []
    reason = str(waiting.get("reason") or "")
    if reason in WAITING_PROBLEMS:
        severity, explanation = WAITING_PROBLEMS[reason]
        evidence = [f"{kind} {name} state.waiting.reason: {reason}", restarts]
        if waiting.get("message"):
            evidence.append(f"state.waiting.message: {str(waiting['message']).strip()[:300]}")
        if last:
            evidence.append(_termination_text(last, "lastState.terminated"))
        found.append(context.finding("pods", reason, severity, ref, explanation, evidence, name))
    for holder, terminal in (("state.terminated", terminated), ("lastState.terminated", last)):
        at = parse_timestamp(terminal.get("finishedAt"))
        current = holder == "state.terminated"
        if terminal.get("reason") == "OOMKilled" and (current or context.in_window(at)):
            evidence = [f"{kind} {name}", _termination_text(terminal, holder), restarts]
            limit = _memory_limit(pod, name)
            evidence.append(f"memory limit: {limit}" if limit else "no memory limit set")
            found.append(
                context.finding("pods", "OOMKilled", "critical", ref, _OOM, evidence, name)
            )
            break
    restarted = int(cs.get("restartCount") or 0) > 0
    if not found and restarted and context.in_window(parse_timestamp(last.get("finishedAt"))):
        evidence = [f"{kind} {name}", _termination_text(last, "lastState.terminated"), restarts]
        found.append(
            context.finding("pods", "Restarted", "warning", ref, _RESTARTED, evidence, name)
        )
    return found


def _pending_since(pod: Json) -> dt.datetime | None:
    false_since = [
        parse_timestamp(c.get("lastTransitionTime"))
        for c in conditions(pod)
        if c.get("status") != "True"
    ]
    moments = [m for m in false_since if m is not None]
    return min(moments) if moments else parse_timestamp(metadata(pod).get("creationTimestamp"))


def _pod_findings(pod: Json, context: Context, has_container_findings: bool) -> list[Finding]:
    ref, st = _ref(pod), status(pod)
    phase = st.get("phase")
    scheduled = condition(pod, "PodScheduled") or {}
    if scheduled.get("status") == "False":
        evidence = [
            f"status.phase: {phase}",
            f"PodScheduled=False reason {scheduled.get('reason')}: {scheduled.get('message', '')}",
        ]
        problem = str(scheduled.get("reason") or "Unschedulable")
        return [context.finding("pods", problem, "critical", ref, _UNSCHEDULABLE, evidence)]
    if phase == "Failed":
        evidence = [
            "status.phase: Failed" + (f", reason {st['reason']}" if st.get("reason") else "")
        ]
        if st.get("message"):
            evidence.append(f"status.message: {st['message']}")
        for cs in init_statuses(pod) + app_statuses(pod):
            terminated = (cs.get("state") or {}).get("terminated") or {}
            if terminated and terminated.get("exitCode") != 0:
                evidence.append(_termination_text(terminated, f"container {cs.get('name')}"))
        if st.get("reason") == "Evicted":
            return [context.finding("pods", "Evicted", "warning", ref, _EVICTED, evidence)]
        return [context.finding("pods", "Failed", "warning", ref, _FAILED, evidence)]
    if phase != "Pending" or has_container_findings:
        return []
    since = _pending_since(pod)
    warnings = [g for g in context.events_for(ref) if g.type == "Warning"]
    if not warnings and (since is None or context.now - since < context.pending_grace):
        return []  # just created: give it the grace period unless something already failed
    evidence = [f"status.phase: Pending since {since.isoformat() if since else 'unknown'}"]
    for c in conditions(pod):
        if c.get("status") != "True":
            evidence.append(f"{c.get('type')}={c.get('status')} reason {c.get('reason')}")
    for cs in init_statuses(pod) + app_statuses(pod):
        waiting = (cs.get("state") or {}).get("waiting") or {}
        if waiting.get("reason"):
            evidence.append(f"container {cs.get('name')} waiting: {waiting['reason']}")
    return [context.finding("pods", "Pending", "warning", ref, _PENDING, evidence)]


def _probe_findings(pod: Json, context: Context) -> list[Finding]:
    ref = _ref(pod)
    failing = [g for g in context.events_for(ref) if g.reason == "Unhealthy"]
    if not failing:
        return []
    evidence = [
        f"event Unhealthy x{g.count} (last {g.last_seen.isoformat() if g.last_seen else '?'}): "
        f"{g.message}"
        for g in failing
    ]
    return [context.finding("pods", "ProbeFailing", "warning", ref, _PROBE, evidence)]


def analyze_pods(pods: list[Json], context: Context) -> list[Finding]:
    """Findings for every pod that is, or recently was, in trouble."""
    findings: list[Finding] = []
    for pod in pods:
        if metadata(pod).get("deletionTimestamp"):
            continue
        found: list[Finding] = []
        if status(pod).get("phase") != "Failed":
            for cs in init_statuses(pod):
                found += _container_findings(pod, cs, True, context)
            for cs in app_statuses(pod):
                found += _container_findings(pod, cs, False, context)
        found += _pod_findings(pod, context, bool(found))
        found += _probe_findings(pod, context)
        findings += found
    return findings
