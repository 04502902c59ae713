"""Every public sample question, asked of the real agent over the seeded demo scenario.

Plans are compared with the fields the question file lists; evidence with the scenario's
ground truth (never with numbers typed here).
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

import pytest

from opslens.scenarios.truth import GroundTruth
from tests.agent.conftest import Ask

pytestmark = pytest.mark.integration

HANGUL = re.compile(r"[\uac00-\ud7a3]")


def _duration(text: str) -> timedelta:
    number, unit = int(text[:-1]), text[-1]
    return timedelta(**{{"m": "minutes", "h": "hours", "d": "days"}[unit]: number})


def check_plan(plan: dict[str, Any], expected: dict[str, Any]) -> list[str]:
    problems = []
    for field, value in expected.items():
        if field == "window":
            actual = datetime.fromisoformat(plan["end"]) - datetime.fromisoformat(plan["start"])
            if actual != _duration(value):
                problems.append(f"window {actual} != {value}")
        elif plan.get(field) != value:
            problems.append(f"{field} {plan.get(field)!r} != {value!r}")
    return problems


def test_every_public_question_gets_its_plan(
    ask: Ask, public_questions: list[dict[str, Any]]
) -> None:
    failures = []
    for item in public_questions:
        body = ask(item["q"])
        problems = check_plan(body["plan"], item["plan"])
        if problems:
            failures.append(f"{item['q']}: {problems}")
        if item["plan"].get("language") == "ko":
            assert HANGUL.search(body["answer"]), f"not answered in Korean: {item['q']}"
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize(
    "question",
    [
        "show the error logs from order-service in the last 3 hours",
        "지난 3시간 동안 order-service에서 발생한 에러 로그 보여줘",
    ],
)
def test_error_logs_count_equals_ground_truth(
    ask: Ask, seeded_demo: GroundTruth, question: str
) -> None:
    body = ask(question)
    now = seeded_demo.now
    expected = seeded_demo.error_logs("order-service", now - timedelta(hours=3), now)
    logs = body["evidence"]["logs"]
    assert logs["total"] == expected
    assert logs["records"], "the lines themselves are shown"
    assert {record["service"] for record in logs["records"]} == {"order-service"}
    assert all(record["level"].lower() == "error" for record in logs["records"])
    assert str(expected) in body["answer"]
    assert any(q["backend"] == "opensearch" and q["native"] for q in body["queries"])


@pytest.mark.parametrize(
    "question",
    [
        "find and analyse the traces related to order-service's error logs",
        "order-service의 에러 로그와 관련된 트레이스를 찾아서 분석해줘",
        "which service is the root cause of the checkout errors?",
    ],
)
def test_combined_question_finds_the_injected_root_cause(
    ask: Ask, seeded_demo: GroundTruth, question: str
) -> None:
    fault = seeded_demo.fault("dependency_down")
    body = ask(question)
    correlation = body["correlation"]
    assert correlation["root_cause"] == fault.root_cause_service
    assert correlation["origins"][0]["dependency"] == fault.dependency
    failed = set(seeded_demo.failed_trace_ids())
    assert correlation["trace_ids_from_logs"], "trace ids were taken from the logs"
    assert set(correlation["trace_ids_from_logs"]) <= failed
    assert fault.root_cause_service in body["answer"]
    assert body["evidence"]["traces"]["trees"], "the traces themselves are shown"


def test_slow_product_traces_fall_in_the_latency_fault(ask: Ask, seeded_demo: GroundTruth) -> None:
    fault = seeded_demo.fault("latency")
    body = ask("show traces of product-service with slow API calls")
    traces = body["evidence"]["traces"]
    assert traces["threshold_ms"] is not None and traces["threshold_ms"] < 500
    assert traces["summaries"]
    for summary in traces["summaries"][:10]:
        start = datetime.fromisoformat(summary["start"])
        assert fault.start <= start <= fault.end, summary
    # No time range given: the window looked at is the one the note names, and the answer says.
    plan = body["plan"]
    start, end = datetime.fromisoformat(plan["start"]), datetime.fromisoformat(plan["end"])
    assert plan["window_defaulted"] and end - start == timedelta(hours=6)
    assert any("using the last 6 hours (the default for traces)" in n for n in plan["notes"])
    scope = f"from {start.isoformat(timespec='minutes')} to {end.isoformat(timespec='minutes')}"
    assert scope in body["answer"]


@pytest.mark.parametrize(
    ("question", "service", "min_ms", "window"),
    [
        ("traces slower than 500ms for frontend in the last 3 hours", "frontend", 500, "3h"),
        ("frontend에서 1초 이상 걸린 트레이스 보여줘", "frontend", 1000, None),
    ],
)
def test_slow_trace_counts_equal_ground_truth(
    ask: Ask,
    seeded_demo: GroundTruth,
    question: str,
    service: str,
    min_ms: int,
    window: str | None,
) -> None:
    body = ask(question)
    plan = body["plan"]
    start, end = datetime.fromisoformat(plan["start"]), datetime.fromisoformat(plan["end"])
    expected = seeded_demo.slow_traces(service, min_ms, max(start, seeded_demo.start), end)
    assert body["evidence"]["traces"]["threshold_ms"] == min_ms
    assert len(body["evidence"]["traces"]["summaries"]) == min(expected, 20)
    assert str(expected) in body["answer"]


def test_restarted_pods_come_with_their_reason(ask: Ask, seeded_demo: GroundTruth) -> None:
    body = ask("which pods restarted in the last 6 hours?")
    restarted = {pod.name: pod for pod in seeded_demo.restarted_pods()}
    shown = {pod["name"]: pod for pod in body["evidence"]["k8s"]["pods"] if pod["restarts"]}
    assert set(shown) == set(restarted)
    for name, pod in restarted.items():
        assert shown[name]["restarts"] == pod.restarts
        assert shown[name]["last_termination_reason"] == pod.last_termination_reason


def test_why_did_inventory_restart(ask: Ask, seeded_demo: GroundTruth) -> None:
    body = ask("inventory-service 파드가 왜 재시작됐어?")
    reasons = {pod.last_termination_reason for pod in seeded_demo.restarted_pods()}
    assert "OOMKilled" in reasons
    assert "OOMKilled" in body["answer"]
    assert HANGUL.search(body["answer"])


def test_crashloop_pods_are_exactly_those(ask: Ask, seeded_demo: GroundTruth) -> None:
    body = ask("list pods in CrashLoopBackOff")
    expected = {pod.name for pod in seeded_demo.pods if pod.state == "CrashLoopBackOff"}
    shown = {
        pod["name"]
        for pod in body["evidence"]["k8s"]["pods"]
        if pod["status"] == "CrashLoopBackOff"
    }
    assert shown == expected


def test_service_with_most_errors(ask: Ask, seeded_demo: GroundTruth) -> None:
    body = ask("어떤 서비스에서 에러가 가장 많이 났어?")
    plan = body["plan"]
    start, end = datetime.fromisoformat(plan["start"]), datetime.fromisoformat(plan["end"])
    counts = {
        service: seeded_demo.error_logs(service, start, end) for service in seeded_demo.series
    }
    top = max(counts, key=lambda name: counts[name])
    by_service = body["evidence"]["logs"]["by_service"]
    assert by_service[0]["service"] == top
    assert by_service[0]["count"] == counts[top]
    assert top in body["answer"]


def test_today_count_from_midnight(ask: Ask, seeded_demo: GroundTruth) -> None:
    body = ask("오늘 payment-service 에러 로그 몇 개야?")
    plan = body["plan"]
    start = datetime.fromisoformat(plan["start"])
    assert (start.hour, start.minute) == (0, 0)
    expected = seeded_demo.error_logs(
        "payment-service", max(start, seeded_demo.start), seeded_demo.now
    )
    assert body["evidence"]["logs"]["total"] == expected


def test_error_rate_series_show_the_outage(ask: Ask, seeded_demo: GroundTruth) -> None:
    fault = seeded_demo.fault("dependency_down")
    body = ask("payment-service 에러율 지난 1시간")
    series = body["evidence"]["metrics"]["series"]
    assert series and series[0]["promql"]
    inside = [
        v for ts, v in series[0]["points"] if fault.start.timestamp() < ts <= fault.end.timestamp()
    ]
    outside = [v for ts, v in series[0]["points"] if ts > fault.end.timestamp() + 300]
    assert inside and max(inside) > 0.5
    assert not outside or max(outside) < 0.05


def test_follow_up_reuses_services_and_window(ask: Ask) -> None:
    first = ask("show the error logs from order-service in the last 3 hours", session_id="s-follow")
    second = ask("그 서비스의 메모리는?", session_id="s-follow")
    assert second["plan"]["services"] == ["order-service"]
    assert second["plan"]["intent"] == "metrics"
    assert second["plan"]["metric"] == "memory"
    assert second["plan"]["start"] == first["plan"]["start"]


def test_unknown_service_lists_the_known_ones(ask: Ask, seeded_demo: GroundTruth) -> None:
    body = ask("show error logs of billing-service")
    assert "billing-service" in body["plan"]["unknown_services"]
    assert "order-service" in body["answer"]
