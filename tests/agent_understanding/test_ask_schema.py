"""The ``ask`` tool publishes the plan's fields, new ones included, in its output schema."""

from __future__ import annotations

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


def test_ask_output_schema_lists_the_plan_fields() -> None:
    service, _ = agent_service(AgentSettings(llm_mode="off"))
    [tool] = [tool for tool in service.registry if tool.name == "ask"]
    schema = tool.output_schema()  # as published: definitions inlined, optional ones nullable
    plan = schema["properties"]["plan"]
    assert set(plan["properties"]) >= NEW_FIELDS
    threshold = plan["properties"]["threshold"]
    assert threshold["type"] == ["object", "null"]
    assert set(threshold["properties"]) == {"comparison", "value", "unit"}
