"""Published output schemas: every answer's shape as the models have it, with bulk sample
points as plain arrays (an MCP client checks each answer against the schema, point by point)
and references and optional fields written in fewer steps, with the same meaning."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Literal

import pytest
from jsonschema.validators import validator_for
from mcp import Client
from pydantic import BaseModel, Field

from opslens.agent.service import agent_service
from opslens.agent.settings import AgentSettings
from opslens_mcp.contract.prometheus import RangeResult
from opslens_mcp.core.executor import ToolExecutor
from opslens_mcp.core.mcp_server import build_mcp_server
from opslens_mcp.core.schemas import published
from opslens_mcp.prometheus.series import tidy
from opslens_mcp.prometheus.server import create_service as prometheus_service
from opslens_mcp.prometheus.settings import PrometheusSettings
from tests.contract.test_tool_contract import services

NOWHERE = "http://127.0.0.1:9"  # the service is only built, never called
SERIES_TOOLS = ("query", "query_range", "red_summary", "resource_usage")


def _series_nodes(node: Any) -> Iterator[dict[str, Any]]:
    """Every object schema in ``node`` describing one series (labels, timestamps, values)."""
    if isinstance(node, dict):
        if {"labels", "timestamps", "values"} <= set(node.get("properties", {})):
            yield node
        for value in node.values():
            yield from _series_nodes(value)
    elif isinstance(node, list):
        for value in node:
            yield from _series_nodes(value)


def _errors(schema: dict[str, Any], instance: Any) -> list[str]:
    """What the MCP SDK client's check (jsonschema, the schema's own draft) finds wrong."""
    validator = validator_for(schema)(schema)
    return [error.message for error in validator.iter_errors(instance)]


def _range_answer() -> dict[str, Any]:
    """A range answer as the tool writes it: two series from a Prometheus-shaped matrix."""
    matrix = {
        "resultType": "matrix",
        "result": [
            {
                "metric": {"service": service, "namespace": "shop"},
                "values": [[1_767_225_600 + 15 * i, str(i / 4)] for i in range(5)]
                + [[1_767_225_675, "NaN"]],
            }
            for service in ("cart", "결제")
        ],
    }
    series = tidy(matrix, limit=10, max_points=1000)
    window = {"start": "2026-01-01T00:00:00Z", "end": "2026-01-01T00:01:15Z"}
    answer = RangeResult.model_validate(
        {
            **series.model_dump(),
            **window,
            "promql": "rate(x[1m])",
            "step": "15s",
            "step_seconds": 15,
        }
    )
    return answer.model_dump(mode="json", by_alias=True)


async def test_mcp_publishes_prometheus_points_as_plain_arrays() -> None:
    service = prometheus_service(PrometheusSettings(url=NOWHERE))
    server = build_mcp_server("opslens-prometheus", ToolExecutor(service.registry, timeout_s=5))
    async with Client(server) as client:
        tools = {tool.name: tool for tool in (await client.list_tools()).tools}

    for name in SERIES_TOOLS:
        schema = tools[name].output_schema
        assert schema is not None
        series = list(_series_nodes(schema))
        assert series, name
        for node in series:
            properties = node["properties"]
            for points in ("timestamps", "values"):
                assert properties[points]["type"] == ["array", "null"], (name, points)
                assert "items" not in properties[points], (name, points)
                assert "number" in properties[points]["description"]
            # The rest of a series keeps its types.
            assert properties["labels"]["additionalProperties"] == {"type": "string"}
            assert properties["summary"]["properties"]["min"]["type"] == ["number", "null"]
            assert node["required"] == ["labels"]
        assert "$ref" not in str(schema), name


def test_published_schema_checks_the_shape_not_each_point() -> None:
    schema = published(RangeResult.model_json_schema())
    answer = _range_answer()
    assert answer["series"][1]["labels"]["service"] == "결제"
    assert answer["series"][0]["values"][-1] is None
    assert _errors(schema, answer) == []

    def broken(change: Any) -> dict[str, Any]:
        copy = _range_answer()
        change(copy)
        return copy

    shape_errors = [
        broken(lambda a: a["series"][0]["labels"].update(service=1)),
        broken(lambda a: a.update(series={"cart": []})),
        broken(lambda a: a["series"][0].update(values="1,2,3")),
        broken(lambda a: a["series"][0]["summary"].update(min="low")),
        broken(lambda a: a["series"][1].pop("labels")),
        broken(lambda a: a.update(result_type="table")),
    ]
    for instance in shape_errors:
        assert _errors(schema, instance), instance
    # A point of the wrong type is left to the model (the /rpc side and the agent's toolbox).
    assert _errors(schema, broken(lambda a: a["series"][0]["values"].append("x"))) == []


class _Leaf(BaseModel):
    name: str = Field(max_length=8)


class _Tree(BaseModel):
    leaf: _Leaf = Field(description="The leaf, described where it is used.")
    spare: _Leaf | None = None
    kind: Literal["a", "b"] | None = None
    tags: list[str] | None = None
    children: list[_Tree] = []


@pytest.mark.parametrize(
    "instance",
    [
        {"leaf": {"name": "x"}},
        {"leaf": {"name": "x"}, "spare": None, "kind": None, "tags": None},
        {"leaf": {"name": "x"}, "spare": {"name": "y"}, "kind": "a", "tags": ["t"]},
        {"leaf": {"name": "x"}, "children": [{"leaf": {"name": "y"}, "children": []}]},
        {"leaf": {"name": "too long a name"}},
        {"leaf": None},
        {"leaf": {"name": "x"}, "spare": {"name": 3}},
        {"leaf": {"name": "x"}, "kind": "c"},
        {"leaf": {"name": "x"}, "tags": [1]},
        {"leaf": {"name": "x"}, "children": [{"leaf": {}}]},
        {"leaf": {"name": "x"}, "children": [{"leaf": {"name": "y"}, "kind": "z"}]},
    ],
)
def test_published_schema_means_what_pydantic_wrote(instance: dict[str, Any]) -> None:
    original = _Tree.model_json_schema()
    schema = published(original)
    assert bool(_errors(schema, instance)) == bool(_errors(original, instance))


def test_published_schema_inlines_all_but_recursive_definitions() -> None:
    schema = published(_Tree.model_json_schema())
    assert set(schema["$defs"]) == {"_Tree"}
    properties = schema["properties"]
    assert properties["leaf"]["description"] == "The leaf, described where it is used."
    assert properties["leaf"]["properties"]["name"]["maxLength"] == 8
    assert properties["spare"]["type"] == ["object", "null"]
    assert properties["tags"]["type"] == ["array", "null"]
    # An enum would refuse null if folded into one type list: it stays a choice.
    assert properties["kind"]["anyOf"][1] == {"type": "null"}
    assert properties["children"]["items"] == {"$ref": "#/$defs/_Tree"}


def test_every_published_output_schema_is_a_valid_schema() -> None:
    """An MCP client refuses a tool whose outputSchema is not valid for its own draft."""
    for service in [*services().values(), agent_service(AgentSettings(llm_mode="off"))[0]]:
        for tool in service.registry:
            schema = tool.output_schema()
            validator_for(schema).check_schema(schema)
            assert schema["type"] == "object", (service.name, tool.name)
