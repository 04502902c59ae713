"""The pure parts: PromQL quoting and builders, times and durations, tidy series."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from opslens_mcp.core.times import format_duration, parse_duration, parse_time
from opslens_mcp.prometheus import promql
from opslens_mcp.prometheus.profiles import IstioProfile, OtelProfile
from opslens_mcp.prometheus.series import tidy
from opslens_mcp.prometheus.settings import PrometheusSettings
from opslens_mcp.prometheus.times import PROMETHEUS_MAX_POINTS, auto_step, resolve_range

CLOCK = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


@given(st.text())
def test_quote_is_a_string_literal_of_exactly_the_value(value: str) -> None:
    literal = promql.quote(value)
    assert json.loads(literal) == value
    assert re.fullmatch(r'"(?:[^"\\\n]|\\.)*"', literal, re.DOTALL)


def test_quote_keeps_korean_readable() -> None:
    assert promql.quote("결제-서비스") == '"결제-서비스"'


@given(st.text(), st.text(min_size=1))
def test_regex_quote_matches_only_the_value(value: str, suffix: str) -> None:
    pattern = promql.regex_quote(value)
    assert re.fullmatch(pattern, value, re.DOTALL)
    assert not re.fullmatch(pattern, value + suffix, re.DOTALL)


def test_selector_validates_names_and_quotes_values() -> None:
    assert promql.selector("up") == "up"
    assert promql.selector("up", [promql.Matcher("job", "a", "!~")]) == 'up{job!~"a"}'
    with pytest.raises(ValueError, match="metric name"):
        promql.selector("up or vector(1)")
    with pytest.raises(ValueError, match="label name"):
        promql.selector("up", [promql.Matcher("job}", "a")])


def test_error_ratio_is_zero_not_missing_without_errors() -> None:
    profile = IstioProfile()
    matchers = promql.request_matchers(profile, "checkout", "shop")
    expression = promql.error_ratio(profile, matchers, "5m")
    total = promql.request_rate(profile, matchers, "5m")
    assert expression.endswith(f" or {total} * 0) / {total}")
    assert 'response_code=~"5.."' in expression
    assert 'reporter="destination"' in total


def test_latency_is_converted_to_milliseconds_in_the_query() -> None:
    istio, otel = IstioProfile(), OtelProfile()
    assert "* 1000" not in promql.latency_quantile(istio, [], "5m", 0.95)
    assert promql.latency_quantile(otel, [], "5m", 0.95).endswith(" * 1000")
    assert "by (k8s_namespace_name, service_name, le)" in promql.latency_quantile(
        otel, [], "5m", 0.5
    )


def test_profile_labels_come_from_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPSLENS_PROMETHEUS_ISTIO__SERVICE_LABEL", "destination_workload")
    monkeypatch.setenv("OPSLENS_PROMETHEUS_DEFAULT_PROFILE", "otel")
    settings = PrometheusSettings()
    assert settings.request_profile("istio").service_label == "destination_workload"
    assert settings.request_profile(None).requests_metric.startswith("http_server_request")


def test_windowed_comparison_shapes() -> None:
    series = promql.selector("http_requests_total")
    assert promql.default_function("http_requests_total") == "rate"
    assert promql.default_function("node_memory_MemAvailable_bytes") == "avg_over_time"
    assert (
        promql.windowed(series, "rate", "1h", "sum", ["job"], "1d")
        == "sum by (job) (rate(http_requests_total[1h] offset 1d))"
    )
    assert promql.windowed(series, "last", "1h", "max", []) == "max by () (http_requests_total)"


@given(st.integers(min_value=1, max_value=10 * 365 * 86400))
def test_durations_round_trip(seconds: int) -> None:
    assert parse_duration(format_duration(seconds)) == seconds


@pytest.mark.parametrize("text", ["", "5", "5 minutes", "1.5h", "-5m", "0s", "5m1h"])
def test_bad_durations_are_refused(text: str) -> None:
    with pytest.raises(ValueError):
        parse_duration(text)


def test_times_in_every_accepted_form() -> None:
    assert parse_time("now", CLOCK) == CLOCK
    assert parse_time("now-1h30m", CLOCK) == CLOCK - timedelta(minutes=90)
    assert parse_time("NOW + 5m", CLOCK) == CLOCK + timedelta(minutes=5)
    assert parse_time("2026-11-26T10:00:00+09:00", CLOCK) == datetime(2026, 11, 26, 1, tzinfo=UTC)
    assert parse_time("2026-11-26T10:00:00", CLOCK) == datetime(2026, 11, 26, 10, tzinfo=UTC)
    assert parse_time(str(CLOCK.timestamp()), CLOCK) == CLOCK
    with pytest.raises(ValueError, match="cannot read time"):
        parse_time("yesterday", CLOCK)


def test_an_absolute_end_pins_now_for_a_relative_start() -> None:
    pinned = "2026-11-26T09:00:00Z"
    assert resolve_range("now-3h", pinned, CLOCK)[0] == datetime(2026, 11, 26, 6, tzinfo=UTC)
    assert resolve_range("now-3h", "now-1h", CLOCK) == (
        CLOCK - timedelta(hours=3),
        CLOCK - timedelta(hours=1),
    )
    with pytest.raises(ValueError, match="before end"):
        resolve_range("now", "now-1h", CLOCK)


@given(
    st.floats(min_value=1, max_value=400 * 86400),
    st.integers(min_value=2, max_value=PROMETHEUS_MAX_POINTS),
)
def test_automatic_step_never_exceeds_the_wanted_points(span: float, points: int) -> None:
    step = auto_step(span, points)
    assert span / step <= points


def _matrix(values: list[str]) -> dict[str, object]:
    return {
        "resultType": "matrix",
        "result": [{"metric": {"job": "a"}, "values": [[i, v] for i, v in enumerate(values)]}],
    }


def test_tidy_series_turn_nan_and_inf_into_null() -> None:
    tidied = tidy(_matrix(["1", "NaN", "+Inf", "3"]), limit=10, max_points=100)
    [series] = tidied.series
    assert series.values == [1.0, None, None, 3.0]
    assert series.summary is not None
    assert (series.summary.min, series.summary.max, series.summary.last) == (1.0, 3.0, 3.0)
    assert tidied.summarized is False


def test_tidy_series_summarize_over_the_point_budget() -> None:
    tidied = tidy(_matrix([str(v) for v in range(10)]), limit=10, max_points=5)
    [series] = tidied.series
    assert tidied.summarized is True
    assert series.values is None and series.timestamps is None
    assert series.summary is not None and series.summary.avg == 4.5
