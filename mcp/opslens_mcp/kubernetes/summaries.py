"""API JSON turned into the tools' summaries (pure functions, no I/O).

Container ``env`` values are never copied out: they can hold credentials set in plain text.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from opslens_mcp.kubernetes.api_requests import selector_from_label_selector
from opslens_mcp.kubernetes.models import (
    Condition,
    ContainerDetail,
    ContainerState,
    DeploymentSummary,
    NodeSummary,
    ObjectRef,
    PodSummary,
    ServiceSummary,
    Taint,
)
from opslens_mcp.kubernetes.pod_status import (
    Json,
    app_statuses,
    conditions,
    derive_pod_status,
    init_statuses,
    is_sidecar,
    last_termination,
    metadata,
    owner,
    ready_counts,
    restart_count,
    spec,
    status,
)
from opslens_mcp.kubernetes.timeparse import parse_timestamp

PRESSURE_CONDITIONS = ("MemoryPressure", "DiskPressure", "PIDPressure")


def _strings(value: Any) -> dict[str, str]:
    return {str(k): str(v) for k, v in value.items()} if isinstance(value, dict) else {}


def condition_models(obj: Json) -> list[Condition]:
    return [
        Condition(
            type=str(c.get("type", "")),
            status=str(c.get("status", "")),
            reason=c.get("reason") or None,
            message=c.get("message") or None,
            last_transition_time=parse_timestamp(c.get("lastTransitionTime")),
        )
        for c in conditions(obj)
    ]


def age_seconds(obj: Json, now: dt.datetime) -> int | None:
    created = parse_timestamp(metadata(obj).get("creationTimestamp"))
    return None if created is None else max(0, int((now - created).total_seconds()))


def object_ref(obj: Json, kind: str) -> ObjectRef:
    meta = metadata(obj)
    return ObjectRef(kind=kind, name=str(meta.get("name", "")), namespace=meta.get("namespace"))


def pod_summary(pod: Json, now: dt.datetime) -> PodSummary:
    meta = metadata(pod)
    ready, total = ready_counts(pod)
    last = last_termination(pod)
    controller = owner(pod)
    return PodSummary(
        namespace=str(meta.get("namespace", "")),
        name=str(meta.get("name", "")),
        phase=str(status(pod).get("phase") or "Unknown"),
        status=derive_pod_status(pod),
        ready=f"{ready}/{total}",
        restarts=restart_count(pod),
        last_termination_reason=last.reason if last else None,
        last_termination_container=last.container if last else None,
        last_termination_at=last.finished_at if last else None,
        node=spec(pod).get("nodeName") or None,
        pod_ip=status(pod).get("podIP") or None,
        owner=ObjectRef(
            kind=str(controller.get("kind")),
            name=str(controller.get("name")),
            namespace=meta.get("namespace"),
        )
        if controller
        else None,
        labels=_strings(meta.get("labels")),
        created_at=parse_timestamp(meta.get("creationTimestamp")),
        age_seconds=age_seconds(pod, now),
    )


def container_state(state: Any) -> ContainerState:
    """``state`` or ``lastState`` of a container status in one shape."""
    state = state if isinstance(state, dict) else {}
    for name in ("running", "waiting", "terminated"):
        if name in state:
            detail = state[name] or {}
            return ContainerState(
                state=name,
                reason=detail.get("reason") or None,
                message=detail.get("message") or None,
                exit_code=detail.get("exitCode"),
                signal=detail.get("signal"),
                started_at=parse_timestamp(detail.get("startedAt")),
                finished_at=parse_timestamp(detail.get("finishedAt")),
            )
    return ContainerState(state="unknown")


def _probes(container: Json) -> list[str]:
    found = []
    for kind in ("startupProbe", "livenessProbe", "readinessProbe"):
        probe = container.get(kind)
        if not isinstance(probe, dict):
            continue
        handler = next((h for h in ("httpGet", "tcpSocket", "grpc", "exec") if h in probe), "?")
        target = probe.get(handler) or {}
        where = target.get("path") or target.get("port") or ""
        found.append(f"{kind.removesuffix('Probe')} {handler} {where}".strip())
    return found


def container_details(pod: Json) -> list[ContainerDetail]:
    """Init containers, then app containers, each spec joined with its status."""
    details = []
    for key, statuses in (
        ("initContainers", init_statuses(pod)),
        ("containers", app_statuses(pod)),
    ):
        by_name = {s.get("name"): s for s in statuses}
        for container in spec(pod).get(key) or []:
            if not isinstance(container, dict):
                continue
            role = "app" if key == "containers" else "sidecar" if is_sidecar(container) else "init"
            found = by_name.get(container.get("name"), {})
            resources = container.get("resources") or {}
            last = (found.get("lastState") or {}).get("terminated")
            details.append(
                ContainerDetail(
                    name=str(container.get("name", "")),
                    role=role,
                    image=container.get("image"),
                    ready=bool(found.get("ready")),
                    started=found.get("started"),
                    restart_count=int(found.get("restartCount") or 0),
                    state=container_state(found.get("state")),
                    last_termination=container_state({"terminated": last}) if last else None,
                    requests=_strings(resources.get("requests")),
                    limits=_strings(resources.get("limits")),
                    probes=_probes(container),
                )
            )
    return details


def rollout_state(deployment: Json) -> tuple[str, str | None]:
    """(complete | progressing | stuck | paused, the Progressing condition's message)."""
    progressing = next((c for c in conditions(deployment) if c.get("type") == "Progressing"), {})
    message = progressing.get("message") or None
    if spec(deployment).get("paused"):
        return "paused", message
    if progressing.get("reason") == "ProgressDeadlineExceeded":
        return "stuck", message
    desired = int(spec(deployment).get("replicas", 1) or 0)
    st = status(deployment)
    observed = int(st.get("observedGeneration") or 0) >= int(
        metadata(deployment).get("generation") or 0
    )
    settled = all(int(st.get(k) or 0) == desired for k in ("updatedReplicas", "availableReplicas"))
    if observed and settled and int(st.get("replicas") or 0) == desired:
        return "complete", message
    return "progressing", message


def deployment_summary(deployment: Json) -> DeploymentSummary:
    meta, st = metadata(deployment), status(deployment)
    desired = int(spec(deployment).get("replicas", 1) or 0)
    available = int(st.get("availableReplicas") or 0)
    rollout, message = rollout_state(deployment)
    template = (spec(deployment).get("template") or {}).get("spec") or {}
    return DeploymentSummary(
        namespace=str(meta.get("namespace", "")),
        name=str(meta.get("name", "")),
        desired=desired,
        ready=int(st.get("readyReplicas") or 0),
        available=available,
        updated=int(st.get("updatedReplicas") or 0),
        unavailable=int(st.get("unavailableReplicas") or max(desired - available, 0)),
        rollout=rollout,
        rollout_stuck=rollout == "stuck",
        rollout_message=message,
        selector=selector_from_label_selector(spec(deployment).get("selector")),
        images=[str(c.get("image")) for c in template.get("containers") or [] if c.get("image")],
        conditions=condition_models(deployment),
        created_at=parse_timestamp(meta.get("creationTimestamp")),
    )


def node_summary(node: Json) -> NodeSummary:
    meta, st = metadata(node), status(node)
    by_type = {c.get("type"): c for c in conditions(node)}
    labels = _strings(meta.get("labels"))
    roles = sorted(
        key.split("/", 1)[1] for key in labels if key.startswith("node-role.kubernetes.io/")
    )
    addresses = st.get("addresses") or []
    return NodeSummary(
        name=str(meta.get("name", "")),
        ready=str((by_type.get("Ready") or {}).get("status") or "Unknown"),
        roles=[role for role in roles if role],
        pressure=[c for c in PRESSURE_CONDITIONS if (by_type.get(c) or {}).get("status") == "True"],
        unschedulable=bool(spec(node).get("unschedulable")),
        taints=[
            Taint(key=str(t.get("key")), value=t.get("value") or None, effect=str(t.get("effect")))
            for t in spec(node).get("taints") or []
        ],
        allocatable=_strings(st.get("allocatable")),
        capacity=_strings(st.get("capacity")),
        conditions=condition_models(node),
        internal_ip=next(
            (a.get("address") for a in addresses if a.get("type") == "InternalIP"), None
        ),
        kubelet_version=(st.get("nodeInfo") or {}).get("kubeletVersion"),
        created_at=parse_timestamp(meta.get("creationTimestamp")),
    )


def service_summary(service: Json) -> ServiceSummary:
    meta, service_spec = metadata(service), spec(service)
    ports = [
        f"{p.get('port')}/{p.get('protocol') or 'TCP'}->{p.get('targetPort', p.get('port'))}"
        for p in service_spec.get("ports") or []
        if isinstance(p, dict)
    ]
    return ServiceSummary(
        namespace=str(meta.get("namespace", "")),
        name=str(meta.get("name", "")),
        type=str(service_spec.get("type") or "ClusterIP"),
        cluster_ip=service_spec.get("clusterIP") or None,
        selector=_strings(service_spec.get("selector")),
        ports=ports,
        created_at=parse_timestamp(meta.get("creationTimestamp")),
    )
