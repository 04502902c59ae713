"""The agent service with a scripted chat model over the real demo backends: at most two model
calls per question (plan, summary), tokens counted, malformed output never breaks an answer."""

from __future__ import annotations

import json

import httpx
import pytest

from opslens.agent.service import create_agent_app
from opslens.devstack.asgi import serve
from opslens.scenarios.truth import GroundTruth
from tests.agent.fake_models import ScriptedChatModel, gemini_message
from tests.conftest import DemoServers, demo_agent_settings

pytestmark = pytest.mark.integration

QUESTION = "checkout keeps failing, which service is behind it?"


def ask(url: str, truth: GroundTruth) -> dict[str, object]:
    payload = {"question": QUESTION, "now": truth.now.isoformat()}
    response = httpx.post(f"{url}/v1/ask", json=payload, timeout=120)
    assert response.status_code == 200, response.text
    body: dict[str, object] = response.json()
    return body


def test_plan_and_summary_from_the_model(
    demo_servers: DemoServers, seeded_demo: GroundTruth
) -> None:
    fault = seeded_demo.fault("dependency_down")
    draft = {"intent": "correlate", "services": [], "level": "error"}
    summary = f"The errors start in {fault.root_cause_service}, which cannot reach its database."
    model = ScriptedChatModel.scripted(
        gemini_message(json.dumps(draft), 900, 40), gemini_message(summary, 2400, 30)
    )
    settings = demo_agent_settings(demo_servers, llm_mode="always")
    with serve(create_agent_app(settings, model=model)) as url:
        body = ask(url, seeded_demo)
    assert body["plan"]["intent"] == "correlate"  # type: ignore[index]
    assert body["answer"] == summary
    assert body["llm"] == {  # type: ignore[comparison-overlap]
        "calls": 2,
        "input_tokens": 3300,
        "output_tokens": 70,
        "fallbacks": [],
    }
    assert body["correlation"]["root_cause"] == fault.root_cause_service  # type: ignore[index]


def test_malformed_model_output_falls_back(
    demo_servers: DemoServers, seeded_demo: GroundTruth
) -> None:
    model = ScriptedChatModel.scripted(
        gemini_message('{"intent": "correlate", "services": [}'),
        gemini_message("Errors rose by 97% in 12 services."),  # numbers not in the evidence
    )
    settings = demo_agent_settings(demo_servers, llm_mode="always")
    with serve(create_agent_app(settings, model=model)) as url:
        body = ask(url, seeded_demo)
    llm = body["llm"]
    assert llm["calls"] == 2  # type: ignore[index]
    assert len(llm["fallbacks"]) == 2  # type: ignore[index, arg-type]
    assert "97%" not in str(body["answer"])
    assert body["answer"]
