"""Pod tools: ``list_pods``, ``get_pod`` and ``pod_logs``."""

from __future__ import annotations

import asyncio
import datetime as dt
import re
from collections.abc import Callable
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from opslens_mcp.core.tools import ToolRegistry
from opslens_mcp.kubernetes.api_requests import (
    field_selector,
    get_request,
    list_request,
    pod_log_request,
)
from opslens_mcp.kubernetes.client import Listing
from opslens_mcp.kubernetes.events import group_events
from opslens_mcp.kubernetes.models import (
    EventGroup,
    KubeQuery,
    LogLine,
    ObjectRef,
    PodDetail,
    PodSummary,
)
from opslens_mcp.kubernetes.names import ContainerName, NamespaceName, NodeName, PodName
from opslens_mcp.kubernetes.pod_status import status_matches
from opslens_mcp.kubernetes.summaries import condition_models, container_details, pod_summary
from opslens_mcp.kubernetes.timeparse import TimeExpr, parse_timestamp, resolve_now, resolve_time
from opslens_mcp.kubernetes.tools.deps import (
    ListingResult,
    NowParam,
    ToolDeps,
    label_selector_field,
    limit_field,
    namespace_field,
    now_field,
)

Phase = Literal["Pending", "Running", "Succeeded", "Failed", "Unknown"]
_LOG_TIME = re.compile(r"^(\d{4}-\d\d-\d\dT\S+Z) (.*)$", re.DOTALL)


class ListPodsParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    namespace: NamespaceName | None = namespace_field()
    label_selector: str | None = label_selector_field()
    phase: Phase | None = Field(default=None, description="Pod phase, filtered by the API.")
    status: str | None = Field(
        default=None,
        description="Derived status as kubectl shows it: CrashLoopBackOff, OOMKilled, "
        "ImagePullBackOff, Completed, Running, Pending... (CrashLoopBackOff also matches "
        "Init:CrashLoopBackOff).",
        max_length=100,
    )
    node: NodeName | None = Field(default=None, description="Only pods on this node.")
    restarted_since: TimeExpr | None = Field(
        default=None,
        description="Only pods whose containers last ended at or after this time "
        "(e.g. now-6h): 'which pods restarted recently'.",
    )
    order_by: Literal["name", "restarts", "last_termination"] = Field(
        default="name", description="Sort order; restarts and last_termination sort descending."
    )
    limit: int = limit_field(100, 1000, "pods")
    now: NowParam = now_field()


class ListPodsResult(ListingResult):
    pods: list[PodSummary]
    now: dt.datetime


class GetPodParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    namespace: NamespaceName
    name: PodName
    include_events: bool = Field(default=True, description="Also read the pod's events.")
    now: NowParam = now_field()


class GetPodResult(BaseModel):
    pod: PodDetail
    events: list[EventGroup]
    now: dt.datetime
    queries: list[KubeQuery]


class PodLogsParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    namespace: NamespaceName
    pod: PodName
    container: ContainerName | None = Field(
        default=None, description="Container name; required when the pod has several."
    )
    tail_lines: int = Field(
        default=200, ge=1, le=5000, description="Newest lines to read (default 200)."
    )
    since: TimeExpr | None = Field(default=None, description="Only lines from this time on.")
    previous: bool = Field(
        default=False,
        description="Read the previous run of the container: where a crash's reason usually is.",
    )
    max_bytes: int = Field(
        default=65_536,
        ge=1024,
        description="Size cap of the returned text (64 KiB by default, to keep the answer "
        "readable); the newest lines are kept.",
    )
    now: NowParam = now_field()


class PodLogsResult(BaseModel):
    lines: list[LogLine]
    bytes: int
    truncated: bool = Field(description="Older lines were dropped to respect the size cap.")
    query: KubeQuery


def _sort_key(order_by: str) -> Callable[[PodSummary], tuple[Any, ...]]:
    epoch = dt.datetime.min.replace(tzinfo=dt.UTC)
    if order_by == "restarts":
        return lambda p: (-p.restarts, p.namespace, p.name)
    if order_by == "last_termination":
        return lambda p: (-(p.last_termination_at or epoch).timestamp(), p.namespace, p.name)
    return lambda p: (p.namespace, p.name)


def parse_log(text: str) -> list[LogLine]:
    """Split ``timestamps=true`` log text into lines with their runtime time."""
    lines = []
    for raw in text.splitlines():
        match = _LOG_TIME.match(raw)
        lines.append(
            LogLine(time=match.group(1), text=match.group(2)) if match else LogLine(text=raw)
        )
    return lines


def keep_newest(data: bytes, max_bytes: int) -> tuple[bytes, bool]:
    """The newest whole lines of ``data`` within ``max_bytes``, and whether any were dropped.

    When the newest line alone is longer, its last ``max_bytes`` bytes are kept.
    """
    if len(data) <= max_bytes:
        return data, False
    tail = data[-max_bytes:]
    cut = tail.find(b"\n")
    return (tail[cut + 1 :] if 0 <= cut < len(tail) - 1 else tail), True


async def _nothing() -> Listing:
    return Listing()


def register_pod_tools(registry: ToolRegistry, deps: ToolDeps) -> None:
    client, scope, settings = deps.client, deps.scope, deps.settings

    @registry.tool(
        description="""
        List pods with kubectl's derived status (Running, Pending, CrashLoopBackOff,
        OOMKilled, ImagePullBackOff, Completed, Init:...), ready containers, restarts, the last
        termination reason and time, node and age. Filter by namespace, label selector, phase,
        derived status, node, or restarted_since (e.g. now-6h for "which pods restarted").
        Returns at most `limit` pods (100 by default) and the API requests it made.
        """
    )
    async def list_pods(params: ListPodsParams) -> ListPodsResult:
        now = resolve_now(params.now)
        selector = field_selector({"status.phase": params.phase, "spec.nodeName": params.node})
        requests = scope.list_requests(
            "pods", params.namespace, label_selector=params.label_selector, field_selector=selector
        )
        listing = await client.list_many(requests)
        since = resolve_time(params.restarted_since, now) if params.restarted_since else None
        pods = [pod_summary(pod, now) for pod in listing.items]
        if params.status:
            pods = [p for p in pods if status_matches(p.status, params.status)]
        if since:
            pods = [p for p in pods if p.last_termination_at and p.last_termination_at >= since]
        pods.sort(key=_sort_key(params.order_by))
        return ListPodsResult(
            pods=pods[: params.limit],
            matched=len(pods),
            truncated=len(pods) > params.limit,
            complete=listing.complete,
            now=now,
            queries=listing.queries(),
        )

    @registry.tool(
        description="""
        One pod in detail: each container's state, last termination (reason, exit code, time,
        message), restart count, requests and limits, probes; the pod's conditions, owner,
        node and QoS class; and its recent events merged by reason. Environment values are
        never returned. Use it after list_pods or diagnose points at a pod.
        """
    )
    async def get_pod(params: GetPodParams) -> GetPodResult:
        now = resolve_now(params.now)
        namespace = scope.check(params.namespace)
        pod_request = get_request("pods", namespace, params.name)
        event_request = list_request(
            "events",
            namespace,
            field_selector=field_selector(
                {"involvedObject.kind": "Pod", "involvedObject.name": params.name}
            ),
        )
        pod, event_listing = await asyncio.gather(
            client.get_json(pod_request),
            client.list_items(event_request) if params.include_events else _nothing(),
        )
        events = group_events(event_listing.items)  # the request selects this pod's events
        queries = [KubeQuery.of(pod_request), *event_listing.queries()]
        st = pod.get("status") or {}
        detail = PodDetail(
            **pod_summary(pod, now).model_dump(),
            containers=container_details(pod),
            conditions=condition_models(pod),
            owners=[
                ObjectRef(kind=str(r.get("kind")), name=str(r.get("name")), namespace=namespace)
                for r in (pod.get("metadata") or {}).get("ownerReferences") or []
            ],
            qos_class=st.get("qosClass"),
            host_ip=st.get("hostIP"),
            start_time=parse_timestamp(st.get("startTime")),
            service_account=(pod.get("spec") or {}).get("serviceAccountName"),
            status_reason=st.get("reason"),
            status_message=st.get("message"),
        )
        return GetPodResult(pod=detail, events=events, now=now, queries=queries)

    @registry.tool(
        description="""
        Read a container's log through the API server: the newest `tail_lines` lines (200 by
        default), optionally since a time, or of the previous run (previous=true) to see why
        a container crashed. The text is capped at `max_bytes` (64 KiB by default), keeping
        the newest lines. On a node whose kubelet does not answer, the error says so.
        """
    )
    async def pod_logs(params: PodLogsParams) -> PodLogsResult:
        now = resolve_now(params.now)
        since = resolve_time(params.since, now) if params.since else None
        request = pod_log_request(
            scope.check(params.namespace),
            params.pod,
            container=params.container,
            tail_lines=params.tail_lines,
            since_time=since.strftime("%Y-%m-%dT%H:%M:%SZ") if since else None,
            previous=params.previous,
            limit_bytes=settings.max_log_bytes,
        )
        data = await client.get_text(request, settings.max_log_bytes)
        kept, dropped = keep_newest(data, min(params.max_bytes, settings.max_log_bytes))
        return PodLogsResult(
            lines=parse_log(kept.decode("utf-8", "replace")),
            bytes=len(kept),
            truncated=dropped or len(data) >= settings.max_log_bytes,
            query=KubeQuery.of(request),
        )
