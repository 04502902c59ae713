"""Robust baselines, scores and runs (pure functions)."""

from __future__ import annotations

import random
import statistics

from hypothesis import given
from hypothesis import strategies as st

from opslens.reports.baseline import (
    K_SIGMA,
    MAD_TO_SIGMA,
    Floor,
    anomalous_runs,
    point_scores,
    robust_baseline,
    seasonal_baseline,
)
from opslens.reports.burnrate import RULES, burn_rates, rule_scores
from opslens.reports.telemetry import covered_from


def noisy(n: int, mean: float, sd: float, seed: int) -> list[float | None]:
    rng = random.Random(seed)
    return [rng.gauss(mean, sd) for _ in range(n)]


def test_median_and_mad_resist_outliers() -> None:
    clean = noisy(300, 100.0, 5.0, seed=1)
    dirty = clean[:250] + [10_000.0] * 50  # a sixth of the points are a huge anomaly
    base_clean = robust_baseline(clean, Floor())
    base_dirty = robust_baseline(dirty, Floor())
    assert base_clean is not None and base_dirty is not None
    assert base_dirty.median == statistics.median(x for x in dirty if x is not None)
    numbers = [x for x in clean if x is not None]
    sd = statistics.pstdev(numbers)
    # The robust deviation estimates the noise's standard deviation, outliers or not.
    assert abs(float(base_clean.scale) - sd) / sd < 0.15
    assert abs(float(base_dirty.scale) - sd) / sd < 0.35


def test_floor_keeps_flat_series_quiet() -> None:
    flat: list[float | None] = [0.0] * 50
    base = robust_baseline(flat, Floor(absolute=0.01))
    assert base is not None and base.scale == 0.01
    counts = robust_baseline([4.0] * 50, Floor(poisson=True))
    assert counts is not None and counts.scale == 2.0  # sqrt(4): Poisson noise of the median


def test_scores_in_units_of_k_deviations() -> None:
    values: list[float | None] = [100.0, 100.0 + 2 * K_SIGMA * 5.0, 100.0 - K_SIGMA * 5.0, None]
    up = point_scores(values, [100.0] * 4, [5.0] * 4, "up")
    both = point_scores(values, [100.0] * 4, [5.0] * 4, "both")
    down = point_scores(values, [100.0] * 4, [5.0] * 4, "down")
    assert up == [0.0, 2.0, 0.0, 0.0]
    assert both == [0.0, 2.0, 1.0, 0.0]
    assert down == [0.0, 0.0, 1.0, 0.0]


def test_runs_need_length_and_bridge_small_gaps() -> None:
    scores = [0, 2, 0, 0, 0, 0, 3, 3, 0.5, 4, 0, 0, 0, 0, 1.5, 1.5, 1.5]
    runs = anomalous_runs([float(s) for s in scores], min_points=3, max_gap=2)
    assert [(r.first, r.last, r.peak) for r in runs] == [(6, 9, 9), (14, 16, 14)]
    assert runs[0].peak_score == 4.0


@given(st.lists(st.floats(min_value=-1e6, max_value=1e6), min_size=10, max_size=200))
def test_a_series_judged_by_itself_is_never_mostly_anomalous(values: list[float]) -> None:
    series: list[float | None] = list(values)
    base = robust_baseline(series, Floor())
    assert base is not None
    scores = point_scores(series, base.medians(len(series)), base.scales(len(series)), "both")
    assert all(score >= 0 for score in scores)
    # Median and MAD: fewer than half of the points can lie beyond K robust deviations.
    assert sum(score > 1.0 for score in scores) < len(scores) / 2


def test_seasonal_baseline_follows_the_daily_shape() -> None:
    shape = [100.0 + 50.0 * (i / 60) for i in range(60)]  # traffic ramps up every morning
    days = [
        [v + n for v, n in zip(shape, noisy(60, 0, 2.0, seed=d), strict=True)] for d in range(5)
    ]
    base = seasonal_baseline(days, Floor(relative=0.05))
    assert base is not None
    today: list[float | None] = list(shape)
    today[40:46] = [v * 2 for v in shape[40:46]]  # a real spike on top of the ramp
    scores = point_scores(today, base.medians(60), base.scales(60), "up")
    runs = anomalous_runs(scores, min_points=3)
    assert [(r.first, r.last) for r in runs] == [(40, 45)]
    # A flat baseline over the same history would call the normal late ramp anomalous too.
    flat = robust_baseline([v for day in days for v in day[:20]], Floor(relative=0.05))
    assert flat is not None
    late = point_scores(list(shape), flat.medians(60), flat.scales(60), "up")
    assert sum(score > 1 for score in late) > 10


def test_burn_rate_rules_fire_when_both_windows_burn() -> None:
    slo = 0.999
    fast = RULES[0]
    budget_ratio = fast.factor * (1 - slo)  # the error ratio that burns exactly at the factor
    long = burn_rates([budget_ratio * 2, budget_ratio * 2, budget_ratio * 0.5], slo)
    short = burn_rates([budget_ratio * 3, budget_ratio * 0.5, budget_ratio * 3], slo)
    scores = rule_scores(long, short, fast.factor)
    assert scores[0] > 1.0 and scores[1] < 1.0 and scores[2] < 1.0
    assert abs(scores[0] - 2.0) < 1e-9
    assert burn_rates([None], slo) == [None]
    assert MAD_TO_SIGMA > 1


def test_a_burn_rule_waits_until_its_long_window_holds_data() -> None:
    # Data begins at t=600 (the points before are empty): the 1h window is full from 4200 on.
    stamps = [float(t) for t in range(0, 7200, 60)]
    values = [None if t < 600 else 0.01 for t in stamps]
    assert covered_from(stamps, values, "1h", 60.0) == 600 + 3600 - 60
    assert covered_from(stamps, [None] * len(stamps), "1h", 60.0) is None
