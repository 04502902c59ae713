"""Workload tools: ``list_deployments`` and ``workload_for_service``."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from opslens_mcp.core.errors import InvalidParams
from opslens_mcp.core.tools import ToolRegistry
from opslens_mcp.kubernetes.api_requests import (
    equality_selector,
    field_selector,
    is_label_key,
    is_label_value,
    list_request,
    selector_from_label_selector,
)
from opslens_mcp.kubernetes.client import Listing
from opslens_mcp.kubernetes.models import DeploymentSummary, KubeQuery, PodSummary
from opslens_mcp.kubernetes.names import NamespaceName
from opslens_mcp.kubernetes.pod_status import Json, metadata
from opslens_mcp.kubernetes.summaries import deployment_summary, pod_summary
from opslens_mcp.kubernetes.timeparse import resolve_now
from opslens_mcp.kubernetes.tools.deps import (
    ListingResult,
    NowParam,
    ToolDeps,
    label_selector_field,
    limit_field,
    namespace_field,
    now_field,
)


class ListDeploymentsParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    namespace: NamespaceName | None = namespace_field()
    label_selector: str | None = label_selector_field()
    only_problems: bool = Field(
        default=False, description="Only Deployments short of available replicas or stuck."
    )
    limit: int = limit_field(100, 1000, "deployments")


class ListDeploymentsResult(ListingResult):
    deployments: list[DeploymentSummary]


class WorkloadParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    service: str = Field(
        description="Service name as logs and traces show it, e.g. payment-service.",
        min_length=1,
        max_length=63,
    )
    namespace: NamespaceName | None = namespace_field()
    label_keys: list[str] | None = Field(
        default=None,
        description="Labels to match the name against, in order; default: the server's "
        "setting (app, app.kubernetes.io/name).",
        max_length=10,
    )
    pod_limit: int = limit_field(50, 500, "pods per deployment")
    now: NowParam = now_field()


class WorkloadMatch(BaseModel):
    deployment: DeploymentSummary
    matched_by: str = Field(description="How it was found: label=value, or name.")
    pods: list[PodSummary]
    pods_truncated: bool


class WorkloadResult(BaseModel):
    service: str
    workloads: list[WorkloadMatch]
    unowned_pods: list[PodSummary] = Field(
        description="Pods with the service's label that no matched Deployment selects "
        "(StatefulSets, DaemonSets, bare pods)."
    )
    found: Literal["deployment", "pods_only", "nothing"]
    now: dt.datetime
    queries: list[KubeQuery]


def _key(obj: Json) -> tuple[str, str]:
    return str(metadata(obj).get("namespace")), str(metadata(obj).get("name"))


def register_workload_tools(registry: ToolRegistry, deps: ToolDeps) -> None:
    client, scope, settings = deps.client, deps.scope, deps.settings

    @registry.tool(
        description="""
        List Deployments with desired, ready, available, updated and unavailable replicas and
        the rollout state (complete, progressing, stuck when the progress deadline passed,
        paused). only_problems=true keeps those short of available replicas or stuck.
        """
    )
    async def list_deployments(params: ListDeploymentsParams) -> ListDeploymentsResult:
        listing = await client.list_many(
            scope.list_requests(
                "deployments", params.namespace, label_selector=params.label_selector
            )
        )
        found = sorted(
            (deployment_summary(d) for d in listing.items), key=lambda d: (d.namespace, d.name)
        )
        if params.only_problems:
            found = [d for d in found if d.rollout_stuck or d.available < d.desired]
        return ListDeploymentsResult(
            deployments=found[: params.limit],
            matched=len(found),
            truncated=len(found) > params.limit,
            complete=listing.complete,
            queries=listing.queries(),
        )

    async def deployment_pods(deployment: Json) -> Listing:
        """The pods a Deployment's selector selects (none for an empty selector)."""
        selector = selector_from_label_selector((deployment.get("spec") or {}).get("selector"))
        if selector is None:
            return Listing()
        namespace = str(metadata(deployment).get("namespace"))
        return await client.list_items(list_request("pods", namespace, label_selector=selector))

    @registry.tool(
        description="""
        Map a service name as it appears in logs and traces (e.g. payment-service) to its
        Deployment(s) and their pods, by the labels app and app.kubernetes.io/name (or the
        label_keys given), falling back to a Deployment of that name. Use it to go from a
        trace or log to pods, restarts and events.
        """
    )
    async def workload_for_service(params: WorkloadParams) -> WorkloadResult:
        if not is_label_value(params.service):
            raise InvalidParams(f"{params.service!r} is not a name a workload label can carry")
        keys = params.label_keys or settings.service_label_keys
        if bad := [key for key in keys if not is_label_key(key)]:
            raise InvalidParams(f"not label keys: {', '.join(map(repr, bad))}")
        now = resolve_now(params.now)
        terms = [equality_selector(key, params.service) for key in keys]
        name_term = field_selector({"metadata.name": params.service})

        async def listed(resource: str, labels: str | None, fields: str | None) -> Listing:
            requests = scope.list_requests(
                resource, params.namespace, label_selector=labels, field_selector=fields
            )
            return await client.list_many(requests)

        deployment_lists, labelled_pods = await asyncio.gather(
            asyncio.gather(
                *(listed("deployments", term, None) for term in terms),
                listed("deployments", None, name_term),
            ),
            asyncio.gather(*(listed("pods", term, None) for term in terms)),
        )
        deployments: dict[tuple[str, str], tuple[Json, str]] = {}
        for listing, reason in zip(deployment_lists, [*terms, "name"], strict=True):
            for deployment in listing.items:
                deployments.setdefault(_key(deployment), (deployment, reason))
        workloads, owned = [], set()
        pod_listings = await asyncio.gather(
            *(deployment_pods(deployment) for deployment, _ in deployments.values())
        )
        for (deployment, reason), pods in zip(deployments.values(), pod_listings, strict=True):
            summaries = sorted((pod_summary(p, now) for p in pods.items), key=lambda p: p.name)
            owned |= {_key(p) for p in pods.items}
            workloads.append(
                WorkloadMatch(
                    deployment=deployment_summary(deployment),
                    matched_by=reason,
                    pods=summaries[: params.pod_limit],
                    pods_truncated=len(summaries) > params.pod_limit,
                )
            )
        unowned = {
            _key(p): p for listing in labelled_pods for p in listing.items if _key(p) not in owned
        }
        listings = [*deployment_lists, *labelled_pods, *pod_listings]
        queries = [query for listing in listings for query in listing.queries()]
        return WorkloadResult(
            service=params.service,
            workloads=workloads,
            unowned_pods=[pod_summary(p, now) for _, p in sorted(unowned.items())][
                : params.pod_limit
            ],
            found="deployment" if workloads else "pods_only" if unowned else "nothing",
            now=now,
            queries=queries,
        )
