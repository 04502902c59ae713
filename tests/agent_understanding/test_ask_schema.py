"""The ``ask`` tool publishes the plan's fields, new ones included, in its output schema."""

from __future__ import annotations

from typing import Any

from opslens.agent.service import agent_service
from opslens.agent.settings import AgentSettings

NEW_FIELDS = {
    "group_by",
    "order",
    "threshold",
    "baseline_start",
    "baseline_end",
    "operation",
    "status",
    "unexpressed",
}


def _resolve(schema: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    ref = node.get("$ref")
    if ref is None:
        return node
    found: dict[str, Any] = schema["$defs"][ref.rsplit("/", 1)[-1]]
    return found


def test_ask_output_schema_lists_the_plan_fields() -> None:
    service, _ = agent_service(AgentSettings(llm_mode="off"))
    [tool] = [tool for tool in service.registry if tool.name == "ask"]
    schema = tool.output_schema()
    plan = _resolve(schema, schema["properties"]["plan"])
    assert set(plan["properties"]) >= NEW_FIELDS
    threshold = plan["properties"]["threshold"]["anyOf"][0]
    assert set(_resolve(schema, threshold)["properties"]) == {"comparison", "value", "unit"}
