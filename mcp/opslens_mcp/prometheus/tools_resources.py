"""``resource_usage``: CPU, memory, limits, throttling and restarts per pod, and node CPU."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from opslens_mcp.core.tools import ToolRegistry
from opslens_mcp.prometheus import promql
from opslens_mcp.prometheus.client import PrometheusClient
from opslens_mcp.prometheus.params import (
    AT_DESCRIPTION,
    Duration,
    Name,
    StrictParams,
    TimeText,
    pinned_at,
    window_start,
)
from opslens_mcp.prometheus.profiles import ResourceProfile
from opslens_mcp.prometheus.series import to_number
from opslens_mcp.prometheus.settings import PrometheusSettings
from opslens_mcp.prometheus.window_series import WindowSeries, window_series

SortKey = Literal["cpu_cores", "memory_bytes", "restarts_in_window"]
SERIES_MEASURES = ("cpu_cores", "memory_bytes")


class ResourceParams(StrictParams):
    service: Name | None = Field(
        default=None,
        description="Service whose pods to show (pods named <service>-<hash>-<suffix>).",
    )
    namespace: Name | None = Field(default=None, description="Kubernetes namespace, e.g. shop.")
    pod: Name | None = Field(default=None, description="One exact pod name.")
    by: Literal["pod", "container"] = Field(default="pod", description="Row granularity.")
    window: Duration = Field(
        default="5m",
        description="Period for CPU rate and restarts, ending at `at` (memory is the value at "
        "`at`). 5m shows the present; use the question's period for 'in the last 6 hours'.",
    )
    at: TimeText | None = Field(default=None, description=AT_DESCRIPTION)
    sort_by: SortKey = Field(default="cpu_cores", description="Largest first.")
    include_nodes: bool = Field(default=True, description="Add busy CPU % per node.")
    include_series: bool = Field(
        default=False, description="Also return CPU and memory over the window as series."
    )
    points: int = Field(default=60, ge=2, le=2000, description="Points per series, if any.")
    limit: int = Field(default=50, ge=1, le=1000, description="Most rows (truncated=true).")


class WorkloadUsage(BaseModel):
    namespace: str
    pod: str
    container: str | None = None
    cpu_cores: float | None = Field(description="Average cores used over the window.")
    cpu_limit_cores: float | None
    cpu_throttled_ratio: float | None = Field(description="Share of CFS periods throttled.")
    memory_bytes: float | None = Field(description="Working set at `time`.")
    memory_limit_bytes: float | None
    restarts_total: float | None = Field(description="Restart count at `time` (as kubectl).")
    restarts_in_window: float | None
    last_terminated_reasons: list[str] = Field(
        default_factory=list, description="e.g. OOMKilled, Error (kube-state-metrics)."
    )


class NodeCpu(BaseModel):
    node: str
    cpu_busy_percent: float | None


class ResourceUsage(BaseModel):
    window: str
    start: datetime
    time: datetime = Field(description="End of the window; every query ran at this time.")
    queries: dict[str, str] = Field(description="The PromQL of each measure, exactly as run.")
    workloads: list[WorkloadUsage]
    total_workloads: int
    truncated: bool
    nodes: list[NodeCpu] = Field(default_factory=list)
    series: WindowSeries | None = None


def resource_queries(
    profile: ResourceProfile, params: ResourceParams, window: str
) -> dict[str, str]:
    scope = promql.WorkloadScope(params.namespace, params.service, params.pod)
    queries = promql.resource_expressions(profile, scope, window, _group(profile, params))
    queries["last_terminated_reasons"] = promql.last_terminated_reasons(profile, scope)
    if params.include_nodes:
        queries["node_cpu_busy_percent"] = promql.node_cpu_busy_percent(profile, window)
    return queries


def _group(profile: ResourceProfile, params: ResourceParams) -> list[str]:
    labels = [profile.namespace_label, profile.pod_label]
    return [*labels, profile.container_label] if params.by == "container" else labels


def _workload_rows(
    profile: ResourceProfile, params: ResourceParams, answers: dict[str, dict[str, Any]]
) -> list[WorkloadUsage]:
    group = _group(profile, params)
    rows: dict[tuple[str, ...], dict[str, Any]] = {}
    for measure, data in answers.items():
        if measure == "node_cpu_busy_percent":
            continue
        for item in data["result"]:
            labels = item["metric"]
            row = rows.setdefault(tuple(labels.get(label, "") for label in group), {})
            if measure == "last_terminated_reasons":
                reasons = row.setdefault(measure, [])
                if labels.get("reason") and labels["reason"] not in reasons:
                    reasons.append(labels["reason"])
            else:
                row[measure] = to_number(item["value"][1])
    result = [
        WorkloadUsage(
            namespace=key[0],
            pod=key[1],
            container=key[2] if params.by == "container" else None,
            cpu_cores=values.get("cpu_cores"),
            cpu_limit_cores=values.get("cpu_limit_cores"),
            cpu_throttled_ratio=values.get("cpu_throttled_ratio"),
            memory_bytes=values.get("memory_bytes"),
            memory_limit_bytes=values.get("memory_limit_bytes"),
            restarts_total=values.get("restarts_total"),
            restarts_in_window=values.get("restarts_in_window"),
            last_terminated_reasons=sorted(values.get("last_terminated_reasons", [])),
        )
        for key, values in rows.items()
    ]
    return sorted(result, key=lambda row: (-(getattr(row, params.sort_by) or 0.0), row.pod))


def _nodes(profile: ResourceProfile, answers: dict[str, dict[str, Any]]) -> list[NodeCpu]:
    data = answers.get("node_cpu_busy_percent")
    if data is None:
        return []
    nodes = [
        NodeCpu(
            node=item["metric"].get(profile.node_label, ""),
            cpu_busy_percent=to_number(item["value"][1]),
        )
        for item in data["result"]
    ]
    return sorted(nodes, key=lambda node: node.node)


def register_resource_tools(
    registry: ToolRegistry, client: PrometheusClient, settings: PrometheusSettings
) -> None:
    """Add ``resource_usage`` to ``registry``."""
    profile = settings.resources

    @registry.tool(
        description="CPU (cores) and memory (working-set bytes) per pod or container of a "
        "service or namespace, with their limits, CPU throttling, restarts (total and within "
        "the window) and the last termination reason such as OOMKilled; plus busy CPU per "
        "node. From cAdvisor, kube-state-metrics and node-exporter. Returns the PromQL used."
    )
    async def resource_usage(params: ResourceParams) -> ResourceUsage:
        at = pinned_at(params.at)
        queries = resource_queries(profile, params, params.window)
        answers, series = await asyncio.gather(
            client.query_many(queries, at.timestamp()),
            _series(client, profile, params, at),
        )
        rows = _workload_rows(profile, params, answers)
        return ResourceUsage(
            window=params.window,
            start=window_start(at, params.window),
            time=at,
            queries=queries,
            workloads=rows[: params.limit],
            total_workloads=len(rows),
            truncated=len(rows) > params.limit,
            nodes=_nodes(profile, answers),
            series=series,
        )


async def _series(
    client: PrometheusClient, profile: ResourceProfile, params: ResourceParams, at: datetime
) -> WindowSeries | None:
    if not params.include_series:
        return None

    def build(rate_window: str) -> dict[str, str]:
        every = resource_queries(profile, params, rate_window)
        return {measure: every[measure] for measure in SERIES_MEASURES}

    return await window_series(
        client, build, at=at, window=params.window, points=params.points, limit=params.limit
    )
