"""Questions SREs ask that need more than one service and one window: fleet rankings with a
threshold, comparisons with an earlier window, an endpoint filter, ranges counted back from now,
compound durations and an operator's root-cause paraphrase. Asked of the real agent over the
seeded demo; checked against the scenario's ground truth."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest

from opslens.scenarios.truth import GroundTruth
from tests.agent.conftest import Ask

pytestmark = pytest.mark.integration

HANGUL = re.compile(r"[\uac00-\ud7a3]")
CLEARLY_ABOVE, CLEARLY_BELOW = 0.07, 0.03  # around the 5% asked, rate windows blur the edge


def _window(plan: dict[str, object]) -> tuple[datetime, datetime]:
    return datetime.fromisoformat(str(plan["start"])), datetime.fromisoformat(str(plan["end"]))


@pytest.mark.parametrize(
    "question",
    [
        "which services had an error rate above 5% in the last hour?",  # the example
        "list the services whose error ratio went over 5% during the past hour",
    ],
)
def test_services_above_an_error_rate_are_named(
    ask: Ask, seeded_demo: GroundTruth, question: str
) -> None:
    body = ask(question)
    plan = body["plan"]
    assert plan["intent"] == "metrics" and plan["metric"] == "error_rate"
    assert plan["group_by"] == "service"
    assert plan["threshold"] == {"comparison": "above", "value": 5.0, "unit": "percent"}
    start, end = _window(plan)
    truth = {
        service: seeded_demo.errors(service, start, end) / requests
        for service in seeded_demo.series
        if (requests := seeded_demo.requests(service, start, end))
    }
    fleet = body["evidence"]["metrics"]["fleet"]
    passing = {row["service"] for row in fleet["services"] if row["passes"]}
    assert {s for s, ratio in truth.items() if ratio > CLEARLY_ABOVE} <= passing
    assert not {s for s, ratio in truth.items() if ratio < CLEARLY_BELOW} & passing
    assert passing, "the outage pushes some service over 5%"
    for service in passing:
        assert service in body["answer"]
    assert "above 5%" in body["answer"]


@pytest.mark.parametrize(
    "question",
    [
        "which service has the highest p99 latency right now?",
        "what service currently shows the worst p99 latency?",
    ],
)
def test_highest_p99_ranks_every_service(ask: Ask, seeded_demo: GroundTruth, question: str) -> None:
    body = ask(question)
    plan = body["plan"]
    assert (plan["group_by"], plan["order"], plan["metric"]) == ("service", "desc", "latency_p99")
    start, end = _window(plan)
    fleet = body["evidence"]["metrics"]["fleet"]
    ranked = [row["service"] for row in fleet["services"]]
    serving = {s for s in seeded_demo.series if seeded_demo.requests(s, start, end)}
    assert set(ranked) == serving
    values = [row["value"] for row in fleet["services"] if row["value"] is not None]
    assert values == sorted(values, reverse=True)
    assert f"{ranked[0]} ranks first" in body["answer"]


@pytest.mark.parametrize(
    "question",
    [
        "is product-service slower than it was 3 hours ago?",
        "has product-service got slower compared with 3 hours ago?",
    ],
)
def test_comparison_outside_the_fault_is_not_a_change(
    ask: Ask, seeded_demo: GroundTruth, question: str
) -> None:
    fault = seeded_demo.fault("latency")
    body = ask(question)
    plan = body["plan"]
    start, end = _window(plan)
    base_start = datetime.fromisoformat(plan["baseline_start"])
    assert start - base_start == timedelta(hours=3)
    assert end <= fault.start or start >= fault.end  # neither window holds the slowdown
    assert base_start + (end - start) <= fault.start or base_start >= fault.end
    [comparison] = body["evidence"]["metrics"]["comparisons"]
    assert comparison["service"] == "product-service" and not comparison["significant"]
    assert "About the same" in body["answer"]


def test_comparison_over_the_fault_is_a_real_increase(ask: Ask, seeded_demo: GroundTruth) -> None:
    fault = seeded_demo.fault("latency")
    asked_at = fault.end  # the last hour then holds the slowdown, 2 hours earlier did not
    body = ask("product-service p95 응답 시간이 2시간 전보다 느려졌어?", now=asked_at.isoformat())
    [comparison] = body["evidence"]["metrics"]["comparisons"]
    assert comparison["significant"] and comparison["current"] > comparison["baseline"]
    assert "의미 있는 증가" in body["answer"]


@pytest.mark.parametrize(
    "question",
    [
        "slow POST /api/checkout traces in the last 3 hours",
        "slowest traces through POST /api/checkout over the past 3 hours",
    ],
)
def test_slow_traces_of_one_endpoint(ask: Ask, seeded_demo: GroundTruth, question: str) -> None:
    body = ask(question)
    assert body["plan"]["operation"] == "POST /api/checkout"
    summaries = body["evidence"]["traces"]["summaries"]
    assert summaries
    assert {summary["root_operation"] for summary in summaries} == {"POST /api/checkout"}


@pytest.mark.parametrize(
    "question",
    [
        "order-service error logs between 2 and 1 hours ago",
        "order-service 에러 로그 2시간 전부터 1시간 전까지",
        "error logs of order-service from 2 hours ago to 1 hour ago",
        "order-service 에러 로그, 두 시간 전과 한 시간 전 사이",
    ],
)
def test_range_counted_back_from_now(ask: Ask, seeded_demo: GroundTruth, question: str) -> None:
    body = ask(question)
    start, end = _window(body["plan"])
    now = seeded_demo.now
    assert (start, end) == (now - timedelta(hours=2), now - timedelta(hours=1))
    assert body["evidence"]["logs"]["total"] == seeded_demo.error_logs("order-service", start, end)


def test_reversed_range_is_read_earliest_first(ask: Ask, seeded_demo: GroundTruth) -> None:
    body = ask("order-service errors between 1 and 2 hours ago")
    start, end = _window(body["plan"])
    assert end - start == timedelta(hours=1)
    assert any("wrong way round" in note for note in body["plan"]["notes"])


@pytest.mark.parametrize(
    "question",
    [
        "errors in order-service over the past day and a half",
        "order-service error logs for the last one and a half days",
        "order-service 에러 로그 지난 하루 반",
    ],
)
def test_compound_duration(ask: Ask, seeded_demo: GroundTruth, question: str) -> None:
    body = ask(question)
    start, end = _window(body["plan"])
    assert end - start == timedelta(hours=36)
    expected = seeded_demo.error_logs("order-service", max(start, seeded_demo.start), end)
    assert body["evidence"]["logs"]["total"] == expected


@pytest.mark.parametrize(
    "question",
    [
        "We got paged for checkout failures about 40 minutes ago - can you tell me what broke and "
        "where it started?",
        "I was paged about failed checkouts roughly 35 minutes ago, what broke and where did it "
        "start?",
        "고객들이 결제가 안 된다고 해요. 어디서부터 터진 건지 봐 주세요",
    ],
)
def test_paged_operator_gets_the_root_cause(
    ask: Ask, seeded_demo: GroundTruth, question: str
) -> None:
    fault = seeded_demo.fault("dependency_down")
    body = ask(question)
    assert body["plan"]["intent"] == "correlate"
    assert body["correlation"]["root_cause"] == fault.root_cause_service
    assert fault.root_cause_service in body["answer"]


def test_impossible_threshold_gets_a_note_not_an_error(ask: Ask) -> None:
    body = ask("services with an error rate above 500%")
    assert any("100%" in note for note in body["plan"]["notes"])
    assert body["evidence"]["metrics"]["fleet"]["services"]


def test_what_the_plan_cannot_express_is_said_in_the_answer(ask: Ask) -> None:
    body = ask("is payment-service erroring more than usual?")
    plan = body["plan"]
    assert plan["unexpressed"] and plan["confidence"] < 0.6
    assert "does not take into account 'than usual'" in body["answer"]


def test_memory_ranks_services_by_their_pods(ask: Ask, seeded_demo: GroundTruth) -> None:
    body = ask("메모리를 제일 많이 쓰는 서비스는?")
    plan = body["plan"]
    assert (plan["group_by"], plan["metric"]) == ("service", "memory")
    fleet = body["evidence"]["metrics"]["fleet"]
    ranked = [row["service"] for row in fleet["services"]]
    assert ranked and set(ranked) <= set(seeded_demo.series)
    values = [row["value"] for row in fleet["services"] if row["value"] is not None]
    assert values == sorted(values, reverse=True)
    assert ranked[0] in body["answer"] and HANGUL.search(body["answer"])


def test_an_endpoint_s_latency_is_measured_on_its_spans(ask: Ask) -> None:
    body = ask("POST /api/checkout p95 latency over the last hour")
    assert body["plan"]["operation"] == "POST /api/checkout"
    [stats] = [query for query in body["queries"] if query["tool"] == "latency_stats"]
    assert stats["params"]["operation"] == ["POST /api/checkout"]
    assert "POST /api/checkout of frontend, measured on its spans" in body["answer"]


@pytest.mark.parametrize(
    "question",
    [
        "how many 5xx responses did payment-service return in the last hour?",
        "payment-service 5xx 응답 몇 건이었어? 지난 1시간",
    ],
)
def test_a_status_is_counted_from_the_mesh_metrics(
    ask: Ask, seeded_demo: GroundTruth, question: str
) -> None:
    """Log lines carry no status, the mesh's request metrics do: the count comes from them."""
    body = ask(question)
    plan = body["plan"]
    assert plan["status"] == "5xx" and plan["services"] == ["payment-service"]
    start, end = _window(plan)
    errors = seeded_demo.errors("payment-service", start, end)
    share = errors / seeded_demo.requests("payment-service", start, end)
    assert errors > 0, "the demo's outage fails payment-service within the hour"
    said = re.search(r"(\d+)(?: request| ?건).*?\((?:전체 요청의 )?([\d.]+)%", body["answer"])
    assert said, body["answer"]
    assert int(said[1]) == pytest.approx(errors, rel=0.1)
    assert float(said[2]) / 100 == pytest.approx(share, abs=0.02)
    [status_query] = [q for q in body["queries"] if q["params"].get("status") == "5xx"]
    assert 'response_code=~"5.."' in status_query["native"]


def test_a_status_rate_is_a_metric_of_that_status(ask: Ask, seeded_demo: GroundTruth) -> None:
    body = ask("payment-service 5xx 에러율 지난 1시간 보여줘")
    plan = body["plan"]
    assert (plan["intent"], plan["metric"], plan["status"]) == ("metrics", "error_rate", "5xx")
    series = body["evidence"]["metrics"]["series"]
    assert series and all('response_code=~"5.."' in record["promql"] for record in series)
    assert "5xx로 응답한 요청만" in body["answer"]
    assert "거를 수 없어" not in body["answer"]  # filtered, so never "not filtered"


@pytest.mark.parametrize(
    ("question", "top"),
    [("top 3 services by p95 latency over the last hour", 3), ("에러율 상위 2개 서비스", 2)],
)
def test_a_ranking_of_the_first_n_names_only_them(
    ask: Ask, seeded_demo: GroundTruth, question: str, top: int
) -> None:
    body = ask(question)
    assert body["plan"]["group_by"] == "service" and body["plan"]["top"] == top
    fleet = body["evidence"]["metrics"]["fleet"]
    ranked = [row["service"] for row in fleet["services"]]
    assert fleet["top"] == top and len(ranked) > top
    values = [row["value"] for row in fleet["services"] if row["value"] is not None]
    assert values == sorted(values, reverse=True)
    named = [service for service in ranked if service in body["answer"]]
    assert named == ranked[:top], body["answer"]
