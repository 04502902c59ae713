"""Asking the real agent service (over HTTP) about the seeded demo scenario."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from opslens.scenarios.truth import GroundTruth

Ask = Callable[..., dict[str, Any]]


@pytest.fixture(scope="session")
def ask(agent_url: str, seeded_demo: GroundTruth) -> Ask:
    """POST /v1/ask with "now" pinned to the scenario's now."""

    def _ask(question: str, session_id: str | None = None, **extra: Any) -> dict[str, Any]:
        payload = {"question": question, "now": seeded_demo.now.isoformat(), **extra}
        if session_id:
            payload["session_id"] = session_id
        response = httpx.post(f"{agent_url}/v1/ask", json=payload, timeout=120)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    return _ask


@pytest.fixture(scope="session")
def public_questions(shared_data: Path) -> list[dict[str, Any]]:
    path = shared_data.parent / "eval" / "questions-public.yaml"
    questions: list[dict[str, Any]] = yaml.safe_load(path.read_text(encoding="utf-8"))["questions"]
    return questions
