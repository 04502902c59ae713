"""Typed tool calls over the JSON-RPC wire: ``await tools.opensearch.search_logs(params)``.

Each method takes the tool's params model from :mod:`opslens_mcp.contract` and returns its
result model, validated on this side, so a server answering outside its contract is an
:class:`RpcError` at the call, not a ``KeyError`` three modules later. The calls go through an
``invoke(server, tool, params)`` function: plain :class:`RpcClient` calls (:meth:`Tools.over`),
or a caller that budgets and records them (the agent's toolbox, the reports' caller).

Example::

    tools = Tools.over({"opensearch": RpcClient(url, name="opensearch")})
    found = await tools.opensearch.search_logs(SearchLogsParams(service=["cart"], level=["error"]))
    print(found.total, [record.message for record in found.records])
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, ClassVar, TypeVar

from pydantic import BaseModel, ValidationError

from opslens.rpc_client import RpcClient, RpcError
from opslens_mcp.contract import kubernetes as k8s
from opslens_mcp.contract import opensearch as os_
from opslens_mcp.contract import prometheus as prom

R = TypeVar("R", bound=BaseModel)
NOT_CONFIGURED = "not configured"
Invoke = Callable[[str, str, dict[str, Any]], Awaitable[dict[str, Any]]]
CONTRACT_ERROR = -32603


class ServerNotConfigured(RpcError):
    """A call to a server the caller has no client for."""

    def __init__(self, server: str, tool: str) -> None:
        super().__init__(server, tool, -32001, f"no {server} server configured", NOT_CONFIGURED)


def wire_params(params: BaseModel) -> dict[str, Any]:
    """A params model as sent: only the fields the caller set, in their JSON form."""
    return params.model_dump(mode="json", by_alias=True, exclude_unset=True)


def contract_problems(exc: ValidationError) -> str:
    """The first three fields a validation refused, with why (``limit: Input should be ...``)."""
    return "; ".join(
        f"{'.'.join(map(str, error['loc'])) or 'value'}: {error['msg']}"
        for error in exc.errors()[:3]
    )


def read_result(model: type[R], server: str, tool: str, data: dict[str, Any]) -> R:
    """``data`` validated into ``model``; an :class:`RpcError` naming what does not match."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        message = f"{server}.{tool} answered outside its contract ({contract_problems(exc)})"
        raise RpcError(server, tool, CONTRACT_ERROR, message) from exc


class ServerTools:
    """The tools of one server; subclasses list them as typed methods."""

    server: ClassVar[str]

    def __init__(self, invoke: Invoke) -> None:
        self._invoke = invoke

    async def call(self, tool: str, params: BaseModel, result: type[R]) -> R:
        data = await self._invoke(self.server, tool, wire_params(params))
        return read_result(result, self.server, tool, data)


class OpenSearchTools(ServerTools):
    server = "opensearch"

    async def search_logs(self, params: os_.SearchLogsParams) -> os_.SearchLogsResult:
        return await self.call("search_logs", params, os_.SearchLogsResult)

    async def count_logs(self, params: os_.CountLogsParams) -> os_.CountLogsResult:
        return await self.call("count_logs", params, os_.CountLogsResult)

    async def log_histogram(self, params: os_.HistogramParams) -> os_.HistogramResult:
        return await self.call("log_histogram", params, os_.HistogramResult)

    async def top_values(self, params: os_.TopValuesParams) -> os_.TopValuesResult:
        return await self.call("top_values", params, os_.TopValuesResult)

    async def log_patterns(self, params: os_.LogPatternsParams) -> os_.LogPatternsResult:
        return await self.call("log_patterns", params, os_.LogPatternsResult)

    async def search_traces(self, params: os_.SearchTracesParams) -> os_.SearchTracesResult:
        return await self.call("search_traces", params, os_.SearchTracesResult)

    async def get_trace(self, params: os_.GetTraceParams) -> os_.GetTraceResult:
        return await self.call("get_trace", params, os_.GetTraceResult)

    async def get_traces(self, params: os_.GetTracesParams) -> os_.GetTracesResult:
        return await self.call("get_traces", params, os_.GetTracesResult)

    async def get_spans(self, params: os_.GetSpansParams) -> os_.GetSpansResult:
        return await self.call("get_spans", params, os_.GetSpansResult)

    async def latency_stats(self, params: os_.LatencyStatsParams) -> os_.LatencyStatsResult:
        return await self.call("latency_stats", params, os_.LatencyStatsResult)

    async def service_map(self, params: os_.ServiceMapParams) -> os_.ServiceMapResult:
        return await self.call("service_map", params, os_.ServiceMapResult)

    async def list_services(self, params: os_.ListServicesParams) -> os_.ListServicesResult:
        return await self.call("list_services", params, os_.ListServicesResult)


class PrometheusTools(ServerTools):
    server = "prometheus"

    async def query(self, params: prom.QueryParams) -> prom.InstantResult:
        return await self.call("query", params, prom.InstantResult)

    async def query_range(self, params: prom.QueryRangeParams) -> prom.RangeResult:
        return await self.call("query_range", params, prom.RangeResult)

    async def compare_windows(self, params: prom.CompareParams) -> prom.CompareResult:
        return await self.call("compare_windows", params, prom.CompareResult)

    async def red_summary(self, params: prom.RedParams) -> prom.RedSummary:
        return await self.call("red_summary", params, prom.RedSummary)

    async def resource_usage(self, params: prom.ResourceParams) -> prom.ResourceUsage:
        return await self.call("resource_usage", params, prom.ResourceUsage)

    async def alerts(self, params: prom.AlertsParams) -> prom.Alerts:
        return await self.call("alerts", params, prom.Alerts)


class KubernetesTools(ServerTools):
    server = "kubernetes"

    async def diagnose(self, params: k8s.DiagnoseParams) -> k8s.DiagnoseResult:
        return await self.call("diagnose", params, k8s.DiagnoseResult)

    async def list_pods(self, params: k8s.ListPodsParams) -> k8s.ListPodsResult:
        return await self.call("list_pods", params, k8s.ListPodsResult)

    async def get_pod(self, params: k8s.GetPodParams) -> k8s.GetPodResult:
        return await self.call("get_pod", params, k8s.GetPodResult)

    async def list_events(self, params: k8s.ListEventsParams) -> k8s.ListEventsResult:
        return await self.call("list_events", params, k8s.ListEventsResult)

    async def workload_for_service(self, params: k8s.WorkloadParams) -> k8s.WorkloadResult:
        return await self.call("workload_for_service", params, k8s.WorkloadResult)


class Tools:
    """The typed tools of the three servers over one ``invoke``."""

    def __init__(self, invoke: Invoke) -> None:
        self.opensearch = OpenSearchTools(invoke)
        self.prometheus = PrometheusTools(invoke)
        self.kubernetes = KubernetesTools(invoke)

    @classmethod
    def over(cls, clients: dict[str, RpcClient]) -> Tools:
        """Plain calls to ``clients`` by server name (an unknown server is an RpcError)."""

        async def invoke(server: str, tool: str, params: dict[str, Any]) -> dict[str, Any]:
            if server not in clients:
                raise ServerNotConfigured(server, tool)
            return await clients[server].call(tool, params)

        return cls(invoke)
