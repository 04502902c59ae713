"""``diagnose``: read what is needed in parallel, run the analyzers, return the findings."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections import Counter
from collections.abc import Iterable

from pydantic import BaseModel, ConfigDict, Field

from opslens_mcp.core.errors import BackendError
from opslens_mcp.core.tools import ToolRegistry
from opslens_mcp.kubernetes.analyzers import Context, Snapshot, analyze
from opslens_mcp.kubernetes.analyzers.context import SEVERITY_ORDER
from opslens_mcp.kubernetes.api_requests import list_request
from opslens_mcp.kubernetes.client import BACKEND, Listing
from opslens_mcp.kubernetes.events import group_events
from opslens_mcp.kubernetes.models import Analyzer, Finding, Severity
from opslens_mcp.kubernetes.names import NamespaceName
from opslens_mcp.kubernetes.pod_status import Json, metadata, spec
from opslens_mcp.kubernetes.timeparse import TimeExpr, resolve_now, resolve_time
from opslens_mcp.kubernetes.tools.deps import (
    ListingResult,
    NowParam,
    ToolDeps,
    limit_field,
    namespace_field,
    now_field,
)

ANALYZERS: tuple[Analyzer, ...] = ("pods", "deployments", "nodes", "services", "pvcs")
# What each analyzer reads; events serve as evidence for all but services.
NEEDS: dict[Analyzer, tuple[str, ...]] = {
    "pods": ("pods", "events"),
    "deployments": ("deployments", "events"),
    "nodes": ("nodes", "events"),
    "services": ("services", "endpoints", "pods"),
    "pvcs": ("persistentvolumeclaims", "events"),
}


def resources_needed(analyzers: Iterable[Analyzer], cluster_wide: bool) -> list[str]:
    """The resources to list; a namespaced node check also needs the pods (to find nodes)."""
    needed = {resource for analyzer in analyzers for resource in NEEDS[analyzer]}
    if "nodes" in needed and not cluster_wide:
        needed.add("pods")
    return sorted(needed)


class DiagnoseParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    namespace: NamespaceName | None = namespace_field()
    analyzers: list[Analyzer] | None = Field(
        default=None, description="Run only these analyzers; default all."
    )
    min_severity: Severity = Field(default="info", description="Drop findings below this severity.")
    since: TimeExpr = Field(
        default="now-24h",
        description="Past failures (OOM kills, restarts, failing probes) count from this time; "
        "current states (a crash loop now, a pod the scheduler cannot place) always count. "
        "Default now-24h: recent enough to matter, long enough to cover last night.",
    )
    limit: int = limit_field(100, 1000, "findings")
    now: NowParam = now_field()


class DiagnoseResult(ListingResult):
    findings: list[Finding] = Field(description="Most severe first.")
    counts: dict[str, int] = Field(description="Findings per severity, before `limit`.")
    scanned: dict[str, int] = Field(description="Objects read, per resource.")
    missing_permissions: list[str] = Field(
        default_factory=list,
        description="Reads the server's credentials may not make; the diagnosis went on "
        "without those objects (and `complete` is false).",
    )
    since: dt.datetime
    now: dt.datetime


def nodes_running(pods: list[Json]) -> set[str]:
    """Names of the nodes the pods are placed on."""
    return {str(spec(p)["nodeName"]) for p in pods if spec(p).get("nodeName")}


def register_diagnose_tools(registry: ToolRegistry, deps: ToolDeps) -> None:
    client, scope = deps.client, deps.scope

    async def read(resource: str, namespace: str | None, denied: list[str]) -> Listing:
        """List ``resource``; a 403 is noted in ``denied`` and the diagnosis goes on without."""
        try:
            if resource == "nodes":
                return await client.list_items(list_request("nodes"))
            return await client.list_many(scope.list_requests(resource, namespace))
        except BackendError as exc:
            if exc.status != 403:
                raise
            denied.append(exc.detail)
            return Listing(complete=False)

    @registry.tool(
        description="""
        Find what is wrong in a namespace (or everywhere this server may read), like k8sgpt:
        pods in CrashLoopBackOff, OOM-killed, failing image pulls, unschedulable (with the
        scheduler's reason), failed, stuck Pending or with failing probes; Deployments short
        of available replicas or with a stuck rollout; nodes not Ready or under pressure;
        Services without endpoints; PVCs Pending. Each finding names the object, a severity,
        the status fields and events that show it, and a plain explanation. Start here for
        "what is broken" questions. With a namespace, only the nodes its pods run on are checked.
        """
    )
    async def diagnose(params: DiagnoseParams) -> DiagnoseResult:
        now = resolve_now(params.now)
        since = resolve_time(params.since, now)
        analyzers = list(params.analyzers or ANALYZERS)
        cluster_wide = params.namespace is None and not scope.allowed
        resources = resources_needed(analyzers, cluster_wide)
        if params.namespace:
            scope.check(params.namespace)
        denied: list[str] = []
        read_all = await asyncio.gather(*(read(r, params.namespace, denied) for r in resources))
        if len(denied) == len(resources):
            raise BackendError(BACKEND, "; ".join(denied), 403)
        listings = dict(zip(resources, read_all, strict=True))

        def items(resource: str) -> list[Json]:
            return listings[resource].items if resource in listings else []

        nodes = items("nodes")
        if not cluster_wide:
            used = nodes_running(items("pods"))
            nodes = [n for n in nodes if metadata(n).get("name") in used]
        snapshot = Snapshot(
            pods=items("pods"),
            deployments=items("deployments"),
            nodes=nodes,
            services=items("services"),
            endpoints=items("endpoints"),
            pvcs=items("persistentvolumeclaims"),
        )
        events = group_events(items("events"), since=since, until=now)
        floor = SEVERITY_ORDER[params.min_severity]
        findings = [
            finding
            for finding in analyze(
                snapshot, Context(now=now, since=since, events=events), analyzers
            )
            if SEVERITY_ORDER[finding.severity] <= floor
        ]
        scanned = {r: len(items(r)) for r in resources}
        if "nodes" in scanned:
            scanned["nodes"] = len(nodes)
        return DiagnoseResult(
            findings=findings[: params.limit],
            matched=len(findings),
            counts=dict(Counter(f.severity for f in findings)),
            truncated=len(findings) > params.limit,
            scanned=scanned,
            complete=all(listing.complete for listing in listings.values()),
            missing_permissions=denied,
            since=since,
            now=now,
            queries=[q for listing in listings.values() for q in listing.queries()],
        )
