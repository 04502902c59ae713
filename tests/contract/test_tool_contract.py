"""The shared tool contract: it lists every tool each server registers with the same models,
the typed client offers them with those models, and results are read through it on the
calling side (a result outside the contract is an error at the call)."""

from __future__ import annotations

import inspect
from typing import get_type_hints

import pytest
from pydantic import BaseModel

from opslens.rpc_client import RpcClient, RpcError
from opslens.tool_client import (
    KubernetesTools,
    OpenSearchTools,
    PrometheusTools,
    ServerTools,
    Tools,
    wire_params,
)
from opslens_mcp.contract import TOOLS, envelope_of, params_model, result_model
from opslens_mcp.contract.kubernetes import DiagnoseResult
from opslens_mcp.contract.opensearch import CountLogsParams, CountLogsResult, SearchLogsParams
from opslens_mcp.contract.prometheus import RedSummary
from opslens_mcp.core.service import ServiceDefinition
from opslens_mcp.kubernetes.server import create_service as kubernetes_service
from opslens_mcp.kubernetes.settings import KubernetesSettings
from opslens_mcp.opensearch.server import create_service as opensearch_service
from opslens_mcp.opensearch.settings import OpenSearchSettings
from opslens_mcp.prometheus.server import create_service as prometheus_service
from opslens_mcp.prometheus.settings import PrometheusSettings
from tests.contract.conftest import EchoParams, EchoResult

NOWHERE = "http://127.0.0.1:9"  # the services are only built, never called


def services() -> dict[str, ServiceDefinition]:
    return {
        "opensearch": opensearch_service(OpenSearchSettings(url=NOWHERE)),
        "prometheus": prometheus_service(PrometheusSettings(url=NOWHERE)),
        "kubernetes": kubernetes_service(KubernetesSettings()),
    }


def test_contract_lists_each_servers_tools_with_their_models() -> None:
    for server, service in services().items():
        registered = {
            tool.name: (tool.params_model, tool.result_model)
            for tool in service.registry
            if tool.name != "server_info"
        }
        assert TOOLS[server] == registered, server
    assert result_model("opensearch", "count_logs") is CountLogsResult
    assert params_model("opensearch", "search_logs") is SearchLogsParams
    assert result_model("opensearch", "no_such_tool") is None


@pytest.mark.parametrize("tools", [OpenSearchTools, PrometheusTools, KubernetesTools])
def test_typed_client_methods_take_and_return_the_contracts_models(
    tools: type[ServerTools],
) -> None:
    methods = [
        (name, method)
        for name, method in inspect.getmembers(tools, inspect.iscoroutinefunction)
        if name != "call"
    ]
    assert methods
    for name, method in methods:
        hints = get_type_hints(method)
        assert (hints["params"], hints["return"]) == TOOLS[tools.server][name], name


def test_wire_params_are_what_the_caller_set() -> None:
    params = SearchLogsParams(service="cart", level=["error"], limit=5)
    assert wire_params(params) == {"service": ["cart"], "level": ["error"], "limit": 5}


class ProtocolTools(ServerTools):
    server = "protocol-test"

    async def echo(self, params: EchoParams) -> EchoResult:
        return await self.call("echo", params, EchoResult)

    async def echo_as_count(self, params: EchoParams) -> CountLogsResult:
        return await self.call("echo", params, CountLogsResult)


async def test_typed_call_over_the_wire(base_url: str) -> None:
    async with RpcClient(base_url, name="protocol-test") as client:
        tools = ProtocolTools(lambda _server, tool, params: client.call(tool, params))
        echoed = await tools.echo(EchoParams(text="안녕"))
        assert echoed == EchoResult(text="안녕", session_id=None)
        with pytest.raises(RpcError) as raised:
            await tools.echo_as_count(EchoParams(text="x"))
    assert raised.value.code == -32603
    assert "answered outside its contract" in raised.value.message
    assert "total" in raised.value.message


async def test_unconfigured_server_is_an_rpc_error() -> None:
    tools = Tools.over({})
    with pytest.raises(RpcError, match="no opensearch server configured"):
        await tools.opensearch.count_logs(CountLogsParams())


def test_one_envelope_over_the_three_shapes() -> None:
    logs = CountLogsResult.model_validate(
        {
            "total": 0,
            "by_source": {},
            "requests": [
                {"method": "POST", "path": "/logs-*/_count", "body": {"q": "한글"}, "cached": False}
            ],
            "time_range": {"start": "2026-01-01T00:00:00Z", "end": "2026-01-01T01:00:00Z"},
            "warnings": ["otel: no index"],
        }
    )
    envelope = envelope_of("opensearch", logs)
    assert envelope.status == "no-data"
    assert envelope.native_text() == 'POST /logs-*/_count\n{\n "q": "한글"\n}'
    assert envelope.window is not None and envelope.window.end is not None
    assert envelope.window.end.hour == 1
    assert envelope.warnings == ["otel: no index"]

    red = RedSummary.model_validate(
        {
            "profile": "istio",
            "window": "5m",
            "start": "2026-01-01T00:55:00Z",
            "time": "2026-01-01T01:00:00Z",
            "queries": {"p95_ms": "histogram_quantile(0.95, x)", "error_ratio": "y"},
            "services": [
                {
                    "service": "cart",
                    "namespace": None,
                    "request_rate_per_s": 1.0,
                    "error_ratio": 0.0,
                    "p50_ms": None,
                    "p95_ms": None,
                    "p99_ms": None,
                }
            ],
            "total_services": 3,
            "truncated": True,
        }
    )
    envelope = envelope_of("prometheus", red)
    assert (envelope.status, envelope.truncated) == ("ok", True)
    assert envelope.native_text() == "# p95_ms\nhistogram_quantile(0.95, x)\n# error_ratio\ny"

    diagnosis = DiagnoseResult.model_validate(
        {
            "matched": 0,
            "truncated": False,
            "complete": True,
            "queries": [{"path": "/api/v1/pods", "kubectl": "kubectl get --raw /api/v1/pods"}],
            "findings": [],
            "counts": {},
            "scanned": {"pods": 3},
            "since": "2026-01-01T00:00:00Z",
            "now": "2026-01-01T01:00:00Z",
        }
    )
    envelope = envelope_of("kubernetes", diagnosis)
    assert envelope.status == "no-data"
    assert envelope.native_text() == "kubectl get --raw /api/v1/pods"


def test_models_are_pydantic() -> None:
    for tools in TOOLS.values():
        for params, result in tools.values():
            assert issubclass(params, BaseModel) and issubclass(result, BaseModel)
