"""``list_events``: what happened to which object, merged by reason, newest first."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from opslens_mcp.core.tools import ToolRegistry
from opslens_mcp.kubernetes.api_requests import field_selector
from opslens_mcp.kubernetes.events import group_events
from opslens_mcp.kubernetes.models import EventGroup
from opslens_mcp.kubernetes.names import NamespaceName, ObjectName
from opslens_mcp.kubernetes.timeparse import TimeExpr, resolve_now, resolve_time
from opslens_mcp.kubernetes.tools.deps import (
    ListingResult,
    NowParam,
    ToolDeps,
    limit_field,
    namespace_field,
    now_field,
)

ObjectKind = Literal[
    "Pod", "Deployment", "ReplicaSet", "Node", "Service", "PersistentVolumeClaim", "Job",
    "StatefulSet", "DaemonSet", "CronJob", "HorizontalPodAutoscaler",
]  # fmt: skip


class ListEventsParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    namespace: NamespaceName | None = namespace_field()
    object_kind: ObjectKind | None = Field(default=None, description="Kind of involved object.")
    object_name: ObjectName | None = Field(default=None, description="Name of the involved object.")
    type: Literal["Warning", "Normal"] | None = Field(
        default=None, description="Warning for problems only."
    )
    reason: str | None = Field(
        default=None, description="Event reason, e.g. BackOff, OOMKilling.", max_length=128
    )
    since: TimeExpr = Field(
        default="now-1h",
        description="Only events last seen at or after this time. Default now-1h because the "
        "API server keeps events for one hour unless configured otherwise.",
    )
    limit: int = limit_field(50, 500, "event groups")
    now: NowParam = now_field()


class ListEventsResult(ListingResult):
    events: list[EventGroup] = Field(description="Merged by (object, reason), newest first.")
    since: dt.datetime
    now: dt.datetime


def register_event_tools(registry: ToolRegistry, deps: ToolDeps) -> None:
    client, scope = deps.client, deps.scope

    @registry.tool(
        description="""
        Kubernetes events (core/v1), merged by involved object and reason with their total
        count, first and last time, and the latest message; newest first. Filter by
        namespace, involved object (kind, name), type (Warning for problems) and reason.
        Kubernetes keeps events about an hour, so older incidents may have none left.
        """
    )
    async def list_events(params: ListEventsParams) -> ListEventsResult:
        now = resolve_now(params.now)
        since = resolve_time(params.since, now)
        selector = field_selector(
            {
                "involvedObject.kind": params.object_kind,
                "involvedObject.name": params.object_name,
                "type": params.type,
                "reason": params.reason,
            }
        )
        listing = await client.list_many(
            scope.list_requests("events", params.namespace, field_selector=selector)
        )
        groups = group_events(listing.items, since=since, until=now)
        return ListEventsResult(
            events=groups[: params.limit],
            matched=len(groups),
            truncated=len(groups) > params.limit,
            complete=listing.complete,
            since=since,
            now=now,
            queries=listing.queries(),
        )
