"""Understanding generalises: >= 95% of plan fields right on new phrasings, in both languages."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from opslens.agent.plan import Plan
from opslens.agent.understanding import OfflinePlanner
from opslens_eval.questions.catalogs import Catalog
from opslens_eval.questions.scoring import (
    HIGH_CONFIDENCE,
    FieldCheck,
    check_fields,
    conversations,
)

MIN_ACCURACY = 0.95
MIN_CASES = 120
MAX_CONFIDENTLY_WRONG = 0.02


def _run(
    generalization: dict[str, Any], catalogs: dict[str, Catalog]
) -> list[tuple[str, Plan, list[FieldCheck]]]:
    now = datetime.fromisoformat(generalization["now"])
    planners: dict[str, OfflinePlanner] = {}
    results = []
    for conversation in conversations(generalization):
        previous: Plan | None = None
        for turn in conversation:
            name = conversation[0].get("catalog", "demo")
            if name not in planners:
                catalog = catalogs[name]
                planners[name] = OfflinePlanner(
                    catalog.services, catalog.namespaces, generalization["timezone"]
                )
            plan = planners[name].plan(turn["q"], now, previous)
            results.append((turn["q"], plan, check_fields(plan, turn["expect"], True)))
            previous = plan
    return results


def test_enough_new_phrasings(
    generalization: dict[str, Any], public_questions: dict[str, Any]
) -> None:
    asked = [turn["q"] for conversation in conversations(generalization) for turn in conversation]
    samples = {question["q"] for question in public_questions["questions"]}
    assert len(asked) >= MIN_CASES
    assert not samples & set(asked), "the generalization set must not copy the samples"
    assert len(set(asked)) == len(asked)


def test_field_accuracy_at_least_95_percent_in_each_language(
    generalization: dict[str, Any], catalogs: dict[str, Catalog]
) -> None:
    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    failures = []
    for question, plan, checks in _run(generalization, catalogs):
        for check in checks:
            for group in ("all", plan.language):
                totals[group][0] += check.ok
                totals[group][1] += 1
            if not check.ok:
                failures.append(
                    f"{question!r}: {check.field} = {check.actual!r}, expected {check.expected!r}"
                )
    accuracy = {group: right / total for group, (right, total) in totals.items()}
    print(
        f"\nfield accuracy: { {g: round(a, 4) for g, a in accuracy.items()} }, "
        f"fields: { {g: t for g, (_, t) in totals.items()} }"
    )
    print("\n".join(failures) or "no failures")
    assert set(accuracy) == {"all", "en", "ko"}
    for group, value in accuracy.items():
        assert value >= MIN_ACCURACY, f"{group}: {value:.3f}\n" + "\n".join(failures)


def test_intents_are_all_covered(generalization: dict[str, Any]) -> None:
    intents = {
        turn["expect"]["intent"]
        for conversation in conversations(generalization)
        for turn in conversation
    }
    assert intents == {"logs", "traces", "metrics", "k8s", "correlate", "anomaly"}


def test_wrong_plans_are_rarely_given_high_confidence(
    generalization: dict[str, Any], catalogs: dict[str, Catalog]
) -> None:
    """Of the plans given high confidence (no model asked), under 2% are wrong; cases whose
    words the plan cannot express expect ``low_confidence`` and so count when they are not."""
    confident = [
        (question, checks)
        for question, plan, checks in _run(generalization, catalogs)
        if plan.confidence >= HIGH_CONFIDENCE
    ]
    wrong = [question for question, checks in confident if not all(c.ok for c in checks)]
    share = len(wrong) / len(confident)
    print(f"\nconfidently wrong: {len(wrong)} of {len(confident)} ({share:.2%})")
    assert share < MAX_CONFIDENTLY_WRONG, wrong
