"""schemathesis against the agent's own OpenAPI document, over real HTTP on the seeded demo.

Every operation gets generated requests, valid and invalid: no answer may be a 5xx, and every
answer must be what the document says (status codes, content types, bodies, SSE events).
Requests that break the schema yet are accepted are allowed: FastAPI coerces leniently (a Unix
time for a date) and JSON-RPC answers its errors with HTTP 200.
"""

from __future__ import annotations

import pytest
import schemathesis
from schemathesis.core.result import Ok
from schemathesis.schemas import BaseSchema

from tests.hardening.fuzz import EXCLUDED, fuzz

pytestmark = pytest.mark.integration

TIMEOUT_S = 120
OPERATIONS = [
    "POST /rpc",
    "GET /healthz",
    "GET /readyz",
    "GET /metrics",
    "POST /v1/ask",
    "POST /v1/ask/stream",
    "GET /v1/services",
    "GET /v1/status",
    "GET /v1/reports",
    "GET /v1/reports/{report_id}",
    "GET /v1/alerts",
]


@pytest.fixture(scope="module")
def agent_schema(full_agent_url: str) -> BaseSchema:
    return schemathesis.openapi.from_url(f"{full_agent_url}/openapi.json")


def test_every_operation_is_fuzzed_here(agent_schema: BaseSchema) -> None:
    results = list(agent_schema.get_all_operations())
    assert all(isinstance(result, Ok) for result in results), "the document is valid"
    labels = [result.ok().label for result in results if isinstance(result, Ok)]
    assert sorted(labels) == sorted(OPERATIONS)


@pytest.mark.parametrize("label", OPERATIONS)
def test_operation_conforms_and_never_fails(agent_schema: BaseSchema, label: str) -> None:
    method, path = label.split(" ")
    fuzz(agent_schema[path][method], max_examples=8, timeout_s=TIMEOUT_S)


@pytest.mark.parametrize("format_", ["html", "md", "json"])
def test_a_stored_report_conforms_in_each_format(
    agent_schema: BaseSchema, demo_report_id: str, format_: str
) -> None:
    operation = agent_schema["/v1/reports/{report_id}"]["GET"]
    case = operation.Case(path_parameters={"report_id": demo_report_id}, query={"format": format_})
    response = case.call_and_validate(timeout=TIMEOUT_S, excluded_checks=EXCLUDED)
    assert response.status_code == 200
    assert demo_report_id in response.text


def test_an_unknown_report_is_404(agent_schema: BaseSchema) -> None:
    operation = agent_schema["/v1/reports/{report_id}"]["GET"]
    case = operation.Case(path_parameters={"report_id": "no-such-report"})
    assert case.call_and_validate(timeout=TIMEOUT_S).status_code == 404
