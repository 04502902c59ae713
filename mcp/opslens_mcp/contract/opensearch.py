"""The OpenSearch server's tools: their params and result models, by tool name."""

from __future__ import annotations

from pydantic import BaseModel

from opslens_mcp.opensearch.models import Envelope, OpenSearchRequest, TimeWindow
from opslens_mcp.opensearch.tools_discovery import (
    DescribeSchemaParams,
    DescribeSchemaResult,
    ListServicesParams,
    ListServicesResult,
)
from opslens_mcp.opensearch.tools_log_patterns import LogPatternsParams, LogPatternsResult
from opslens_mcp.opensearch.tools_log_stats import (
    HistogramParams,
    HistogramResult,
    TopValuesParams,
    TopValuesResult,
)
from opslens_mcp.opensearch.tools_logs import (
    CountLogsParams,
    CountLogsResult,
    LogRecord,
    SearchLogsParams,
    SearchLogsResult,
)
from opslens_mcp.opensearch.tools_spans import (
    GetSpansParams,
    GetSpansResult,
    SpanField,
    TraceSpans,
)
from opslens_mcp.opensearch.tools_trace_stats import (
    LatencyGroup,
    LatencyStatsParams,
    LatencyStatsResult,
    ServiceMapParams,
    ServiceMapResult,
)
from opslens_mcp.opensearch.tools_traces import (
    GetTraceParams,
    GetTraceResult,
    GetTracesParams,
    GetTracesResult,
    SearchTracesParams,
    SearchTracesResult,
)
from opslens_mcp.opensearch.trace_views import TraceDetail, TraceSummary

TOOLS: dict[str, tuple[type[BaseModel], type[BaseModel]]] = {
    "list_services": (ListServicesParams, ListServicesResult),
    "describe_schema": (DescribeSchemaParams, DescribeSchemaResult),
    "search_logs": (SearchLogsParams, SearchLogsResult),
    "count_logs": (CountLogsParams, CountLogsResult),
    "log_histogram": (HistogramParams, HistogramResult),
    "top_values": (TopValuesParams, TopValuesResult),
    "log_patterns": (LogPatternsParams, LogPatternsResult),
    "search_traces": (SearchTracesParams, SearchTracesResult),
    "get_trace": (GetTraceParams, GetTraceResult),
    "get_traces": (GetTracesParams, GetTracesResult),
    "get_spans": (GetSpansParams, GetSpansResult),
    "latency_stats": (LatencyStatsParams, LatencyStatsResult),
    "service_map": (ServiceMapParams, ServiceMapResult),
}

__all__ = [
    "TOOLS",
    "CountLogsParams",
    "CountLogsResult",
    "DescribeSchemaParams",
    "DescribeSchemaResult",
    "Envelope",
    "GetSpansParams",
    "GetSpansResult",
    "GetTraceParams",
    "GetTraceResult",
    "GetTracesParams",
    "GetTracesResult",
    "HistogramParams",
    "HistogramResult",
    "LatencyGroup",
    "LatencyStatsParams",
    "LatencyStatsResult",
    "ListServicesParams",
    "ListServicesResult",
    "LogPatternsParams",
    "LogPatternsResult",
    "LogRecord",
    "OpenSearchRequest",
    "SearchLogsParams",
    "SearchLogsResult",
    "SearchTracesParams",
    "SearchTracesResult",
    "ServiceMapParams",
    "ServiceMapResult",
    "SpanField",
    "TimeWindow",
    "TopValuesParams",
    "TopValuesResult",
    "TraceDetail",
    "TraceSpans",
    "TraceSummary",
]
