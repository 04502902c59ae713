"""How long the offline planner takes per question: p50/p95/max over every test question.

Run from the repository root::

    .venv/bin/python bench/planner.py [--rounds 20] [--json]

Questions: ../shared/eval/questions-public.yaml (or beside $OPSLENS_SHARED_DATA) and the
generalization set in tests/agent_understanding/generalization.yaml, each planned against the
catalog its test uses. Wall-clock and CPU time are both reported: on a shared machine the
wall-clock tail includes time the process was not scheduled. Also reported: the one-off cost
of importing the planner (regex compilation) and of building the planners for all catalogs, and
the share of the generalization set's plans given high confidence (no model asked) that are
wrong (the goal is under 2%).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml

from opslens_eval.questions.catalogs import (
    demo_catalog_from_header,
    hotrod_catalog,
    openshift_catalog,
    oteldemo_catalog,
    public_questions_path,
    trainticket_catalog,
)
from opslens_eval.questions.scoring import (
    HIGH_CONFIDENCE,
    check_fields,
    conversations,
)

REPO_ROOT = Path(__file__).resolve().parents[1]


def _shared_data() -> Path:
    configured = os.environ.get("OPSLENS_SHARED_DATA")
    return Path(configured) if configured else REPO_ROOT.parent / "shared" / "data"


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20, help="times each question is planned")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args()

    started = time.perf_counter()
    from opslens.agent.understanding import OfflinePlanner

    import_ms = (time.perf_counter() - started) * 1000

    shared = _shared_data()
    public_file = public_questions_path(shared)
    catalogs = {
        "demo": demo_catalog_from_header(public_file.read_text()),
        "trainticket": trainticket_catalog(shared),
        "hotrod": hotrod_catalog(shared),
        "oteldemo": oteldemo_catalog(shared),
        "openshift": openshift_catalog(shared),
    }
    generalization: dict[str, Any] = yaml.safe_load(
        (REPO_ROOT / "tests" / "agent_understanding" / "generalization.yaml").read_text()
    )
    timezone = generalization["timezone"]
    now = datetime.fromisoformat(generalization["now"])

    started = time.perf_counter()
    planners = {
        name: OfflinePlanner(c.services, c.namespaces, timezone) for name, c in catalogs.items()
    }
    build_ms = (time.perf_counter() - started) * 1000

    questions = [("demo", q["q"]) for q in yaml.safe_load(public_file.read_text())["questions"]]
    for conversation in conversations(generalization):
        catalog = conversation[0].get("catalog", "demo")
        questions += [(catalog, turn["q"]) for turn in conversation]

    timings: list[float] = []
    cpu_timings: list[float] = []
    for _ in range(args.rounds):
        for catalog, question in questions:
            started, cpu_started = time.perf_counter(), time.thread_time()
            planners[catalog].plan(question, now)
            cpu_timings.append((time.thread_time() - cpu_started) * 1000)
            timings.append((time.perf_counter() - started) * 1000)

    # Honest confidence: of the plans trusted without a model, the share that is wrong.
    confident = wrong = 0
    for conversation in conversations(generalization):
        planner, previous = planners[conversation[0].get("catalog", "demo")], None
        for turn in conversation:
            plan = planner.plan(turn["q"], now, previous)
            previous = plan
            if plan.confidence >= HIGH_CONFIDENCE:
                confident += 1
                wrong += not all(check.ok for check in check_fields(plan, turn["expect"], True))

    report = {
        "questions": len(questions),
        "plans": len(timings),
        "p50_ms": round(statistics.median(timings), 3),
        "p95_ms": round(_percentile(timings, 0.95), 3),
        "max_ms": round(max(timings), 3),
        "cpu_p50_ms": round(statistics.median(cpu_timings), 3),
        "cpu_p95_ms": round(_percentile(cpu_timings, 0.95), 3),
        "import_ms": round(import_ms, 1),
        "build_all_planners_ms": round(build_ms, 2),
        "high_confidence_plans": confident,
        "confidently_wrong_share": round(wrong / confident, 4) if confident else 0.0,
    }
    if args.json:
        print(json.dumps(report))
        return
    for key, value in report.items():
        print(f"{key:>22}: {value}")


if __name__ == "__main__":
    main()
