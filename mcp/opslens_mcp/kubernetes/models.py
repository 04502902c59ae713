"""The shapes the Kubernetes tools return (pydantic, so each tool's output has a JSON Schema)."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, Field

from opslens_mcp.kubernetes.api_requests import ApiRequest

Severity = Literal["critical", "warning", "info"]
Analyzer = Literal["pods", "deployments", "nodes", "services", "pvcs"]


class KubeQuery(BaseModel):
    """A request the tool sent to the API server, rerunnable as it stands."""

    method: Literal["GET"] = "GET"
    path: str = Field(
        description="API path and query string as sent, without the paging parameters "
        "(limit, continue) that split long lists into pages."
    )
    kubectl: str = Field(description="The same request with your kubeconfig: kubectl get --raw.")
    pages: int = Field(default=1, description="Pages read (the API's limit/continue paging).")

    @classmethod
    def of(cls, request: ApiRequest, pages: int = 1) -> KubeQuery:
        return cls(path=request.url, kubectl=request.kubectl, pages=pages)


class ObjectRef(BaseModel):
    kind: str
    name: str
    namespace: str | None = None


class Condition(BaseModel):
    type: str
    status: str
    reason: str | None = None
    message: str | None = None
    last_transition_time: dt.datetime | None = None


class PodSummary(BaseModel):
    namespace: str
    name: str
    phase: str
    status: str = Field(description="As kubectl's STATUS column: Running, CrashLoopBackOff, ...")
    ready: str = Field(description="Ready containers / containers, e.g. 1/2.")
    restarts: int = Field(description="Restarts of all containers, init containers included.")
    last_termination_reason: str | None = Field(
        default=None, description="Why a container last ended: OOMKilled, Error, Completed..."
    )
    last_termination_container: str | None = None
    last_termination_at: dt.datetime | None = None
    node: str | None = None
    pod_ip: str | None = None
    owner: ObjectRef | None = None
    labels: dict[str, str] = Field(default_factory=dict)
    created_at: dt.datetime | None = None
    age_seconds: int | None = Field(default=None, description="Seconds since creation at `now`.")


class ContainerState(BaseModel):
    state: Literal["running", "waiting", "terminated", "unknown"]
    reason: str | None = None
    message: str | None = None
    exit_code: int | None = None
    signal: int | None = None
    started_at: dt.datetime | None = None
    finished_at: dt.datetime | None = None


class ContainerDetail(BaseModel):
    name: str
    role: Literal["app", "init", "sidecar"]
    image: str | None = None
    ready: bool = False
    started: bool | None = None
    restart_count: int = 0
    state: ContainerState
    last_termination: ContainerState | None = Field(
        default=None, description="The previous run's end (lastState.terminated), if any."
    )
    requests: dict[str, str] = Field(default_factory=dict)
    limits: dict[str, str] = Field(default_factory=dict)
    probes: list[str] = Field(default_factory=list, description="Configured probes, in brief.")


class PodDetail(PodSummary):
    containers: list[ContainerDetail] = Field(description="Init containers first, then app ones.")
    conditions: list[Condition] = Field(default_factory=list)
    owners: list[ObjectRef] = Field(default_factory=list)
    qos_class: str | None = None
    host_ip: str | None = None
    start_time: dt.datetime | None = None
    service_account: str | None = None
    status_reason: str | None = Field(default=None, description="status.reason, e.g. Evicted.")
    status_message: str | None = None


class LogLine(BaseModel):
    time: str | None = Field(default=None, description="RFC 3339 time the runtime recorded.")
    text: str


class EventGroup(BaseModel):
    """Events of one object with one reason, merged: how often, first and last time."""

    object: ObjectRef
    reason: str
    type: str
    message: str = Field(description="The latest event's message.")
    count: int = Field(description="Occurrences, summed over the merged events.")
    first_seen: dt.datetime | None = None
    last_seen: dt.datetime | None = None
    source: str | None = Field(default=None, description="Reporting component and host.")


class DeploymentSummary(BaseModel):
    namespace: str
    name: str
    desired: int
    ready: int
    available: int
    updated: int
    unavailable: int
    rollout: str = Field(description="complete, progressing, stuck or paused.")
    rollout_stuck: bool
    rollout_message: str | None = None
    selector: str | None = None
    images: list[str] = Field(default_factory=list)
    conditions: list[Condition] = Field(default_factory=list)
    created_at: dt.datetime | None = None


class ServiceSummary(BaseModel):
    namespace: str
    name: str
    type: str = Field(description="ClusterIP, NodePort, LoadBalancer or ExternalName.")
    cluster_ip: str | None = None
    selector: dict[str, str] = Field(
        default_factory=dict, description="Labels of the pods it sends traffic to."
    )
    ports: list[str] = Field(
        default_factory=list, description="port/protocol -> target port, e.g. 80/TCP->8080."
    )
    created_at: dt.datetime | None = None


class Taint(BaseModel):
    key: str
    value: str | None = None
    effect: str


class NodeSummary(BaseModel):
    name: str
    ready: str = Field(description="True, False or Unknown (kubelet stopped reporting).")
    roles: list[str] = Field(default_factory=list)
    pressure: list[str] = Field(
        default_factory=list, description="MemoryPressure, DiskPressure, PIDPressure when True."
    )
    unschedulable: bool = False
    taints: list[Taint] = Field(default_factory=list)
    allocatable: dict[str, str] = Field(default_factory=dict)
    capacity: dict[str, str] = Field(default_factory=dict)
    conditions: list[Condition] = Field(default_factory=list)
    internal_ip: str | None = None
    kubelet_version: str | None = None
    created_at: dt.datetime | None = None


class Finding(BaseModel):
    """One problem ``diagnose`` found, with the facts that show it."""

    analyzer: Analyzer
    problem: str = Field(description="Short code: CrashLoopBackOff, OOMKilled, Unschedulable...")
    severity: Severity
    object: ObjectRef
    container: str | None = None
    explanation: str = Field(description="What it means and what usually causes it.")
    evidence: list[str] = Field(description="Status fields that show the problem.")
    events: list[EventGroup] = Field(
        default_factory=list, description="Recent events of the object."
    )
