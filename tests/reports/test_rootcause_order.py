"""The order of events inside traces, on small hand-built traces: a callee whose statements
take another way first wins over its caller that changes after the call returned; a caller
that changes before its call is its own cause; two events racing in more requests than
usual are no change."""

from __future__ import annotations

from typing import Any

from opslens.reports import i18n
from opslens.reports.rootcause import order
from opslens.reports.rootcause.order import END, START, Segment, first_divergence, instant
from opslens.reports.rootcause.ranking import rank_findings
from opslens.reports.rootcause.scoring import order_findings, period_findings
from opslens.reports.rootcause.signals import LogLine, PeriodSignals, TemplateBook, period_signals

T0 = 1_700_000_000.0


def _span(span_id: str, parent: str, service: str, operation: str, at_ms: float) -> dict[str, Any]:
    return {
        "span_id": span_id,
        "parent_span_id": parent,
        "service": service,
        "operation": operation,
        "kind": "SPAN_KIND_INTERNAL",
        "duration_ms": 1.0,
        "start": T0 + at_ms / 1000,
    }


def _request(
    n: int, declined: bool = False, bad_input: bool = False, late_log: bool = False
) -> tuple[dict[str, Any], list[LogLine]]:
    """order (entry) logs, calls payment, logs again; payment logs, queries, logs. A declined
    card makes payment write an error line instead, and order three error lines and a
    rollback after the call; bad input makes order log an error before it calls."""
    base = n * 100.0
    spans = [
        _span(f"o{n}", "", "order", "POST /order", base),
        _span(f"c{n}", f"o{n}", "order", "HTTP POST", base + 10),
        _span(f"p{n}", f"c{n}", "payment", "POST /pay", base + 11),
    ]

    def line(service: str, span: str, at_ms: float, text: str) -> LogLine:
        return LogLine(service, span, f"{text} {n}", T0 + (base + at_ms) / 1000)

    lines = [line("order", f"o{n}", 2, "INFO OrderService placing order")]
    if bad_input:
        lines.append(line("order", f"o{n}", 5, "ERROR OrderService bad input in order"))
    lines.append(line("payment", f"p{n}", 12, "INFO PaymentService checking card"))
    spans.append(_span(f"q{n}", f"p{n}", "payment", "SELECT payments", base + 14))
    if declined:
        lines.append(line("payment", f"p{n}", 15, "ERROR PaymentService card declined"))
        failed = "ERROR OrderService payment failed"
        lines += [line("order", f"o{n}", 30 + i, failed) for i in (0, 1, 2)]
        spans.append(_span(f"r{n}", f"o{n}", "order", "ROLLBACK", base + 40))
    else:
        charged = 13.5 if late_log else 15.0  # a line racing the query's span
        lines.append(line("payment", f"p{n}", charged, "INFO PaymentService charged card"))
        lines.append(line("order", f"o{n}", 30, "INFO OrderService order placed"))
    return {"trace_id": f"t{n}", "spans": spans}, lines


def _period(book: TemplateBook, first: int, changed: int = 0, **change: bool) -> PeriodSignals:
    """Twenty requests, the first ``changed`` of them with ``change``."""
    traces, lines = [], []
    for n in range(first, first + 20):
        trace, written = _request(n, **(change if n - first < changed else {}))
        traces.append(trace)
        lines += written
    return period_signals(traces, lines, book)


def _baselines(book: TemplateBook) -> list[PeriodSignals]:
    return [_period(book, 100 * k) for k in range(1, 5)]


def test_a_callee_diverging_first_wins_over_its_caller() -> None:
    book = TemplateBook()
    baselines = _baselines(book)
    period = _period(book, 0, changed=10, declined=True)
    found = order_findings(period, baselines, book)
    assert [f.service for f in found] == ["payment"]  # order changes only after the call
    evidence = found[0].evidence
    assert evidence.kind == "order_changed" and evidence.value == 10.0
    assert "SELECT payments" in evidence.example and "card declined" in evidence.example
    ranked = rank_findings(period_findings(period, baselines, {}, book), period.edges)
    payment = next(c for c in ranked if c.service == "payment")
    diverged = next(e for e in payment.evidence if e.kind == "order_changed")
    assert i18n.evidence_text(diverged, "en") == "traces first diverging here 10 traces (score 2.0)"
    assert i18n.cause(payment.model_copy(update={"evidence": [diverged]}), "ko") == (
        'payment: POST /pay의 "SELECT payments start -> ERROR PaymentService card declined" '
        "부근 코드 (이벤트 순서가 바뀜)"
    )
    order_evidence = next(c for c in ranked if c.service == "order").evidence
    assert "order_changed" not in {e.kind for e in order_evidence}


def test_a_caller_changing_before_its_call_is_its_own_cause() -> None:
    book = TemplateBook()
    baselines = _baselines(book)
    period = _period(book, 0, changed=10, bad_input=True)
    found = order_findings(period, baselines, book)
    assert [f.service for f in found] == ["order"]
    assert "bad input" in found[0].evidence.example


def test_events_racing_in_more_requests_are_no_change() -> None:
    """A line that usually lands before a span of its process in a few requests (its
    collector stamps it late) does so in more of them now: no other way was taken."""
    book = TemplateBook()
    baselines = [_period(book, 100 * k, changed=k + 1, late_log=True) for k in range(1, 5)]
    raced = _period(book, 0, changed=10, late_log=True)
    assert order_findings(raced, baselines, book) == []


def test_first_divergence_walks_a_call_before_the_step_after_it() -> None:
    callee = Segment("payment", "POST /pay", ["log:1"])
    caller = Segment("order", "POST /order", ["span:HTTP POST", "log:2"], {0: [callee]})
    both = {
        ("payment", "POST /pay", "log:1", END),
        ("order", "POST /order", "span:HTTP POST", "log:2"),
    }
    found = first_divergence(caller, both)
    assert found is not None and found.service == "payment"
    before_call = {("order", "POST /order", START, "span:HTTP POST"), *both}
    found = first_divergence(caller, before_call)
    assert found is not None and found.service == "order"
    votes = order.votes([caller, caller], both)
    assert votes == {order.Divergence("payment", "POST /pay", "log:1", END): 2}


def test_times_are_read_from_numbers_and_iso_texts() -> None:
    assert instant(12.5) == 12.5
    assert instant("1970-01-01T00:00:01.5Z") == 1.5
    assert instant("1970-01-01T00:00:02") == 2.0  # naive: UTC
    assert instant("yesterday") is None and instant(None) is None


def test_a_call_straight_from_an_entry_span_is_an_event_of_the_caller() -> None:
    spans = [
        _span("o1", "", "order", "POST /order", 0),
        _span("p1", "o1", "payment", "POST /pay", 5),  # no client span in between
        _span("q1", "p1", "payment", "SELECT payments", 6),
    ]
    lines = [LogLine("order", "o1", "INFO OrderService placing order", T0 + 0.001)]
    period = period_signals([{"trace_id": "t1", "spans": spans}], lines, TemplateBook())
    [root] = period.roots
    assert root.service == "order" and root.events[1] == "call:payment"
    [callee] = root.calls[1]
    assert callee.service == "payment" and callee.events == ["span:SELECT payments"]
    assert period.transitions[("payment", "POST /pay", START, "span:SELECT payments")] == 1


def test_a_visit_that_recorded_no_event_says_nothing_of_order() -> None:
    """Info lines sampled with the trace, slow traces kept whole: a visit with no line and no
    span is an absent record, not a new way through the code (it would otherwise get every
    vote in a slowdown that keeps unsampled traces)."""
    silent = Segment("inventory", "GET /stock")
    assert silent.transitions() == []
    assert first_divergence(silent, {("inventory", "GET /stock", START, END)}) is None
    busy = Segment("inventory", "GET /stock", events=["log:1"])
    assert busy.transitions() == [(START, "log:1"), ("log:1", END)]
