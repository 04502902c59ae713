"""Two agent processes over one Postgres share conversations: a follow-up asked of the second
inherits the plan of the question asked of the first. A Postgres restart costs the questions
asked while it is down, or running when it stops (a clear error), and nothing after: no
opslens restart."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest

from opslens.agent.checkpoints import open_checkpointer
from opslens.devstack.postgres import PostgresBackend
from opslens.devstack.process import free_port
from opslens.pgstate import StoreSchemaError, StoreUnavailable
from opslens.scenarios.truth import GroundTruth
from tests.conftest import DemoServers
from tests.postgres.replicas import replica

FIRST = "show the error logs from order-service in the last 3 hours"
FOLLOW_UP = "그 서비스의 메모리는?"
SLOW = "is anything wrong right now?"  # the anomaly check: tens of tool calls


def agent_env(servers: DemoServers, checkpoint_url: str) -> dict[str, str]:
    return {
        "OPSLENS_AGENT_OPENSEARCH_URL": servers.opensearch,
        "OPSLENS_AGENT_PROMETHEUS_URL": servers.prometheus,
        "OPSLENS_AGENT_KUBERNETES_URL": servers.kubernetes,
        "OPSLENS_AGENT_REPORTS_URL": "http://127.0.0.1:9",
        "OPSLENS_AGENT_CHECKPOINT_URL": checkpoint_url,
        "OPSLENS_AGENT_TIMEZONE": "UTC",
        "OPSLENS_AGENT_LLM_MODE": "off",
    }


@pytest.fixture
def two_agents(
    demo_servers: DemoServers, postgres_url: str, tmp_path: Path
) -> Iterator[tuple[str, str]]:
    env = agent_env(demo_servers, postgres_url)
    with (
        replica("agent", env, tmp_path, "agent-a") as a,
        replica("agent", env, tmp_path, "agent-b") as b,
    ):
        yield a.url, b.url


def ask(
    url: str, question: str, session_id: str, now: GroundTruth, expect: int = 200
) -> dict[str, Any]:
    payload = {"question": question, "session_id": session_id, "now": now.now.isoformat()}
    response = httpx.post(f"{url}/v1/ask", json=payload, timeout=120)
    assert response.status_code == expect, response.text
    body: dict[str, Any] = response.json()
    return body


def test_a_follow_up_on_the_other_replica_inherits_the_plan(
    two_agents: tuple[str, str], seeded_demo: GroundTruth
) -> None:
    a, b = two_agents
    first = ask(a, FIRST, "shared-1", seeded_demo)
    assert first["plan"]["services"] == ["order-service"]
    second = ask(b, FOLLOW_UP, "shared-1", seeded_demo)
    assert second["plan"]["services"] == ["order-service"]
    assert second["plan"]["metric"] == "memory"
    assert second["plan"]["start"] == first["plan"]["start"]
    # The same follow-up in a conversation nobody started has no service to refer to.
    alone = ask(b, FOLLOW_UP, "fresh-1", seeded_demo)
    assert alone["plan"]["services"] != ["order-service"]


def test_a_postgres_restart_fails_clearly_then_recovers_without_restarting_opslens(
    two_agents: tuple[str, str], seeded_demo: GroundTruth, postgres_backend: PostgresBackend
) -> None:
    a, b = two_agents
    first = ask(a, FIRST, "restart-1", seeded_demo)
    postgres_backend.stop()
    try:
        down = ask(b, FOLLOW_UP, "restart-1", seeded_demo, expect=503)
        assert "conversation store" in down["detail"]
        assert f"127.0.0.1:{postgres_backend.port}" in down["detail"]
        assert postgres_backend.password not in down["detail"]
    finally:
        postgres_backend.start()
    for url in (a, b):  # both replicas recover, and the conversation from before is intact
        again = ask(url, FOLLOW_UP, "restart-1", seeded_demo)
        assert again["plan"]["services"] == ["order-service"]
        assert again["plan"]["start"] == first["plan"]["start"]


async def test_an_unreachable_store_is_named_at_start(postgres_backend: PostgresBackend) -> None:
    url = postgres_backend.url.replace(f":{postgres_backend.port}/", f":{free_port()}/")
    with pytest.raises(StoreUnavailable, match=r"conversation store.*Postgres at") as raised:
        async with open_checkpointer(url):
            pass
    assert postgres_backend.password not in str(raised.value)


async def test_a_schema_newer_than_this_opslens_is_refused(postgres_url: str) -> None:
    async with open_checkpointer(postgres_url):
        pass  # migrates the empty database
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute("INSERT INTO checkpoint_migrations (v) VALUES (999)")
    with pytest.raises(StoreSchemaError, match="version 999, newer than this opslens"):
        async with open_checkpointer(postgres_url):
            pass


def stream_stopping_postgres(
    url: str, session_id: str, now: GroundTruth, postgres: PostgresBackend
) -> list[tuple[str, str]]:
    """Ask over SSE; stop Postgres once the first step is done; restart it at the end."""
    payload = {"question": SLOW, "session_id": session_id, "now": now.now.isoformat()}
    events: list[tuple[str, str]] = []
    try:
        with httpx.stream("POST", f"{url}/v1/ask/stream", json=payload, timeout=120) as response:
            kind = ""
            for line in response.iter_lines():
                if line.startswith("event: "):
                    kind = line.removeprefix("event: ")
                elif line.startswith("data: "):
                    events.append((kind, line.removeprefix("data: ")))
                    if kind == "step" and '"done"' in line and postgres.alive():
                        postgres.stop()
    finally:
        postgres.start()
    return events


def test_postgres_stopping_mid_question_fails_that_question_clearly(
    two_agents: tuple[str, str], seeded_demo: GroundTruth, postgres_backend: PostgresBackend
) -> None:
    a, _ = two_agents
    for attempt in range(3):  # a question may finish before the stop takes effect: ask again
        events = stream_stopping_postgres(a, f"mid-{attempt}", seeded_demo, postgres_backend)
        if events[-1][0] != "result":
            break
    assert any(kind == "step" and '"done"' in data for kind, data in events), events
    kind, data = events[-1]
    assert kind == "error", events[-3:]
    assert "conversation store" in data and postgres_backend.password not in data
    # The next question works without a restart; the pool may take a few seconds to reconnect
    # (a 503 until then, which a client retries).
    deadline = time.monotonic() + 30
    payload = {"question": SLOW, "session_id": "after-mid", "now": seeded_demo.now.isoformat()}
    again = httpx.post(f"{a}/v1/ask", json=payload, timeout=120)
    while again.status_code == 503 and time.monotonic() < deadline:
        time.sleep(1)
        again = httpx.post(f"{a}/v1/ask", json=payload, timeout=120)
    assert again.status_code == 200, again.text
    assert again.json()["answer"]
