"""The root-cause scoring on small hand-made periods: a stopped statement, a delayed callee, a
resource that jumps, and a period whose logs are missing (no statement counts as stopped)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from opslens.reports import i18n
from opslens.reports.models import Candidate
from opslens.reports.rootcause.ranking import STRONG, rank_findings
from opslens.reports.rootcause.scoring import (
    ResourceSamples,
    moved,
    period_findings,
    resource_findings,
    robust_z,
)
from opslens.reports.rootcause.signals import LogLine, PeriodSignals, TemplateBook, period_signals


def _trace(n: int, gap_ms: float, with_query: bool = True) -> dict[str, Any]:
    """order's entry span calls payment (client span outlasting payment's server span by
    ``gap_ms``); payment's entry span runs a query unless told otherwise."""
    spans = [
        {"span_id": f"o{n}", "parent_span_id": "", "service": "order", "operation": "POST /order",
         "kind": "SPAN_KIND_SERVER", "duration_ms": 50.0 + gap_ms},
        {"span_id": f"c{n}", "parent_span_id": f"o{n}", "service": "order",
         "operation": "HTTP POST", "kind": "SPAN_KIND_CLIENT", "duration_ms": 20.0 + gap_ms},
        {"span_id": f"p{n}", "parent_span_id": f"c{n}", "service": "payment",
         "operation": "POST /pay", "kind": "SPAN_KIND_SERVER", "duration_ms": 20.0},
    ]  # fmt: skip
    if with_query:
        spans.append(
            {"span_id": f"q{n}", "parent_span_id": f"p{n}", "service": "payment",
             "operation": "SELECT payments", "kind": "SPAN_KIND_CLIENT", "duration_ms": 5.0}
        )  # fmt: skip
    return {"trace_id": f"t{n}", "spans": spans}


def _period(
    book: TemplateBook, gap_ms: float = 1.0, charged: bool = True, logs: bool = True
) -> PeriodSignals:
    traces = [_trace(n, gap_ms + n % 3) for n in range(20)]
    lines = []
    if logs:
        for n in range(20):
            lines.append(LogLine("order", f"o{n}", f"INFO OrderService placing order {n}"))
            if charged:
                lines.append(LogLine("payment", f"p{n}", f"INFO PaymentService charged card {n}"))
    return period_signals(traces, lines, book)


def rank_causes(
    period: PeriodSignals,
    baselines: list[PeriodSignals],
    resources: ResourceSamples,
    book: TemplateBook,
) -> list[Candidate]:
    """The period ranked as the reports and the offline evaluation rank it."""
    return rank_findings(period_findings(period, baselines, resources, book), period.edges)


def test_robust_z_uses_the_floor_when_the_baseline_does_not_move() -> None:
    assert robust_z(12.0, [10.0, 10.0, 10.0], floor=1.0) == 2.0
    assert robust_z(12.0, [8.0, 10.0, 12.0], floor=0.1) == 2.0 / (2.0 * 1.4826)


def test_a_rate_within_the_counting_noise_of_its_requests_has_not_moved() -> None:
    """Five baseline periods that happen to agree (0.16-0.22 per request: the healthy shop's
    slow-request warning) do not make a sample of 111 requests exact. 35 lines where 19.5
    were usual are three Poisson sigmas, not a change; 60 lines are one, and so are 2."""
    rates = [0.207, 0.219, 0.176, 0.162, 0.165]
    assert moved(35, 111, rates) is None
    change = moved(60, 111, rates)
    assert change is not None and change.kind == "more"
    assert moved(2, 111, rates) == ("fewer", pytest.approx(111 * 0.176 - 2), 0.176)


def test_a_statement_every_request_wrote_that_stops_names_its_service() -> None:
    book = TemplateBook()
    baselines = [_period(book) for _ in range(4)]
    ranked = rank_causes(_period(book, charged=False), baselines, {}, book)
    assert ranked[0].service == "payment"
    cause = ranked[0].cause
    assert cause is not None and cause.area == "code" and cause.value == 0
    assert cause.baseline == 20.0 and "charged card" in cause.example
    assert cause.kind == "statement_stopped" and cause.operation == "POST /pay"
    described = i18n.cause(ranked[0], "en")
    assert described.startswith('payment: POST /pay, the code around "INFO PaymentService charged')
    assert described.endswith("(stopped running)")
    assert "부근 코드 (더 이상 실행되지 않음)" in i18n.cause(ranked[0], "ko")


def test_a_fault_that_repeats_is_judged_against_the_periods_not_blamed_on_its_service() -> None:
    """The statement also stopped in two of four earlier periods, so it is not usual there;
    once those periods are known to have held an incident of payment, it is usual again."""
    book = TemplateBook()
    healthy = [_period(book) for _ in range(2)]
    earlier_faults = [_period(book, charged=False) for _ in range(2)]
    now = _period(book, charged=False)
    unaware = period_findings(now, [*healthy, *earlier_faults], {}, book)
    assert not any(f.evidence.kind == "statement_stopped" for f in unaware)

    other = [replace(p, blamed=frozenset({"order"})) for p in earlier_faults]
    elsewhere = period_findings(now, [*healthy, *other], {}, book)
    assert not any(f.evidence.kind == "statement_stopped" for f in elsewhere)

    blamed = [replace(p, blamed=frozenset({"payment"})) for p in earlier_faults]
    ranked = rank_causes(now, [*healthy, *blamed], {}, book)
    assert ranked[0].service == "payment"
    assert ranked[0].cause is not None and ranked[0].cause.kind == "statement_stopped"
    assert ranked[0].cause.baseline == 20.0


def test_a_delayed_callee_ranks_by_its_call_gap() -> None:
    book = TemplateBook()
    baselines = [_period(book, gap_ms=1.0 + i % 2) for i in range(5)]
    ranked = rank_causes(_period(book, gap_ms=400.0), baselines, {}, book)
    assert ranked[0].service == "payment"
    cause = ranked[0].cause
    assert cause is not None and cause.area == "network" and cause.value > 300
    assert i18n.cause(ranked[0], "en") == "payment: network latency (calls from order)"
    assert i18n.cause(ranked[0], "ko") == "payment: 네트워크 지연 (order에서 오는 호출)"


def test_a_resource_jump_names_the_metric() -> None:
    book = TemplateBook()
    baselines = [_period(book) for _ in range(3)]
    resources = {
        "order": {"cpu": ([10.0, 11.0, 9.0, 10.0], [10.5])},
        "payment": {"cpu": ([10.0, 11.0, 9.0, 10.0], [95.0])},
    }
    ranked = rank_causes(_period(book), baselines, resources, book)
    assert ranked[0].service == "payment" and i18n.cause(ranked[0], "en") == "payment: cpu"
    evidence = i18n.evidence_text(ranked[0].evidence[0], "en")
    assert evidence.startswith("cpu 95.00 (normal 10.00, score ")


def test_a_near_idle_pod_waking_up_is_judged_against_the_fleet() -> None:
    """A pod at a thousandth of a core that jumps to 0.03 moved by thousands of its own
    spreads, and by nothing the rest of the system would feel: a busy pod's jump still wins."""
    usual = [1.0, 1.1, 0.9, 1.0]
    resources: ResourceSamples = {
        "idle": {"cpu": ([0.001, 0.0011, 0.0009, 0.001], [0.03])},
        "busy": {"cpu": (usual, [9.0])},
        "steady": {"cpu": (usual, [1.05])},
    }
    findings = {f.service: f.score for f in resource_findings(resources)}
    assert findings["busy"] >= STRONG > findings["idle"]
    alone = {f.service: f.score for f in resource_findings({"idle": resources["idle"]})}
    assert alone["idle"] >= STRONG  # with no fleet to compare, its own level is the measure


def test_missing_logs_are_not_statements_that_stopped() -> None:
    book = TemplateBook()
    baselines = [_period(book) for _ in range(4)]
    period = _period(book, logs=False)
    assert not period.has_logs and period.has_spans
    assert rank_causes(period, baselines, {}, book) == []


def test_a_span_operation_that_stops_counts_like_a_statement() -> None:
    book = TemplateBook()
    baselines = [_period(book) for _ in range(4)]
    traces = [_trace(n, 1.0 + n % 3, with_query=False) for n in range(20)]
    period = period_signals(traces, [], book)
    ranked = rank_causes(period, baselines, {}, book)
    assert ranked[0].service == "payment"
    assert ranked[0].cause is not None and ranked[0].cause.example == "span SELECT payments"


def test_a_line_naming_its_place_in_the_code_is_that_statement() -> None:
    book = TemplateBook()
    first = book.template_id("10:00:01.5 INFO c.s.CartServiceImpl#31 [find][Find cart] id 17")
    again = book.template_id("10:00:02.1 INFO c.s.CartServiceImpl#31 [find][Find cart] id 98")
    other = book.template_id("10:00:02.3 INFO c.s.CartServiceImpl#34 [find][Find cart] id 98")
    python = book.template_id("2024-01-01 10:00:00 WARNING cart.py:42 cart 17 is empty")
    assert first == again != other  # one class, two lines: two statements
    assert python not in (first, other)
    assert book.template(other).startswith("INFO c.s.CartServiceImpl#34 ")
    plain = book.template_id("INFO CartService found cart 17")
    assert plain == book.template_id("INFO CartService found cart 18") > 0  # drain's template
