"""Each fault type leaves its signature in the generated logs, traces, metrics and objects."""

from __future__ import annotations

import datetime as dt
import statistics
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from opslens.scenarios.truth import FaultTruth
from tests.scenarios.files import Generated, parse_time


def _inside(fault: FaultTruth, moment: dt.datetime) -> bool:
    return fault.start <= moment < fault.end


def _server_durations_ms(
    run: Generated, service: str, fault: FaultTruth
) -> tuple[list[float], list[float]]:
    inside, outside = [], []
    for span in run.documents("spans"):
        if span["serviceName"] == service and span["kind"] == "SPAN_KIND_SERVER":
            bucket = inside if _inside(fault, parse_time(span["startTime"])) else outside
            bucket.append(span["durationInNanos"] / 1e6)
    return inside, outside


def _p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1]


def _rate_by_window(
    run: Generated, metric: str, fault: FaultTruth, match: Callable[[dict[str, str]], bool]
) -> tuple[float, float]:
    """Counter increase per minute inside and outside the fault window (summed series)."""
    last: dict[tuple[str, ...], float] = {}
    inside = outside = 0.0
    for labels, value, ts in run.samples(metric):
        if not match(labels):
            continue
        key = tuple(sorted(labels.items()))
        if key in last and value >= last[key]:
            moment = dt.datetime.fromtimestamp(ts - 1, dt.UTC)
            if _inside(fault, moment):
                inside += value - last[key]
            else:
                outside += value - last[key]
        last[key] = value
    window_min = (fault.end - fault.start).total_seconds() / 60
    return inside / window_min, outside / (run.truth.minutes - window_min)


def test_dependency_down_errors_start_at_the_database_call(shop: Generated) -> None:
    fault = shop.truth.fault("dependency_down")
    assert (fault.root_cause_service, fault.dependency) == ("payment-service", "postgres")
    origin = shop.truth.failed_trace_ids(origin="payment-service", start=fault.start, end=fault.end)
    assert len(origin) > 100
    by_trace: dict[str, list[dict[str, Any]]] = defaultdict(list)
    wanted = set(origin)
    for span in shop.documents("spans"):
        if span["traceId"] in wanted:
            by_trace[span["traceId"]].append(span)
    for trace_id in origin:
        errors = [s for s in by_trace[trace_id] if s["status.code"] == 2]
        first = min(
            errors,
            key=lambda s: (
                s["startTime"]
                if s["kind"] == "SPAN_KIND_CLIENT" and "span.attributes.db@system" in s
                else "~"
            ),
        )
        assert first["serviceName"] == "payment-service"
        assert first["span.attributes.db@system"] == "postgresql"
        assert first["events"][0]["name"] == "exception"
        assert {s["serviceName"] for s in errors} >= {
            "frontend",
            "order-service",
            "payment-service",
        }
    messages = [
        d["message"]
        for d in shop.documents("container_logs")
        if d["kubernetes"]["labels"]["app"] == "payment-service"
        and d["level"] == "ERROR"
        and _inside(fault, parse_time(d["@timestamp"]))
    ]
    assert any("could not get JDBC connection" in m and "Connection refused" in m for m in messages)
    for service in ("payment-service", "order-service", "frontend"):
        inside, outside = _rate_by_window(shop, "istio_requests_total", fault, _5xx_of(service))
        assert inside > 20 * max(outside, 0.05), service


def _5xx_of(service: str) -> Callable[[dict[str, str]], bool]:
    def matches(labels: dict[str, str]) -> bool:
        return (
            labels["destination_workload"] == service
            and labels["reporter"] == "destination"
            and labels["response_code"].startswith("5")
        )

    return matches


def test_latency_slows_the_target_and_everything_upstream(shop: Generated) -> None:
    fault = shop.truth.fault("latency")
    assert fault.root_cause_service == "product-service"
    assert "frontend" in fault.affected_services
    inside, outside = _server_durations_ms(shop, "product-service", fault)
    assert _p95(outside) < 150 < 1_000 < _p95(inside) < 2_500
    front_in, front_out = _server_durations_ms(shop, "frontend", fault)
    assert statistics.median(front_in) > 5 * statistics.median(front_out)
    downstream_in, downstream_out = _server_durations_ms(shop, "inventory-service", fault)
    assert _p95(downstream_in) < 3 * _p95(downstream_out)


def test_memory_leak_ends_in_oom_kills_restarts_and_events(shop: Generated) -> None:
    fault = shop.truth.fault("memory_leak")
    assert fault.pod is not None
    pods = {p["metadata"]["name"]: p for p in shop.kubernetes["pods"]}
    status = pods[fault.pod]["status"]["containerStatuses"][0]
    assert status["restartCount"] == shop.truth.pod(fault.pod).restarts == 2
    assert status["lastState"]["terminated"]["reason"] == "OOMKilled"
    assert status["lastState"]["terminated"]["exitCode"] == 137
    kills = shop.truth.pod(fault.pod).restart_times
    assert all(fault.start < kill <= fault.end for kill in kills)
    reasons = {(e["reason"], e["involvedObject"]["name"]) for e in shop.kubernetes["events"]}
    assert {("Unhealthy", fault.pod), ("BackOff", fault.pod)} <= reasons
    assert any(r == "OOMKilling" for r, _ in reasons)
    limit = 512 * 1024 * 1024
    peak: dict[dt.datetime, float] = {}
    for labels, value, ts in shop.samples("container_memory_working_set_bytes"):
        if labels["pod"] == fault.pod:
            peak[dt.datetime.fromtimestamp(ts, dt.UTC)] = value
    before_kill = [v for t, v in peak.items() if kills[0] - dt.timedelta(minutes=2) <= t < kills[0]]
    assert max(before_kill) > 0.95 * limit
    assert max(v for t, v in peak.items() if not fault.start <= t <= fault.end) < 0.7 * limit


def test_crashloop_leaves_a_backing_off_pod_and_its_startup_errors(
    generated: Callable[[str], Generated],
) -> None:
    run = generated("shop-crashloop")
    fault = run.truth.fault("crashloop")
    crashing = [p for p in run.truth.pods if p.state == "CrashLoopBackOff"]
    assert len(crashing) == 1 and crashing[0].service == "order-service"
    pod = next(p for p in run.kubernetes["pods"] if p["metadata"]["name"] == crashing[0].name)
    status = pod["status"]["containerStatuses"][0]
    assert status["state"]["waiting"]["reason"] == "CrashLoopBackOff"
    assert status["restartCount"] == crashing[0].restarts > 3
    assert status["lastState"]["terminated"]["reason"] == "Error"
    backoff = [e for e in run.kubernetes["events"] if e["reason"] == "BackOff"]
    assert backoff and backoff[0]["count"] == crashing[0].restarts
    deployment = next(
        d for d in run.kubernetes["deployments"] if d["metadata"]["name"] == "order-service"
    )
    assert deployment["status"]["unavailableReplicas"] == 1
    startup_errors = [
        d
        for d in run.documents("container_logs")
        if d["kubernetes"]["pod_name"] == crashing[0].name and d["level"] == "ERROR"
    ]
    assert len(startup_errors) == crashing[0].restarts
    assert all("ORDER_DB_URL" in d["message"] and "trace_id" not in d for d in startup_errors)
    assert all(_inside(fault, parse_time(d["@timestamp"])) for d in startup_errors)
    served = run.truth.requests("order-service", fault.start)  # the old pods keep serving
    assert run.truth.errors("order-service", fault.start) <= 0.005 * served


def test_cpu_throttle_shows_in_cfs_counters_probes_and_latency(
    generated: Callable[[str], Generated],
) -> None:
    run = generated("travel-cpu-throttle")
    fault = run.truth.fault("cpu_throttle")

    def is_pricing(labels: dict[str, str]) -> bool:
        return labels["container"] == "pricing-service"

    throttled_in, throttled_out = _rate_by_window(
        run, "container_cpu_cfs_throttled_periods_total", fault, is_pricing
    )
    periods_in, periods_out = _rate_by_window(
        run, "container_cpu_cfs_periods_total", fault, is_pricing
    )
    assert throttled_in / periods_in > 0.5 > 0.05 > throttled_out / periods_out
    unhealthy = [e for e in run.kubernetes["events"] if e["reason"] == "Unhealthy"]
    assert {e["involvedObject"]["name"] for e in unhealthy} == {
        p.name for p in run.truth.pods if p.service == "pricing-service"
    }
    inside, outside = _server_durations_ms(run, "pricing-service", fault)
    assert statistics.median(inside) > 3 * statistics.median(outside)


def test_error_burst_answers_5xx_with_exceptions_in_logs_and_spans(
    generated: Callable[[str], Generated],
) -> None:
    run = generated("travel-error-burst")
    fault = run.truth.fault("error_burst")
    errors = [
        d
        for d in run.documents("container_logs")
        if d["kubernetes"]["labels"]["app"] == "booking-service" and d["level"] == "ERROR"
    ]
    burst = [d for d in errors if "com.travel.loyalty.Tier" in d["message"]]
    assert len(burst) > 50
    assert all(_inside(fault, parse_time(d["@timestamp"])) for d in burst)
    assert all("\tat com." in d["message"] for d in burst)  # the stack trace is in the line
    failing = set(
        run.truth.failed_trace_ids(origin="booking-service", start=fault.start, end=fault.end)
    )
    assert {d["trace_id"] for d in burst} <= failing
    inside, outside = _rate_by_window(
        run,
        "istio_requests_total",
        fault,
        lambda labels: (
            labels["destination_workload"] == "booking-service"
            and labels["reporter"] == "destination"
            and labels["response_code"] == "500"
        ),
    )
    assert inside > 30 * max(outside, 0.01)


def test_a_healthy_scenario_has_no_incident(generated: Callable[[str], Generated]) -> None:
    run = generated("travel-healthy")
    assert run.truth.faults == [] and run.truth.events == [] and run.kubernetes["events"] == []
    assert run.truth.restarted_pods() == []
    assert all(p.ready and p.state == "Running" for p in run.truth.pods)
    for service in run.truth.services:
        requests = run.truth.requests(service)
        assert run.truth.errors(service) <= 0.005 * max(requests, 1)
