"""The Prometheus server's tools: their params and result models, by tool name."""

from __future__ import annotations

from pydantic import BaseModel

from opslens_mcp.prometheus.measures import Measure, SubjectLabels
from opslens_mcp.prometheus.series import Series, SeriesSet
from opslens_mcp.prometheus.tools_discovery import (
    ApiCall,
    LabelValues,
    LabelValuesParams,
    ListMetricsParams,
    MetadataParams,
    MetricList,
    MetricMetadata,
    SeriesList,
    SeriesParams,
)
from opslens_mcp.prometheus.tools_query import (
    CompareParams,
    CompareResult,
    InstantResult,
    QueryParams,
    QueryRangeParams,
    RangeResult,
)
from opslens_mcp.prometheus.tools_red import RedParams, RedSummary, ServiceRed
from opslens_mcp.prometheus.tools_resources import ResourceParams, ResourceUsage, WorkloadUsage
from opslens_mcp.prometheus.tools_status import (
    Alerts,
    AlertsParams,
    Rules,
    RulesParams,
    Targets,
    TargetsParams,
)
from opslens_mcp.prometheus.window_series import WindowSeries

TOOLS: dict[str, tuple[type[BaseModel], type[BaseModel]]] = {
    "list_metrics": (ListMetricsParams, MetricList),
    "metric_metadata": (MetadataParams, MetricMetadata),
    "label_values": (LabelValuesParams, LabelValues),
    "series": (SeriesParams, SeriesList),
    "query": (QueryParams, InstantResult),
    "query_range": (QueryRangeParams, RangeResult),
    "compare_windows": (CompareParams, CompareResult),
    "red_summary": (RedParams, RedSummary),
    "resource_usage": (ResourceParams, ResourceUsage),
    "targets": (TargetsParams, Targets),
    "alerts": (AlertsParams, Alerts),
    "rules": (RulesParams, Rules),
}

__all__ = [
    "TOOLS",
    "Alerts",
    "AlertsParams",
    "ApiCall",
    "CompareParams",
    "CompareResult",
    "InstantResult",
    "LabelValues",
    "LabelValuesParams",
    "ListMetricsParams",
    "Measure",
    "MetadataParams",
    "MetricList",
    "MetricMetadata",
    "QueryParams",
    "QueryRangeParams",
    "RangeResult",
    "RedParams",
    "RedSummary",
    "ResourceParams",
    "ResourceUsage",
    "Rules",
    "RulesParams",
    "Series",
    "SeriesList",
    "SeriesParams",
    "SeriesSet",
    "ServiceRed",
    "SubjectLabels",
    "Targets",
    "TargetsParams",
    "WindowSeries",
    "WorkloadUsage",
]
