"""The UI talks to the agent over HTTP only, through models of its own (`opslens_ui.contract`).
They are checked against the agent's published OpenAPI document: every field the UI reads is one
the agent sends, with a type the agent gives it, never null where the UI needs a value; every
field the UI sends is one the agent accepts. The reports and alert investigations the agent passes
through from the reports server are checked against that server's tool results."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from pydantic import BaseModel

from opslens.agent.response import StepEvent as AgentStepEvent
from opslens.agent.service import create_agent_app
from opslens.alerts.store import InvestigationList
from opslens.reports.wire import ListReportsResult
from opslens_ui import contract as ui

Schema = dict[str, Any]
# A number reads an integer, not the other way round; null only makes a field optional.
_SCALARS = {"string", "number", "integer", "boolean"}


@dataclass(frozen=True)
class Side:
    """One side's schema for a message: the node, and the document its $refs point into."""

    document: Schema
    node: Schema

    @classmethod
    def of_model(cls, model: type[BaseModel]) -> Side:
        schema = model.model_json_schema(mode="serialization")
        return cls(schema, schema)

    def at(self, node: Schema) -> Side:
        return Side(self.document, node)

    def resolved(self, node: Schema | None = None) -> Schema:
        node = self.node if node is None else node
        while "$ref" in node:
            name = node["$ref"].rsplit("/", 1)[-1]
            definitions = self.document.get("$defs") or self.document["components"]["schemas"]
            node = definitions[name]
        return node

    def nullable(self) -> bool:
        node = self.resolved()
        options = node.get("anyOf") or node.get("oneOf") or [node]
        return any(o.get("type") == "null" for o in options)

    def variants(self) -> list[Side]:
        node = self.resolved()
        options = node.get("anyOf") or node.get("oneOf") or [node]
        return [self.at(self.resolved(o)) for o in options if o.get("type") != "null"]

    def scalar_types(self) -> set[str]:
        types: set[str] = set()
        for variant in self.variants():
            kind = variant.node.get("type")
            if kind == "array":
                items = variant.at(variant.node.get("items", {}))
                types |= {f"array of {t}" for t in items.scalar_types()}
            elif kind in _SCALARS:
                types.add(kind)
            elif "enum" in variant.node or "const" in variant.node:
                types.add("string")
        return types

    def fields(self) -> Schema | None:
        """Properties of the object this node is (or holds a list of)."""
        for variant in self.variants():
            if variant.node.get("type") == "array":
                return variant.at(variant.node.get("items", {})).fields()
            if "properties" in variant.node:
                properties: Schema = variant.node["properties"]
                return properties
        return None

    def values(self) -> Side | None:
        """The value schema of a map (``dict[str, X]``), if this node is one."""
        for variant in self.variants():
            extra = variant.node.get("additionalProperties")
            if isinstance(extra, dict) and extra:
                return variant.at(extra)
        return None


def disagreements(writer: Side, reader: Side, path: str) -> list[str]:
    """Where ``reader`` expects what ``writer`` does not give (missing, retyped, or null)."""
    found: list[str] = []

    def walk(written: Side, read: Side, where: str) -> None:
        read_map, written_map = read.values(), written.values()
        if read_map is not None and written_map is not None:
            walk(written_map, read_map, f"{where}[*]")
            return
        read_fields = read.fields()
        if read_fields is None:
            read_types, written_types = read.scalar_types(), written.scalar_types()
            widened = written_types | ({"number"} if "integer" in written_types else set())
            if read_types and written_types and not read_types & widened:
                found.append(
                    f"{where}: read as {sorted(read_types)}, written as {sorted(written_types)}"
                )
            return
        written_fields = written.fields()
        if written_fields is None:
            found.append(f"{where}: read as an object, written as none")
            return
        for name, read_field in read_fields.items():
            if name not in written_fields:
                found.append(f"{where}.{name}: never written")
                continue
            written_field = written.at(written_fields[name])
            # Every field is sent (defaults too), so what can break a reader is a null.
            if written_field.nullable() and not read.at(read_field).nullable():
                found.append(f"{where}.{name}: may be null when written, not when read")
            walk(written_field, read.at(read_field), f"{where}.{name}")

    walk(writer, reader, path)
    return found


@pytest.fixture(scope="module")
def openapi() -> Schema:
    document: Schema = create_agent_app().openapi()
    return document


def _json_body(operation: Schema, key: str) -> Schema:
    body: Schema = operation[key]
    if key == "responses":
        body = body["200"]
    schema: Schema = body["content"]["application/json"]["schema"]
    return schema


def answer(openapi: Schema, path: str, method: str = "get") -> Side:
    """What the agent's route answers with, as its OpenAPI document publishes it."""
    return Side(openapi, _json_body(openapi["paths"][path][method], "responses"))


def request_body(openapi: Schema, path: str) -> Side:
    return Side(openapi, _json_body(openapi["paths"][path]["post"], "requestBody"))


READ_FROM_THE_AGENT = [
    ("/v1/ask", "post", ui.AskResponse),
    ("/v1/services", "get", ui.ServiceCatalog),
    ("/v1/status", "get", ui.AgentStatus),
]


@pytest.mark.parametrize(("path", "method", "model"), READ_FROM_THE_AGENT)
def test_the_ui_reads_only_what_the_agent_answers(
    openapi: Schema, path: str, method: str, model: type[BaseModel]
) -> None:
    ui_side = Side.of_model(model)
    assert disagreements(answer(openapi, path, method), ui_side, model.__name__) == []


def test_the_ui_sends_only_what_the_agent_accepts(openapi: Schema) -> None:
    agent_side = request_body(openapi, "/v1/ask")
    assert disagreements(Side.of_model(ui.AskRequest), agent_side, "AskRequest") == []
    # And the reverse: the UI's request model carries every field the agent accepts.
    assert set(agent_side.fields() or {}) == set(ui.AskRequest.model_fields)


def test_the_streamed_steps_are_read_as_the_agent_writes_them() -> None:
    written, read = Side.of_model(AgentStepEvent), Side.of_model(ui.StepEvent)
    assert disagreements(written, read, "StepEvent") == []


@pytest.mark.parametrize(
    ("written", "read"),
    [(ListReportsResult, ui.ReportList), (InvestigationList, ui.AlertInvestigationList)],
)
def test_passed_through_reports_are_read_as_the_reports_server_writes_them(
    written: type[BaseModel], read: type[BaseModel]
) -> None:
    assert disagreements(Side.of_model(written), Side.of_model(read), read.__name__) == []


def test_a_drifted_field_is_caught(openapi: Schema) -> None:
    class Drifted(ui.AskResponse):
        confidence_score: float = 0.0
        answer: int = 0  # type: ignore[assignment]

    class DriftedStatus(ui.AgentStatus):
        uptime: float

    assert disagreements(answer(openapi, "/v1/ask", "post"), Side.of_model(Drifted), "Drifted") == [
        "Drifted.answer: read as ['integer'], written as ['string']",
        "Drifted.confidence_score: never written",
    ]
    assert disagreements(answer(openapi, "/v1/status"), Side.of_model(DriftedStatus), "S") == [
        "S.uptime: never written"
    ]


def test_a_renamed_nested_field_and_an_optional_one_are_caught() -> None:
    class Backend(BaseModel):
        state: str  # the agent calls it status
        url: str  # the agent may send null

    class Status(BaseModel):
        backends: dict[str, Backend]

    class WrittenBackend(BaseModel):
        status: str
        url: str | None = None

    class Written(BaseModel):
        backends: dict[str, WrittenBackend]

    assert disagreements(Side.of_model(Written), Side.of_model(Status), "Status") == [
        "Status.backends[*].state: never written",
        "Status.backends[*].url: may be null when written, not when read",
    ]
