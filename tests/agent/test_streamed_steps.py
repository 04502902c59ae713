"""The steps streamed while the agent works say what they found in the question's language."""

from __future__ import annotations

import json
import re
from typing import Any

import httpx
import pytest

from opslens.scenarios.truth import GroundTruth

pytestmark = pytest.mark.integration

HANGUL = re.compile(r"[\uac00-\ud7a3]")


def streamed_steps(agent_url: str, question: str, now: str) -> dict[str, str]:
    """Each finished step's detail, by step, from ``/v1/ask/stream``."""
    payload = {"question": question, "now": now}
    response = httpx.post(f"{agent_url}/v1/ask/stream", json=payload, timeout=120)
    assert response.status_code == 200
    details: dict[str, str] = {}
    for block in response.text.split("\n\n"):
        lines = dict(line.split(": ", 1) for line in block.splitlines() if ": " in line)
        if lines.get("event") == "step":
            step: dict[str, Any] = json.loads(lines["data"])
            if step["status"] == "done":
                details[step["step"]] = step["detail"]
    return details


@pytest.mark.parametrize(
    ("question", "understood", "executed"),
    [
        (
            "지난 1시간 order-service 에러 로그 보여줘",
            "order-service의 로그",
            re.compile(r"^지금까지 도구 호출 \d+건$"),
        ),
        (
            "order-service error logs in the last hour",
            "logs of order-service",
            re.compile(r"^\d+ tool calls? so far$"),
        ),
    ],
)
def test_step_details_speak_the_question_s_language(
    agent_url: str,
    seeded_demo: GroundTruth,
    question: str,
    understood: str,
    executed: re.Pattern[str],
) -> None:
    details = streamed_steps(agent_url, question, seeded_demo.now.isoformat())
    assert details["understand"] == understood
    assert executed.match(details["execute"]), details
    korean = bool(HANGUL.search(question))
    assert all(bool(HANGUL.search(detail)) == korean for detail in details.values() if detail)
