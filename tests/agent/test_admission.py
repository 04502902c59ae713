"""A saturated agent replica refuses at once with 503 and Retry-After; what it admits answers."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from opslens.agent.service import create_agent_app
from opslens.devstack.asgi import serve
from opslens.scenarios.truth import GroundTruth
from tests.conftest import DemoServers, demo_agent_settings

pytestmark = pytest.mark.integration

QUESTION = "order-service error logs in the last hour"


async def ask_at_once(url: str, now: str, count: int) -> list[httpx.Response]:
    async with httpx.AsyncClient(base_url=url, timeout=120) as http:
        payload = {"question": QUESTION, "now": now}
        asks = (http.post("/v1/ask", json=payload) for _ in range(count))
        return list(await asyncio.gather(*asks))


def test_questions_beyond_slots_and_line_get_503_with_retry_after(
    demo_servers: DemoServers, seeded_demo: GroundTruth
) -> None:
    settings = demo_agent_settings(
        demo_servers, max_concurrent_questions=1, max_queued_questions=1, queue_wait_s=60
    )
    with serve(create_agent_app(settings)) as url:
        responses = asyncio.run(ask_at_once(url, seeded_demo.now.isoformat(), 6))
    answered = [r for r in responses if r.status_code == 200]
    refused = [r for r in responses if r.status_code == 503]
    # One runs and one waits its turn; those arriving meanwhile find the line full (a question
    # that finishes before the last ones arrive frees room, hence no exact split).
    assert len(answered) + len(refused) == 6, [r.status_code for r in responses]
    assert len(answered) >= 2 and len(refused) >= 1, [r.status_code for r in responses]
    assert all(r.json()["answer"] for r in answered)
    for response in refused:
        assert int(response.headers["retry-after"]) >= 1
        assert "saturated" in response.json()["detail"]
