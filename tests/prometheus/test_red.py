"""``red_summary`` against real Prometheus: every number equals what the samples say."""

from __future__ import annotations

import httpx
import pytest

from opslens_eval.prometheus.generate import (
    ERROR_FAULT,
    LATENCY_FAULT,
    NAMESPACE,
    OTEL_SERVICE,
    OTHER_NAMESPACE,
    SERVICES,
)
from opslens_mcp.core.times import format_duration
from tests.prometheus.conftest import Promtest, iso
from tests.prometheus.rpc import call, call_error
from tests.prometheus.truth import bucket_quantile, histogram_buckets, red_truth, summed_increase

pytestmark = pytest.mark.integration

MEASURES = ("request_rate_per_s", "error_ratio", "p50_ms", "p95_ms", "p99_ms")


def assert_matches_truth(row: dict[str, float | None], truth: dict[str, float]) -> None:
    for measure in MEASURES:
        assert row[measure] == pytest.approx(truth[measure], rel=1e-9), measure


def rows_by_service(result: dict[str, object]) -> dict[tuple[str, str], dict[str, float | None]]:
    services = result["services"]
    assert isinstance(services, list)
    return {(row["namespace"], row["service"]): row for row in services}


@pytest.mark.parametrize("window_s", [300, 900, 3600])
def test_every_service_equals_the_samples(
    server_url: str, promtest: Promtest, window_s: int
) -> None:
    end = promtest.end
    window = format_duration(window_s)
    result = call(
        server_url, "red_summary", {"namespace": NAMESPACE, "window": window, "at": iso(end)}
    )

    rows = rows_by_service(result)
    assert set(rows) == {(s.namespace, s.name) for s in SERVICES if s.namespace == NAMESPACE}
    for (namespace, service), row in rows.items():
        assert_matches_truth(
            row, red_truth(promtest.history, service, namespace, end - window_s, end)
        )
    assert result["time"] == iso(end).replace("+00:00", "Z")
    assert result["window"] == window
    assert 'destination_service_namespace="promtest"' in result["queries"]["request_rate_per_s"]


def test_the_error_burst_is_visible_and_exact(server_url: str, promtest: Promtest) -> None:
    fault_end = promtest.end - ERROR_FAULT.end_before_end
    span = ERROR_FAULT.start_before_end - ERROR_FAULT.end_before_end
    params = {
        "service": ERROR_FAULT.service,
        "namespace": NAMESPACE,
        "window": format_duration(span),
    }

    during = call(server_url, "red_summary", {**params, "at": iso(fault_end)})
    before = call(server_url, "red_summary", {**params, "at": iso(fault_end - span)})

    [burst] = during["services"]
    [calm] = before["services"]
    history = promtest.history
    assert_matches_truth(
        burst, red_truth(history, ERROR_FAULT.service, NAMESPACE, fault_end - span, fault_end)
    )
    assert_matches_truth(
        calm,
        red_truth(history, ERROR_FAULT.service, NAMESPACE, fault_end - 2 * span, fault_end - span),
    )
    assert burst["error_ratio"] > 10 * calm["error_ratio"]


@pytest.mark.parametrize(("status", "codes"), [("503", {"503"}), ("4xx", {"404"})])
def test_a_status_is_counted_from_the_status_label(
    server_url: str, promtest: Promtest, status: str, codes: set[str]
) -> None:
    end = promtest.end
    window_s = 3600
    result = call(
        server_url,
        "red_summary",
        {"namespace": NAMESPACE, "window": "1h", "at": iso(end), "status": status},
    )

    assert result["status"] == status
    assert 'response_code=~"' in result["queries"]["status_ratio"]
    match = {"destination_service_namespace": NAMESPACE, "reporter": "destination"}
    for (_, service), row in rows_by_service(result).items():
        by_code = {
            code: summed_increase(
                promtest.history,
                "istio_requests_total",
                end - window_s,
                end,
                destination_service_name=service,
                response_code=code,
                **match,
            )
            for code in ("200", "404", "503")
        }
        answered = sum(by_code[code] for code in codes)
        assert row["status_rate_per_s"] == pytest.approx(answered / window_s, rel=1e-9)
        assert row["status_ratio"] == pytest.approx(answered / sum(by_code.values()), rel=1e-9)


@pytest.mark.parametrize("status", ["5x", "600", "5xx) or vector(1", "50", "2xX"])
def test_a_status_that_is_no_http_status_is_refused(server_url: str, status: str) -> None:
    error = call_error(server_url, "red_summary", {"status": status})
    assert error["code"] == -32602, error
    [problem] = error["data"]
    assert problem["loc"] == ["status"], problem


def test_the_latency_fault_is_visible_and_exact(server_url: str, promtest: Promtest) -> None:
    fault_end = promtest.end - LATENCY_FAULT.end_before_end
    span = LATENCY_FAULT.start_before_end - LATENCY_FAULT.end_before_end
    params = {
        "service": LATENCY_FAULT.service,
        "namespace": NAMESPACE,
        "window": format_duration(span),
    }

    [slow] = call(server_url, "red_summary", {**params, "at": iso(fault_end)})["services"]
    [normal] = call(server_url, "red_summary", {**params, "at": iso(promtest.end)})["services"]

    truth = red_truth(
        promtest.history, LATENCY_FAULT.service, NAMESPACE, fault_end - span, fault_end
    )
    assert_matches_truth(slow, truth)
    assert slow["p95_ms"] > 5 * normal["p95_ms"]


def test_series_show_when_the_burst_started(server_url: str, promtest: Promtest) -> None:
    at = promtest.end - ERROR_FAULT.end_before_end
    result = call(
        server_url,
        "red_summary",
        {
            "service": ERROR_FAULT.service,
            "namespace": NAMESPACE,
            "window": "30m",
            "at": iso(at),
            "include_series": True,
            "points": 30,
        },
    )

    series = result["series"]
    assert series["step"] == "1m" and series["rate_window"] == "1m"
    [ratio] = series["measures"]["error_ratio"]["series"]
    assert len(ratio["timestamps"]) == 31
    for t, value in zip(ratio["timestamps"], ratio["values"], strict=True):
        truth = red_truth(promtest.history, ERROR_FAULT.service, NAMESPACE, int(t) - 60, int(t))
        assert value == pytest.approx(truth["error_ratio"], rel=1e-9)
    burst_start = promtest.end - ERROR_FAULT.start_before_end
    inside = [
        v for t, v in zip(ratio["timestamps"], ratio["values"], strict=True) if t > burst_start + 60
    ]
    outside = [
        v for t, v in zip(ratio["timestamps"], ratio["values"], strict=True) if t <= burst_start
    ]
    assert min(inside) > max(outside)


def test_namespaces_are_kept_apart(server_url: str, promtest: Promtest) -> None:
    end = promtest.end
    result = call(
        server_url, "red_summary", {"service": "payment-service", "window": "15m", "at": iso(end)}
    )

    rows = rows_by_service(result)
    for namespace in (NAMESPACE, OTHER_NAMESPACE):
        truth = red_truth(promtest.history, "payment-service", namespace, end - 900, end)
        assert_matches_truth(rows[(namespace, "payment-service")], truth)


def test_busiest_services_first_within_the_limit(server_url: str, promtest: Promtest) -> None:
    end = promtest.end
    result = call(
        server_url,
        "red_summary",
        {"namespace": NAMESPACE, "window": "1h", "at": iso(end), "limit": 2},
    )

    rates = {
        s.name: red_truth(promtest.history, s.name, NAMESPACE, end - 3600, end)[
            "request_rate_per_s"
        ]
        for s in SERVICES
        if s.namespace == NAMESPACE
    }
    busiest = sorted(rates, key=lambda name: -rates[name])[:2]
    assert [row["service"] for row in result["services"]] == busiest
    assert result["truncated"] is True
    assert result["total_services"] == len(rates)


def test_korean_service_names_pass_through(server_url: str, promtest: Promtest) -> None:
    name = next(s.name for s in SERVICES if not s.name.isascii())
    request = {
        "jsonrpc": "2.0",
        "method": "red_summary",
        "params": {
            "service": name,
            "namespace": NAMESPACE,
            "window": "15m",
            "at": iso(promtest.end),
        },
        "id": 1,
    }
    response = httpx.post(f"{server_url}/rpc", json=request, timeout=30)

    assert f'"service":"{name}"' in response.text.replace(" ", "")
    [row] = response.json()["result"]["services"]
    assert_matches_truth(
        row, red_truth(promtest.history, name, NAMESPACE, promtest.end - 900, promtest.end)
    )


def test_the_otel_profile_reads_semantic_convention_metrics(
    server_url: str, promtest: Promtest
) -> None:
    end, start = promtest.end, promtest.end - 900
    params = {
        "service": OTEL_SERVICE.name,
        "namespace": NAMESPACE,
        "window": "15m",
        "at": iso(end),
        "profile": "otel",
    }
    result = call(server_url, "red_summary", params)

    match = {"service_name": OTEL_SERVICE.name, "k8s_namespace_name": NAMESPACE}
    history = promtest.history
    total = summed_increase(
        history, "http_server_request_duration_seconds_count", start, end, **match
    )
    errors = sum(
        summed_increase(
            history,
            "http_server_request_duration_seconds_count",
            start,
            end,
            **match,
            http_response_status_code=code,
        )
        for code in ("500", "503")
    )
    buckets = histogram_buckets(
        history, "http_server_request_duration_seconds_bucket", start, end, **match
    )
    truth = {"request_rate_per_s": total / 900, "error_ratio": errors / total}
    truth |= {
        name: bucket_quantile(q, buckets.items()) * 1000
        for name, q in (("p50_ms", 0.5), ("p95_ms", 0.95), ("p99_ms", 0.99))
    }
    assert result["profile"] == "otel"
    [row] = result["services"]
    assert_matches_truth(row, truth)
    assert "http_server_request_duration_seconds_bucket" in result["queries"]["p95_ms"]
