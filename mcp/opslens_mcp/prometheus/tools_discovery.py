"""Discovery tools: which metrics exist, what they mean, their labels, values and series."""

from __future__ import annotations

import asyncio
from typing import Any

from pydantic import BaseModel, Field

from opslens_mcp.core.tools import ToolRegistry
from opslens_mcp.prometheus import promql
from opslens_mcp.prometheus.client import PrometheusClient
from opslens_mcp.prometheus.params import (
    END_DESCRIPTION,
    LabelFilters,
    LabelName,
    MetricName,
    StrictParams,
    TimeText,
    pinned_range,
)

_FAMILY_SUFFIXES = ("_bucket", "_count", "_sum", "_total", "_created", "_info")
DISCOVERY_START = Field(
    default="now-6h",
    description="Only series with samples after this time count. 6 hours covers the usual "
    "question and keeps the index scan cheap; use now-30d for anything ever stored.",
)


class ApiCall(BaseModel):
    """An HTTP API request to Prometheus, exactly as sent (rerun it with curl)."""

    method: str
    path: str
    params: dict[str, str | float | list[str]]


def api_call(path: str, params: dict[str, Any]) -> ApiCall:
    return ApiCall(method=PrometheusClient.method(path), path=f"/api/v1/{path}", params=params)


def _range_params(start: str, end: str | None) -> dict[str, Any]:
    begin, finish = pinned_range(start, end)
    return {"start": begin.timestamp(), "end": finish.timestamp()}


class ListMetricsParams(StrictParams):
    name_contains: str | None = Field(
        default=None, max_length=200, description="Case-insensitive part of the metric name."
    )
    start: TimeText = DISCOVERY_START
    end: TimeText | None = Field(default=None, description=END_DESCRIPTION)
    limit: int = Field(default=200, ge=1, le=5000, description="Most names returned.")


class MetricInfo(BaseModel):
    name: str
    type: str | None = Field(default=None, description="counter, gauge, histogram, summary...")
    help: str | None = None
    unit: str | None = None


class MetricList(BaseModel):
    metrics: list[MetricInfo] = Field(description="Sorted by name.")
    total_matching: int
    has_more: bool
    requests: list[ApiCall]


class MetadataParams(StrictParams):
    metric: MetricName = Field(description="Metric name, e.g. prometheus_http_requests_total.")
    start: TimeText = DISCOVERY_START
    end: TimeText | None = Field(default=None, description=END_DESCRIPTION)


class MetricMetadata(BaseModel):
    metric: str
    found: bool = Field(description="False when no scraped target describes this metric.")
    family: str | None = Field(description="The name the metadata is kept under.")
    type: str | None
    help: str | None
    unit: str | None
    labels: list[str] = Field(description="Label names its series carry in the range.")
    requests: list[ApiCall]


class LabelValuesParams(StrictParams):
    label: LabelName = Field(description="Label name, e.g. destination_service_name.")
    metric: MetricName | None = Field(default=None, description="Only series of this metric.")
    labels: LabelFilters = Field(
        default_factory=dict, description="Only series with these exact label values."
    )
    start: TimeText = DISCOVERY_START
    end: TimeText | None = Field(default=None, description=END_DESCRIPTION)
    limit: int = Field(default=200, ge=1, le=5000, description="Most values returned.")


class LabelValues(BaseModel):
    label: str
    values: list[str]
    total: int
    has_more: bool
    selector: str | None = Field(description="The series selector used (match[]), if any.")
    request: ApiCall


class SeriesParams(StrictParams):
    metric: MetricName
    labels: LabelFilters = Field(default_factory=dict, description="Exact label values.")
    start: TimeText = DISCOVERY_START
    end: TimeText | None = Field(default=None, description=END_DESCRIPTION)
    limit: int = Field(
        default=100, ge=1, le=5000, description="Most label sets returned (has_more=true)."
    )


class SeriesList(BaseModel):
    selector: str
    series: list[dict[str, str]] = Field(description="Label sets, including __name__.")
    total: int
    has_more: bool
    request: ApiCall


def _family(metric: str) -> str | None:
    for suffix in _FAMILY_SUFFIXES:
        if metric.endswith(suffix):
            return metric[: -len(suffix)]
    return None


def _selector(metric: str | None, labels: dict[str, str]) -> str | None:
    if metric is None and not labels:
        return None
    matchers = promql.equality_matchers(labels)
    return promql.selector(metric, matchers) if metric else f"{{{_render(matchers)}}}"


def _render(matchers: list[promql.Matcher]) -> str:
    return ", ".join(matcher.render() for matcher in matchers)


def register_discovery_tools(registry: ToolRegistry, client: PrometheusClient) -> None:
    """Add ``list_metrics``, ``metric_metadata``, ``label_values`` and ``series``."""

    @registry.tool(
        description="List metric names (optionally containing some text) with their type and "
        "help. Start here when you do not know what a platform's metrics are called."
    )
    async def list_metrics(params: ListMetricsParams) -> MetricList:
        time_range = _range_params(params.start, params.end)
        names_call = api_call("label/__name__/values", time_range)
        meta_call = api_call("metadata", {})
        names, metadata = await asyncio.gather(
            client.api("label/__name__/values", time_range), client.api("metadata")
        )
        wanted = (params.name_contains or "").lower()
        matching = sorted(name for name in names if wanted in name.lower())
        metrics = []
        for name in matching[: params.limit]:
            entries = metadata.get(name) or metadata.get(_family(name) or "") or [{}]
            first = entries[0]
            metrics.append(
                MetricInfo(
                    name=name,
                    type=first.get("type"),
                    help=first.get("help"),
                    unit=first.get("unit") or None,
                )
            )
        return MetricList(
            metrics=metrics,
            total_matching=len(matching),
            has_more=len(matching) > params.limit,
            requests=[names_call, meta_call],
        )

    @registry.tool(
        description="What one metric is: its type (counter, gauge, histogram...), help text, "
        "unit, and the label names its series carry. Read it before writing PromQL for an "
        "unfamiliar metric (counters need rate(), histograms histogram_quantile())."
    )
    async def metric_metadata(params: MetadataParams) -> MetricMetadata:
        time_range = _range_params(params.start, params.end)
        labels_params = {"match[]": [promql.selector(params.metric)], **time_range}
        calls = [api_call("metadata", {"metric": params.metric}), api_call("labels", labels_params)]
        entries, labels = await asyncio.gather(
            client.api("metadata", {"metric": params.metric}),
            client.api("labels", labels_params),
        )
        family = params.metric if entries.get(params.metric) else None
        base = _family(params.metric)
        if family is None and base:
            calls.append(api_call("metadata", {"metric": base}))
            entries = await client.api("metadata", {"metric": base})
            family = base if entries.get(base) else None
        first = entries[family][0] if family else {}
        return MetricMetadata(
            metric=params.metric,
            found=family is not None,
            family=family,
            type=first.get("type"),
            help=first.get("help"),
            unit=first.get("unit") or None,
            labels=sorted(label for label in labels if label != "__name__"),
            requests=calls,
        )

    @registry.tool(
        description="The values a label takes (e.g. every destination_service_name), "
        "optionally only on one metric's series or with other labels fixed. Use it to find "
        "the exact service, namespace or pod names before querying."
    )
    async def label_values(params: LabelValuesParams) -> LabelValues:
        time_range = _range_params(params.start, params.end)
        selector = _selector(params.metric, params.labels)
        query = {**time_range, **({"match[]": [selector]} if selector else {})}
        path = f"label/{params.label}/values"
        values = sorted(await client.api(path, query))
        return LabelValues(
            label=params.label,
            values=values[: params.limit],
            total=len(values),
            has_more=len(values) > params.limit,
            selector=selector,
            request=api_call(path, query),
        )

    @registry.tool(
        description="The label sets of the series a metric has (optionally with labels "
        "fixed): which pods, routes or codes report it. Bounded by `limit`."
    )
    async def series(params: SeriesParams) -> SeriesList:
        time_range = _range_params(params.start, params.end)
        selector = promql.selector(params.metric, promql.equality_matchers(params.labels))
        query = {"match[]": [selector], **time_range}
        found = await client.api("series", query)
        return SeriesList(
            selector=selector,
            series=found[: params.limit],
            total=len(found),
            has_more=len(found) > params.limit,
            request=api_call("series", query),
        )
