"""The ground truth counts exactly what the generated files hold (checked on the demo)."""

from __future__ import annotations

from collections import Counter, defaultdict

from opslens.scenarios.model import load_scenario
from opslens.scenarios.seed import scenario_path
from opslens.scenarios.writer import OPENSEARCH_DIR
from tests.scenarios.files import Generated, parse_time


def test_log_counts_per_service_level_and_minute(shop: Generated) -> None:
    truth = shop.truth
    for kind, sink, service_of, level_of, time_of in (
        (
            "container_logs",
            "container",
            lambda d: d["kubernetes"]["labels"]["app"],
            lambda d: d["level"],
            lambda d: d["@timestamp"],
        ),
        (
            "otel_logs",
            "otel",
            lambda d: d["resource"]["attributes"]["service.name"],
            lambda d: d["severityText"],
            lambda d: d["time"],
        ),
    ):
        counted: Counter[tuple[str, str, int]] = Counter(
            (service_of(d), level_of(d), shop.minute(parse_time(time_of(d))))
            for d in shop.documents(kind)
        )
        for service, series in truth.series.items():
            for level, per_minute in series.logs[sink].items():
                for minute, expected in enumerate(per_minute):
                    assert counted[(service, level, minute)] == expected, (kind, service, level)
        assert sum(counted.values()) == sum(
            n
            for index, n in truth.documents.items()
            if index.startswith(truth.indices[kind].rstrip("*"))
        )


def test_failed_traces_are_exactly_the_traces_with_error_spans(shop: Generated) -> None:
    spans = shop.documents("spans")
    erroring: dict[str, set[str]] = defaultdict(set)
    for span in spans:
        if span["status.code"] == 2:
            erroring[span["traceId"]].add(span["serviceName"])
    truth_failed = {t.trace_id: t for t in shop.truth.failed_traces}
    assert set(truth_failed) == set(erroring)
    for trace_id, services in erroring.items():
        assert set(truth_failed[trace_id].error_services) == services


def test_spans_and_slow_traces_per_service(shop: Generated) -> None:
    truth = shop.truth
    spans = shop.documents("spans")
    roots = {s["traceId"]: s for s in spans if s["parentSpanId"] == ""}
    per_service: Counter[tuple[str, int]] = Counter()
    longest: dict[tuple[str, str], int] = {}
    for span in spans:
        minute = shop.minute(parse_time(roots[span["traceId"]]["startTime"]))
        per_service[(span["serviceName"], minute)] += 1
        key = (span["traceId"], span["serviceName"])
        longest[key] = max(longest.get(key, 0), span["durationInNanos"])
    for service, series in truth.series.items():
        assert [per_service[(service, m)] for m in range(truth.minutes)] == series.spans
    for min_ms in (80, 500, 1000, 2000):
        for service in truth.services:
            expected = sum(
                1 for (_, s), ns in longest.items() if s == service and ns >= min_ms * 1_000_000
            )
            assert truth.slow_traces(service, min_ms) == expected
        assert truth.slow_traces(None, min_ms) == sum(
            1 for root in roots.values() if root["durationInNanos"] >= min_ms * 1_000_000
        )


def test_every_span_of_a_trace_lies_in_the_minute_the_trace_started(shop: Generated) -> None:
    spans = shop.documents("spans")
    start = {
        s["traceId"]: shop.minute(parse_time(s["startTime"]))
        for s in spans
        if s["parentSpanId"] == ""
    }
    for span in spans:
        assert shop.minute(parse_time(span["endTime"])) == start[span["traceId"]]


def test_error_logs_carry_the_trace_and_span_of_an_error_span(shop: Generated) -> None:
    spans = {(s["traceId"], s["spanId"]): s for s in shop.documents("spans")}
    linked = 0
    for doc in shop.documents("container_logs"):
        if doc["level"] != "ERROR" or "trace_id" not in doc:
            continue
        span = spans[(doc["trace_id"], doc["span_id"])]
        assert span["status.code"] == 2
        assert span["serviceName"] == doc["kubernetes"]["labels"]["app"]
        assert span["resource.attributes.k8s@pod@name"] == doc["kubernetes"]["pod_name"]
        linked += 1
    assert linked > 0


def test_request_counts_equal_the_istio_counters(shop: Generated) -> None:
    truth = shop.truth
    end_of_history = int(truth.now.timestamp())
    totals: Counter[str] = Counter()
    errors: Counter[str] = Counter()
    for labels, value, ts in shop.samples("istio_requests_total"):
        if ts == end_of_history and labels["reporter"] == "destination":
            totals[labels["destination_workload"]] += int(value)
            if labels["response_code"].startswith("5"):
                errors[labels["destination_workload"]] += int(value)
    for service in truth.services:
        assert totals[service] == truth.requests(service)
        assert errors[service] == truth.errors(service)


def test_korean_log_text_is_written_as_utf8_not_escaped(shop: Generated) -> None:
    template = next(
        line
        for endpoint in shop_scenario_endpoints(shop)
        for line in endpoint
        if not line.isascii()
    )
    fixed_part = template.split("{")[0]
    raw = b"".join(p.read_bytes() for p in (shop.out / OPENSEARCH_DIR).glob("*logs-*.ndjson"))
    assert fixed_part.encode("utf-8") in raw
    assert b"\\u" not in raw


def shop_scenario_endpoints(shop: Generated) -> list[list[str]]:
    scenario = load_scenario(scenario_path(shop.truth.scenario))
    return [e.logs for s in scenario.services for e in s.endpoints]
