"""Query injection through questions and sidebar filters, asked of the real agent service.

Whatever syntax a question carries, the plan holds values only (services the backends know,
verbatim search text), the tools receive those values as parameters, the native queries keep
them in value slots, and the counts are the ground truth's or fewer, never more.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import httpx
import pytest

from opslens.scenarios.truth import GroundTruth
from tests.hardening.dsl import INTERPRETING, keys

pytestmark = pytest.mark.integration

DECORATIONS = [
    '"} or vector(1) #',
    " OR *:*",
    '" OR service:*',
    "' OR 1=1 --",
    "\u202e",
    "\u200b",
    "\x00",
]
SEARCHED = ["*", '"', '""', "\\", "*:*", "/pay.*/", "_exists_:level", "ERROR OR *", "a\u202eb"]


def ask(agent_url: str, truth: GroundTruth, question: str, **extra: Any) -> dict[str, Any]:
    payload = {"question": question, "now": truth.now.isoformat(), **extra}
    response = httpx.post(f"{agent_url}/v1/ask", json=payload, timeout=120)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def native_bodies(native: str) -> list[Any]:
    """The JSON bodies in an OpenSearch query record's native text (``METHOD path`` + JSON)."""
    return [json.loads(chunk.split("\n", 1)[1]) for chunk in native.split("\n\n")]


def calls(body: dict[str, Any], tool: str) -> list[dict[str, Any]]:
    return [query for query in body["queries"] if query["tool"] == tool]


@pytest.fixture(scope="module")
def name(seeded_demo: GroundTruth) -> str:
    return seeded_demo.faults[0].root_cause_service


@pytest.mark.parametrize("decoration", DECORATIONS)
def test_syntax_around_a_service_name_counts_exactly_its_errors(
    agent_url: str, seeded_demo: GroundTruth, name: str, decoration: str
) -> None:
    body = ask(
        agent_url, seeded_demo, f"show the error logs from {name}{decoration} in the last 3 hours"
    )
    now = seeded_demo.now
    assert body["plan"]["services"] == [name]
    assert body["evidence"]["logs"]["total"] == seeded_demo.error_logs(
        name, now - timedelta(hours=3), now
    )
    for query in body["queries"]:
        assert query["params"].get("service") in (None, name, [name]), query


def test_searched_syntax_is_a_literal_and_finds_no_extra_line(
    agent_url: str, seeded_demo: GroundTruth, name: str
) -> None:
    now = seeded_demo.now
    errors = seeded_demo.error_logs(name, now - timedelta(hours=3), now)
    for text in SEARCHED:
        body = ask(
            agent_url,
            seeded_demo,
            f"error logs from {name} in the last 3 hours containing '{text}'",
        )
        assert body["plan"]["text"] == text
        (count,) = calls(body, "count_logs")
        assert count["ok"] and count["params"]["text"] == text
        for native in native_bodies(count["native"]):
            assert not keys(native) & INTERPRETING
        total = body["evidence"]["logs"]["total"]
        assert total <= errors, text
        if not any(char.isalnum() for char in text):
            assert total == 0, f"{text!r} has no word to find"


def test_hostile_sidebar_filters_are_literals(agent_url: str, seeded_demo: GroundTruth) -> None:
    hostile = ["*", '"} or vector(1) #', "_exists_:level"]
    filters = {"services": hostile, "namespace": "*"}
    body = ask(agent_url, seeded_demo, "error logs in the last 3 hours", filters=filters)
    assert body["plan"]["services"] == hostile and body["plan"]["namespace"] == "*"
    assert body["evidence"]["logs"]["total"] == 0
    (count,) = calls(body, "count_logs")
    assert count["params"]["service"] == hostile and count["params"]["namespace"] == ["*"]
    for native in native_bodies(count["native"]):
        assert not keys(native) & INTERPRETING


def test_a_hundred_kilobyte_question_is_refused_on_every_front_end(agent_url: str) -> None:
    question = "why is checkout failing " + "x" * 100_000
    response = httpx.post(f"{agent_url}/v1/ask", json={"question": question}, timeout=30)
    assert response.status_code == 422
    assert len(response.content) < 1000, "the refusal does not echo the input"
    stream = httpx.post(f"{agent_url}/v1/ask/stream", json={"question": question}, timeout=30)
    assert stream.status_code == 422
    call = {"jsonrpc": "2.0", "method": "ask", "params": {"question": question}, "id": 1}
    answer = httpx.post(f"{agent_url}/rpc", json=call, timeout=30).json()
    assert answer["error"]["code"] == -32602 and answer["id"] == 1
