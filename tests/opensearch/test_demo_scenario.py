"""The tools against the default demo scenario, checked against its ground truth (truth.json).

The scenario (scenarios/checkout-incident.yaml) is seeded by the session's ``seeded_demo``
fixture; ``demo_servers.opensearch`` is this server with its default profiles over it, as the
user's platform would run it.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from opslens.scenarios.truth import GroundTruth
from tests.conftest import DemoServers
from tests.opensearch.rpc import Rpc

# Seeding the 6-hour demo (the session's seeded_demo) can outlast the default timeout.
pytestmark = [pytest.mark.integration, pytest.mark.timeout(1800)]


@pytest.fixture(scope="module")
def demo(demo_servers: DemoServers) -> Rpc:
    return Rpc(demo_servers.opensearch)


def window(truth: GroundTruth, start: object = None, end: object = None) -> dict[str, str]:
    start = start or truth.start
    end = end or truth.now
    return {"start": start.isoformat(), "end": end.isoformat(), "now": truth.now.isoformat()}  # type: ignore[attr-defined]


def test_error_logs_per_service_in_the_last_3_hours(demo: Rpc, seeded_demo: GroundTruth) -> None:
    truth = seeded_demo
    since = truth.now - timedelta(hours=3)
    for service in truth.services:
        for source, sink in (("containers", "container"), ("otel", "otel")):
            counted = demo(
                "count_logs",
                service=service,
                level="error",
                sources=[source],
                **window(truth, since),
            )
            assert counted["total"] == truth.error_logs(service, since, truth.now, sink=sink), (
                service,
                source,
            )


def test_which_service_logged_the_most_errors(demo: Rpc, seeded_demo: GroundTruth) -> None:
    truth = seeded_demo
    top = demo(
        "top_values",
        field="service",
        level="error",
        sources=["containers"],
        limit=50,
        **window(truth),
    )
    expected = {s: truth.error_logs(s) for s in truth.services if truth.error_logs(s)}
    assert {v["value"]: v["count"] for v in top["values"]} == expected
    assert top["values"][0]["value"] == truth.fault("dependency_down").root_cause_service


def test_today_relative_to_the_pinned_now(demo: Rpc, seeded_demo: GroundTruth) -> None:
    truth = seeded_demo
    midnight = truth.now.replace(hour=0, minute=0, second=0, microsecond=0)
    counted = demo(
        "count_logs",
        service="payment-service",
        level="error",
        sources=["containers"],
        start="now/d",
        now=truth.now.isoformat(),
    )
    assert counted["total"] == truth.error_logs(
        "payment-service", max(midnight, truth.start), truth.now
    )


def test_error_minutes_of_the_dependency_outage(demo: Rpc, seeded_demo: GroundTruth) -> None:
    truth = seeded_demo
    fault = truth.fault("dependency_down")
    result = demo(
        "log_histogram",
        service=fault.root_cause_service,
        level="error",
        interval="1m",
        sources=["containers"],
        **window(truth, fault.start, fault.end),
    )
    per_minute = truth.series[fault.root_cause_service].logs["container"]["ERROR"]
    assert [b["count"] for b in result["buckets"]] == [
        per_minute[m] for m in truth.window(fault.start, fault.end)
    ]


def test_failed_traces_and_where_their_errors_start(demo: Rpc, seeded_demo: GroundTruth) -> None:
    truth = seeded_demo
    failed = truth.failed_trace_ids()
    found = demo("search_traces", errors_only=True, limit=10, **window(truth))
    assert found["total"] == len(failed)
    fault = truth.fault("dependency_down")
    during = truth.failed_trace_ids(start=fault.start, end=fault.end)
    traces = []
    for first in range(0, len(during), 250):  # each call well inside the request timeout
        result = demo("get_traces", trace_ids=during[first : first + 250])
        assert result["missing"] == [] and not result["truncated"]
        traces += result["traces"]
    assert len(traces) == len(during)
    by_id = {t.trace_id: t for t in truth.failed_traces}
    for trace in traces:
        expected = by_id[trace["trace_id"]]
        assert {e["service"] for e in trace["errors"]} == set(expected.error_services)
        if expected.origin_service:
            assert expected.origin_service in {e["service"] for e in trace["errors"] if e["origin"]}


def test_order_service_error_logs_lead_to_failed_traces(
    demo: Rpc, seeded_demo: GroundTruth
) -> None:
    truth = seeded_demo
    fault = truth.fault("dependency_down")
    logs = demo(
        "search_logs",
        service="order-service",
        level="error",
        limit=500,
        **window(truth, fault.start, fault.end),
    )
    trace_ids = sorted({r["trace_id"] for r in logs["records"] if r["trace_id"]})
    assert trace_ids and set(trace_ids) <= set(truth.failed_trace_ids())
    traces = demo("get_traces", trace_ids=trace_ids)["traces"]
    origins = {e["service"] for t in traces for e in t["errors"] if e["origin"]}
    assert fault.root_cause_service in origins


def test_slow_product_service_traces(demo: Rpc, seeded_demo: GroundTruth) -> None:
    truth = seeded_demo
    fault = truth.fault("latency")
    for threshold in (500, 1000):
        slow = demo(
            "search_traces",
            service=fault.root_cause_service,
            min_duration_ms=threshold,
            **window(truth),
        )
        assert slow["total"] == truth.slow_traces(fault.root_cause_service, threshold)
        assert slow["total"] == truth.slow_traces(
            fault.root_cause_service, threshold, fault.start, fault.end
        )
    slowest = demo("search_traces", service="frontend", min_duration_ms=1000, **window(truth))
    assert slowest["total"] == truth.slow_traces("frontend", 1000)


def test_spans_and_log_lines_per_service(demo: Rpc, seeded_demo: GroundTruth) -> None:
    truth = seeded_demo
    listed = {s["name"]: s for s in demo("list_services", **window(truth))["services"]}
    instrumented = {s for s in truth.series if truth.spans(s)}  # postgres writes no spans
    assert set(listed) == instrumented
    for service in instrumented:
        assert listed[service]["spans"] == truth.spans(service)
        lines = sum(truth.logs(service, level) for level in ("ERROR", "WARN", "INFO"))
        assert listed[service]["log_lines"].get("containers", 0) == lines


def test_service_map_is_the_call_graph(demo: Rpc, seeded_demo: GroundTruth) -> None:
    truth = seeded_demo
    result = demo("service_map", **window(truth, truth.now - timedelta(hours=1)))
    assert result["edges_from"] == "service-map index"
    assert {(e["caller"], e["callee"]) for e in result["edges"]} == {tuple(c) for c in truth.calls}
    uninstrumented = {
        (e["caller"], e["callee"]) for e in result["edges"] if e["measured_on"] == "caller"
    }
    assert uninstrumented == {tuple(c) for c in truth.calls if not truth.spans(c[1])}
    stats = demo("latency_stats", group_by="service", **window(truth))
    assert {g["service"]: g["requests"] for g in stats["groups"]} == {
        s: truth.spans(s) for s in truth.series if truth.spans(s)
    }
