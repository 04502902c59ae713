"""Correlation rules on small hand-built traces (pure functions)."""

from __future__ import annotations

from opslens.agent.correlate import (
    correlate,
    deepest_failing_span,
    error_origins,
    slow_services,
    trace_ids_of,
)
from opslens.agent.response import LogRecord, PodRecord, SpanRecord, TraceTreeRecord


def span(
    span_id: str,
    parent: str | None,
    service: str,
    *,
    error: bool = False,
    self_ms: float = 1.0,
    peer: str | None = None,
) -> SpanRecord:
    return SpanRecord(
        span_id=span_id,
        parent_id=parent,
        service=service,
        name=f"op-{span_id}",
        start="2026-11-26T00:00:00Z",
        duration_ms=self_ms,
        self_ms=self_ms,
        error=error,
        peer=peer,
    )


def checkout_failure(trace_id: str) -> TraceTreeRecord:
    return TraceTreeRecord(
        trace_id=trace_id,
        spans=[
            span("a", None, "frontend", error=True),
            span("b", "a", "order-service", error=True),
            span("c", "b", "payment-service", error=True),
            span("d", "c", "payment-service", error=True, peer="postgres"),
            span("e", "b", "inventory-service"),
        ],
    )


def test_errors_start_at_the_deepest_failing_span() -> None:
    origin = deepest_failing_span(checkout_failure("t1"))
    assert origin is not None
    assert (origin.service, origin.peer) == ("payment-service", "postgres")


def test_origins_rank_by_failing_traces() -> None:
    other = TraceTreeRecord(
        trace_id="t9",
        spans=[span("x", None, "frontend"), span("y", "x", "user-service", error=True)],
    )
    origins = error_origins([checkout_failure("t1"), checkout_failure("t2"), other])
    assert [(o.service, o.traces) for o in origins] == [
        ("payment-service", 2),
        ("user-service", 1),
    ]
    assert origins[0].dependency == "postgres"


def test_orphan_spans_do_not_break_depth() -> None:
    orphan = TraceTreeRecord(trace_id="t3", spans=[span("q", "missing", "db", error=True)])
    assert deepest_failing_span(orphan) is not None


def test_slow_services_use_critical_path_self_time() -> None:
    trace = TraceTreeRecord(
        trace_id="t4",
        spans=[
            span("r", None, "frontend", self_ms=50),
            span("s", "r", "product-service", self_ms=1400),
            span("t", "r", "user-service", self_ms=900),
        ],
        critical_path=["r", "s"],
    )
    ranked = slow_services([trace])
    assert ranked[0].service == "product-service"
    assert "user-service" not in [s.service for s in ranked]


def test_correlation_links_logs_traces_services_pods() -> None:
    logs = [
        LogRecord(
            timestamp="2026-11-26T00:00:00Z",
            service="order-service",
            level="ERROR",
            message="boom",
            trace_id="t1",
        )
    ]
    pods = [
        PodRecord(
            namespace="shop",
            name="payment-service-abc",
            status="Running",
            restarts=0,
            service="payment-service",
        )
    ]
    trace = checkout_failure("t1")
    origin = deepest_failing_span(trace)
    assert origin is not None
    result = correlate(logs, [trace], pods, ["t1", "t404"], {"t1"}, [origin])
    assert result.traces_found == 1
    assert result.traces_missing == ["t404"]
    assert result.root_cause is not None and result.root_cause.service == "payment-service"
    relations = {(link.source, link.target) for link in result.links}
    assert ("service:order-service", "trace:t1") in relations
    assert ("trace:t1", "service:payment-service") in relations
    assert ("service:payment-service", "pod:payment-service-abc") in relations


def test_trace_ids_of_logs_leave_out_what_is_no_trace_id() -> None:
    otel, jaeger = "4fa04f117be100f476b175e41096e736", "4376effce3c2d72d"
    ids = [otel, jaeger, otel, "-", "", None, "null", "x" * 32]
    logs = [
        LogRecord(timestamp="2026-11-26T00:00:00Z", message="m", trace_id=trace_id)
        for trace_id in ids
    ]
    assert trace_ids_of(logs) == [otel, jaeger]
