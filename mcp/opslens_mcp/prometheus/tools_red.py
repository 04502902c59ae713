"""``red_summary``: request rate, error ratio and latency percentiles per service."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from opslens_mcp.core.tools import ToolRegistry
from opslens_mcp.prometheus import promql
from opslens_mcp.prometheus.client import PrometheusClient
from opslens_mcp.prometheus.params import (
    AT_DESCRIPTION,
    Duration,
    HttpStatus,
    Name,
    StrictParams,
    TimeText,
    pinned_at,
    window_start,
)
from opslens_mcp.prometheus.profiles import ProfileName, RequestProfile
from opslens_mcp.prometheus.series import to_number
from opslens_mcp.prometheus.settings import PrometheusSettings
from opslens_mcp.prometheus.window_series import WindowSeries, window_series

QUANTILES = {"p50_ms": 0.5, "p95_ms": 0.95, "p99_ms": 0.99}


class RedParams(StrictParams):
    service: Name | None = Field(
        default=None, description="Service name, e.g. payment-service. Omit for all services."
    )
    namespace: Name | None = Field(default=None, description="Kubernetes namespace, e.g. shop.")
    window: Duration = Field(
        default="5m",
        description="Period summarized, ending at `at`. 5m (the usual rate window) says what "
        "is happening now; use the question's period (1h, 3h) for 'over the last hour'.",
    )
    at: TimeText | None = Field(default=None, description=AT_DESCRIPTION)
    status: HttpStatus | None = Field(
        default=None,
        description="Also measure the requests answered with this HTTP status (503) or class "
        "(5xx): status_rate_per_s and status_ratio.",
    )
    profile: ProfileName | None = Field(
        default=None,
        description="Metric conventions: istio (mesh metrics, the platform default) or otel "
        "(OpenTelemetry http_server_request_duration_seconds). Default from settings.",
    )
    include_series: bool = Field(
        default=False,
        description="Also return each measure over the window as series (for a chart or to "
        "see when an error burst started).",
    )
    points: int = Field(default=60, ge=2, le=2000, description="Points per series, if any.")
    limit: int = Field(
        default=50, ge=1, le=1000, description="Most services, busiest first (truncated=true)."
    )


class ServiceRed(BaseModel):
    service: str
    namespace: str | None
    request_rate_per_s: float | None
    error_ratio: float | None = Field(description="0..1 share of requests with an error status.")
    p50_ms: float | None
    p95_ms: float | None
    p99_ms: float | None
    status_rate_per_s: float | None = Field(
        default=None, description="Requests per second answered with the status asked about."
    )
    status_ratio: float | None = Field(
        default=None, description="0..1 share of requests answered with the status asked about."
    )


class RedSummary(BaseModel):
    profile: ProfileName
    window: str
    start: datetime
    time: datetime = Field(description="End of the window; every query ran at this time.")
    status: str | None = Field(default=None, description="The status measured, if asked.")
    queries: dict[str, str] = Field(description="The PromQL of each measure, exactly as run.")
    services: list[ServiceRed]
    total_services: int
    truncated: bool
    series: WindowSeries | None = None


def red_queries(
    profile: RequestProfile,
    service: str | None,
    namespace: str | None,
    window: str,
    status: str | None = None,
) -> dict[str, str]:
    """The PromQL of every RED measure, by result field name (and of the status asked about)."""
    matchers = promql.request_matchers(profile, service, namespace)
    queries = {
        "request_rate_per_s": promql.request_rate(profile, matchers, window),
        "error_ratio": promql.error_ratio(profile, matchers, window),
    }
    for field, quantile in QUANTILES.items():
        queries[field] = promql.latency_quantile(profile, matchers, window, quantile)
    if status is not None:
        regex = promql.status_regex(status)
        queries["status_rate_per_s"] = promql.status_rate(profile, matchers, window, regex)
        queries["status_ratio"] = promql.status_ratio(profile, matchers, window, regex)
    return queries


def _service_rows(profile: RequestProfile, answers: dict[str, dict[str, Any]]) -> list[ServiceRed]:
    groups: dict[tuple[str, str | None], dict[str, float | None]] = {}
    for measure, data in answers.items():
        for item in data["result"]:
            labels = item["metric"]
            key = (
                labels.get(profile.service_label, ""),
                labels.get(profile.namespace_label) if profile.namespace_label else None,
            )
            groups.setdefault(key, {})[measure] = to_number(item["value"][1])
    rows = [
        ServiceRed(
            service=service,
            namespace=namespace,
            request_rate_per_s=values.get("request_rate_per_s"),
            error_ratio=values.get("error_ratio"),
            p50_ms=values.get("p50_ms"),
            p95_ms=values.get("p95_ms"),
            p99_ms=values.get("p99_ms"),
            status_rate_per_s=values.get("status_rate_per_s"),
            status_ratio=values.get("status_ratio"),
        )
        for (service, namespace), values in groups.items()
    ]
    return sorted(rows, key=lambda row: (-(row.request_rate_per_s or 0.0), row.service))


def register_red_tools(
    registry: ToolRegistry, client: PrometheusClient, settings: PrometheusSettings
) -> None:
    """Add ``red_summary`` to ``registry``."""

    @registry.tool(
        description="RED metrics per service over a window: requests per second, error ratio "
        "(5xx share) and p50/p95/p99 latency in milliseconds, from the mesh's request metrics "
        "(Istio by default); with `status`, also how many requests were answered with it. "
        "Answers 'how busy, how failing, how slow'. Returns the PromQL of each measure."
    )
    async def red_summary(params: RedParams) -> RedSummary:
        at = pinned_at(params.at)
        name = params.profile or settings.default_profile
        profile = settings.request_profile(name)
        queries = red_queries(
            profile, params.service, params.namespace, params.window, params.status
        )
        answers, series = await asyncio.gather(
            client.query_many(queries, at.timestamp()),
            _series(client, profile, params, at),
        )
        rows = _service_rows(profile, answers)
        return RedSummary(
            profile=name,
            window=params.window,
            start=window_start(at, params.window),
            time=at,
            status=params.status,
            queries=queries,
            services=rows[: params.limit],
            total_services=len(rows),
            truncated=len(rows) > params.limit,
            series=series,
        )


async def _series(
    client: PrometheusClient, profile: RequestProfile, params: RedParams, at: datetime
) -> WindowSeries | None:
    if not params.include_series:
        return None
    return await window_series(
        client,
        lambda rate_window: red_queries(
            profile, params.service, params.namespace, rate_window, params.status
        ),
        at=at,
        window=params.window,
        points=params.points,
        limit=params.limit,
    )
