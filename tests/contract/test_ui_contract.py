"""The UI reads the agent's answers through its own models (it talks to the agent over HTTP
only): every field it reads must be one the agent sends, with a type the agent gives it."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from opslens.agent.response import AskResponse as AgentAskResponse
from opslens_ui.contract import AskResponse as UiAskResponse

Schema = dict[str, Any]
# A UI number reads an agent integer, not the other way round; null only makes a field optional.
_SCALARS = {"string", "number", "integer", "boolean"}


def _resolve(schema: Schema, node: Schema) -> Schema:
    while "$ref" in node:
        node = schema["$defs"][node["$ref"].rsplit("/", 1)[-1]]
    return node


def _variants(schema: Schema, node: Schema) -> list[Schema]:
    node = _resolve(schema, node)
    options = node.get("anyOf") or node.get("oneOf") or [node]
    return [_resolve(schema, option) for option in options if option.get("type") != "null"]


def _scalar_types(schema: Schema, node: Schema) -> set[str]:
    types: set[str] = set()
    for variant in _variants(schema, node):
        kind = variant.get("type")
        if kind == "array":
            types |= {f"array of {t}" for t in _scalar_types(schema, variant.get("items", {}))}
        elif kind in _SCALARS:
            types.add(kind)
        elif "enum" in variant or "const" in variant:
            types.add("string")
    return types


def _properties(schema: Schema, node: Schema) -> Schema | None:
    for variant in _variants(schema, node):
        if variant.get("type") == "array":
            return _properties(schema, variant.get("items", {}))
        if "properties" in variant:
            properties: Schema = variant["properties"]
            return properties
    return None


def disagreements(agent: type[BaseModel], ui: type[BaseModel]) -> list[str]:
    """Paths the UI model reads that the agent's model lacks or types otherwise."""
    agent_schema, ui_schema = agent.model_json_schema(), ui.model_json_schema()
    found: list[str] = []

    def walk(agent_node: Schema, ui_node: Schema, path: str) -> None:
        ui_fields = _properties(ui_schema, ui_node)
        if ui_fields is None:
            ui_types = _scalar_types(ui_schema, ui_node)
            agent_types = _scalar_types(agent_schema, agent_node)
            widened = agent_types | ({"number"} if "integer" in agent_types else set())
            if ui_types and agent_types and not ui_types & widened:
                found.append(
                    f"{path}: the UI reads {sorted(ui_types)}, the agent {sorted(agent_types)}"
                )
            return
        agent_fields = _properties(agent_schema, agent_node)
        if agent_fields is None:
            found.append(f"{path}: the UI reads an object, the agent sends none")
            return
        for name, ui_field in ui_fields.items():
            if name not in agent_fields:
                found.append(f"{path}.{name}: the agent sends no such field")
            else:
                walk(agent_fields[name], ui_field, f"{path}.{name}")

    walk(agent_schema, ui_schema, ui.__name__)
    return found


def test_the_ui_reads_only_what_the_agent_sends() -> None:
    assert disagreements(AgentAskResponse, UiAskResponse) == []


def test_a_field_the_agent_does_not_send_is_caught() -> None:
    class Drifted(UiAskResponse):
        confidence_score: float = 0.0
        answer: int = 0  # type: ignore[assignment]

    assert disagreements(AgentAskResponse, Drifted) == [
        "Drifted.answer: the UI reads ['integer'], the agent ['string']",
        "Drifted.confidence_score: the agent sends no such field",
    ]
