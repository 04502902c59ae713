"""Every public sample question gets the plan fields it lists (../shared/eval)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from opslens.agent.understanding import OfflinePlanner
from opslens_eval.questions.catalogs import Catalog
from opslens_eval.questions.scoring import check_fields

NOW = datetime(2026, 11, 25, 14, 30, tzinfo=ZoneInfo("Asia/Seoul"))


def test_every_public_question_gets_its_plan_fields(
    public_questions: dict[str, Any], catalogs: dict[str, Catalog]
) -> None:
    demo = catalogs["demo"]
    planner = OfflinePlanner(demo.services, demo.namespaces, "Asia/Seoul")
    failures = []
    for question in public_questions["questions"]:
        plan = planner.plan(question["q"], NOW)
        for check in check_fields(plan, question["plan"], services_default=False):
            if not check.ok:
                failures.append(
                    f"{question['q']!r}: {check.field} {check.actual!r}, "
                    f"expected {check.expected!r}"
                )
    assert len(public_questions["questions"]) >= 20
    assert not failures, "\n".join(failures)


def test_window_ends_now_unless_said(
    public_questions: dict[str, Any], catalogs: dict[str, Catalog]
) -> None:
    demo = catalogs["demo"]
    planner = OfflinePlanner(demo.services, demo.namespaces, "Asia/Seoul")
    for question in public_questions["questions"]:
        if "window" in question["plan"]:
            assert planner.plan(question["q"], NOW).end == NOW, question["q"]
