"""``query``, ``query_range`` and ``compare_windows`` against real Prometheus and known samples."""

from __future__ import annotations

import pytest

from opslens_eval.prometheus.generate import ERROR_FAULT, NAMESPACE
from opslens_eval.prometheus.history import STEP_S
from opslens_mcp.prometheus.times import PROMETHEUS_MAX_POINTS
from tests.prometheus.conftest import Promtest, iso
from tests.prometheus.rpc import call, call_error
from tests.prometheus.truth import counter_increase, summed_increase, value_at, window_samples

pytestmark = pytest.mark.integration

PAYMENT = f'destination_service_namespace="{NAMESPACE}", destination_service_name="payment-service"'
SERVER_SIDE = f'istio_requests_total{{reporter="destination", {PAYMENT}}}'


def test_instant_query_at_a_pinned_time(server_url: str, promtest: Promtest) -> None:
    end = promtest.end
    promql = f"sum by (response_code) ({SERVER_SIDE})"
    result = call(server_url, "query", {"promql": promql, "at": str(end)})

    values = {s["labels"]["response_code"]: s["values"][0] for s in result["series"]}
    expected: dict[str, float] = {}
    for labels, samples in promtest.history.select(
        "istio_requests_total",
        reporter="destination",
        destination_service_namespace=NAMESPACE,
        destination_service_name="payment-service",
    ):
        code = labels["response_code"]
        expected[code] = expected.get(code, 0) + value_at(samples, end)
    assert values == expected
    assert result["promql"] == promql
    assert result["result_type"] == "vector"
    assert all(s["timestamps"] == [end] for s in result["series"])


def test_instant_query_limit_counts_what_it_drops(server_url: str, promtest: Promtest) -> None:
    selector = f'istio_requests_total{{destination_service_namespace="{NAMESPACE}"}}'
    result = call(server_url, "query", {"promql": selector, "at": iso(promtest.end), "limit": 3})

    every = list(
        promtest.history.select("istio_requests_total", destination_service_namespace=NAMESPACE)
    )
    assert len(result["series"]) == 3
    assert result["total_series"] == len(every)
    assert result["truncated"] is True


def test_scalar_and_string_results(server_url: str) -> None:
    scalar = call(server_url, "query", {"promql": "scalar(vector(42)) / 8"})
    text = call(server_url, "query", {"promql": '"주문 확인"'})

    assert scalar["result_type"] == "scalar"
    assert scalar["series"][0]["values"] == [42 / 8]
    assert text["result_type"] == "string"
    assert text["series"][0]["labels"] == {"string": "주문 확인"}


def test_range_query_points_equal_the_samples(server_url: str, promtest: Promtest) -> None:
    end = promtest.end
    promql = f"sum(rate({SERVER_SIDE}[1m]))"
    result = call(
        server_url,
        "query_range",
        {"promql": promql, "start": "now-30m", "end": iso(end), "points": 30},
    )

    assert result["step"] == "1m"
    assert result["start"] == iso(end - 1800).replace("+00:00", "Z")
    [series] = result["series"]
    assert len(series["timestamps"]) == 31
    for t, value in zip(series["timestamps"], series["values"], strict=True):
        increase = summed_increase(
            promtest.history,
            "istio_requests_total",
            int(t) - 60,
            int(t),
            reporter="destination",
            destination_service_namespace=NAMESPACE,
            destination_service_name="payment-service",
        )
        assert value == pytest.approx(increase / 60, rel=1e-9)
    assert series["summary"]["max"] == max(series["values"])


def test_large_ranges_come_back_summarized(server_url: str, promtest: Promtest) -> None:
    end = promtest.end
    params = {
        "promql": SERVER_SIDE,
        "start": iso(end - 3600),
        "end": iso(end),
        "step": f"{STEP_S}s",
        "max_points": 100,
    }
    result = call(server_url, "query_range", params)

    assert result["summarized"] is True
    history = promtest.history
    for series in result["series"]:
        labels = {k: v for k, v in series["labels"].items() if k != "__name__"}
        [(_, samples)] = list(history.select("istio_requests_total", **labels))
        values = [v for _, v in samples]
        assert series["timestamps"] is None and series["values"] is None
        summary = series["summary"]
        assert summary["points"] == len(values)
        assert (summary["min"], summary["max"], summary["last"]) == (
            min(values),
            max(values),
            values[-1],
        )
        assert summary["avg"] == pytest.approx(sum(values) / len(values), rel=1e-12)


def test_automatic_step_stays_within_prometheus_point_limit(server_url: str) -> None:
    result = call(
        server_url,
        "query_range",
        {"promql": "vector(1)", "start": "now-400d", "points": PROMETHEUS_MAX_POINTS},
    )

    assert 400 * 86400 / result["step_seconds"] <= PROMETHEUS_MAX_POINTS
    assert result["summarized"] is True  # 11,000 points are more than the default budget


def test_a_step_over_the_point_limit_is_refused_with_the_smallest_step(server_url: str) -> None:
    error = call_error(
        server_url, "query_range", {"promql": "vector(1)", "start": "now-30d", "step": "10s"}
    )

    assert error["code"] == -32602
    assert "11000" in error["message"] and "at least 3m56s" in error["message"]


def test_compare_windows_gives_the_ratio_to_the_baseline(
    server_url: str, promtest: Promtest
) -> None:
    at = promtest.end - ERROR_FAULT.end_before_end
    span = ERROR_FAULT.start_before_end - ERROR_FAULT.end_before_end
    params = {
        "metric": "istio_requests_total",
        "labels": {"reporter": "destination", "destination_service_namespace": NAMESPACE},
        "label_regex": {"response_code": "5.."},
        "by": ["destination_service_name"],
        "window": f"{span}s",
        "baseline_offset": f"{span}s",
        "at": iso(at),
    }
    result = call(server_url, "compare_windows", params)

    changes = {c["labels"]["destination_service_name"]: c for c in result["changes"]}
    history = promtest.history

    def errors_per_s(service: str, end: int) -> float:
        return (
            sum(
                counter_increase(window_samples(samples, end - span, end))
                for labels, samples in history.select(
                    "istio_requests_total",
                    reporter="destination",
                    destination_service_namespace=NAMESPACE,
                    destination_service_name=service,
                )
                if labels["response_code"].startswith("5")
            )
            / span
        )

    for service, change in changes.items():
        current, baseline = errors_per_s(service, at), errors_per_s(service, at - span)
        assert change["current"] == pytest.approx(current, rel=1e-9)
        assert change["baseline"] == pytest.approx(baseline, rel=1e-9)
        if baseline:
            assert change["ratio"] == pytest.approx(current / baseline, rel=1e-9)
    assert changes[ERROR_FAULT.service]["ratio"] > 10
    assert result["promql_baseline"] == result["promql_current"].replace(
        "[900s]", "[900s] offset 900s"
    )
