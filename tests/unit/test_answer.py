"""Template answers: what could not be read is said once, last, and in the question's language."""

from __future__ import annotations

import ast
from pathlib import Path
from string import Formatter

import pytest

from opslens.agent import answer
from opslens.agent.answer import PURPOSES, Fact, render_answer
from opslens.agent.toolbox import ToolCall

AGENT_SOURCES = Path(answer.__file__).parent


def named_purposes() -> set[str]:
    """The purposes the agent's code gives its tool calls: the fourth argument of every
    ``ToolCall(...)`` and ``run.call(...)``, which must be a literal (not an f-string)."""
    found: set[str] = set()
    for source in AGENT_SOURCES.rglob("*.py"):
        for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call) or len(node.args) < 4:
                continue
            callee = ast.unparse(node.func)
            if callee in ("ToolCall", "run.call", "self.run.call"):
                purpose = node.args[3]
                if isinstance(purpose, ast.Name):
                    continue  # passed on from a caller, which names it
                assert isinstance(purpose, ast.Constant), f"{source.name}: {ast.unparse(purpose)}"
                found.add(purpose.value)
    return found


def fields(template: str) -> set[str]:
    return {name for _, name, _, _ in Formatter().parse(template) if name}


def test_the_agent_names_its_purposes() -> None:
    # The collection itself: calls in the correlation, metrics and anomaly steps.
    assert {"error logs", "{measure} of {service}", "anomaly check: {tool}"} <= named_purposes()


@pytest.mark.parametrize("purpose", sorted(named_purposes()))
def test_every_purpose_has_korean_words_with_the_same_names(purpose: str) -> None:
    korean = PURPOSES.get(purpose, {}).get("ko")
    assert korean, f"no Korean wording for {purpose!r} in messages.yaml"
    assert fields(korean) == fields(purpose)
    assert any("가" <= char <= "힣" for char in korean), korean


def test_a_purpose_is_worded_in_each_language() -> None:
    call = ToolCall(
        "prometheus",
        "red_summary",
        {},
        "{measure} of {service}",
        {"measure": "error_ratio", "service": "*"},
    )
    assert call.describe() == "error ratio of all services"
    assert call.describe("ko") == "전체 서비스의 에러율"
    assert call.as_dict()["purpose"] == "error ratio of all services"


def test_missing_evidence_is_one_sentence_after_the_rest() -> None:
    facts = [
        Fact("missing", {"what": "메트릭", "reason": "prometheus did not answer in 4s"}),
        Fact("logs.count", {"count": 3, "services": ["order-service"], "level": "error"}),
        Fact("missing", {"what": "에러 로그 (opensearch)", "reason": "not run"}),
    ]
    lines = render_answer(facts, "ko").splitlines()
    assert lines[0] == Fact("logs.count", facts[1].values).render("ko")
    assert lines[1] == (
        "조회 실패: 메트릭 (prometheus did not answer in 4s); 에러 로그 (opensearch) (not run). "
        "나머지 결과로 답변합니다."
    )
    assert len(lines) == 2


def test_one_missing_fact_renders_on_its_own() -> None:
    fact = Fact("missing", {"what": "metrics", "reason": "refused"})
    assert fact.render("en") == "Not available: metrics (refused). The answer uses the rest."
    assert fact.render("ko") == "조회 실패: 메트릭 (refused). 나머지 결과로 답변합니다."
