"""Anomalies in one series against its baseline: the detector every numeric signal shares.

The baseline is chosen per series, best first: the same moments on earlier days (seasonal),
the trailing window before the report's window, a reference aggregate (one normal value
measured over the baseline window), and last the report's window itself (median and MAD
resist the anomalies as long as they cover less than half of it).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from opslens.reports.baseline import (
    K_SIGMA,
    Baseline,
    Direction,
    Floor,
    anomalous_runs,
    point_scores,
    robust_baseline,
    seasonal_baseline,
)
from opslens.reports.models import Anomaly, BaselineMode, Chart, Signal
from opslens.reports.telemetry import SeriesData, Window

MAX_CHART_POINTS = 240


@dataclass(frozen=True)
class MeasureSpec:
    """How one measure is judged: which way is bad, its noise floor, its unit."""

    kind: str
    signal: Signal
    direction: Direction
    floor: Floor
    unit: str = ""
    min_points: int = 3
    reference_spread: float = 0.25
    """With a reference aggregate only: its scale as a share of the reference value."""


def _moment(timestamp: float) -> datetime:
    return datetime.fromtimestamp(timestamp, UTC)


def choose_baseline(
    series: SeriesData, spec: MeasureSpec, window: Window, first: int
) -> tuple[Baseline | None, BaselineMode]:
    """The best baseline for the window's points (``first`` is the window's first index)."""
    n = len(series.values) - first
    if series.seasonal:
        seasonal = seasonal_baseline([day[:n] for day in series.seasonal], spec.floor)
        if seasonal is not None:
            return seasonal, "seasonal"
    trailing = robust_baseline(series.values[:first], spec.floor)
    if trailing is not None:
        return trailing, "trailing"
    if series.reference is not None:
        median = series.reference
        scale = spec.floor.apply(median, spec.reference_spread * abs(median))
        return Baseline(median, scale, 1), series.reference_mode
    own = robust_baseline(series.values[first:], spec.floor)
    return own, "self" if own is not None else "none"


def detect_series(series: SeriesData, spec: MeasureSpec, window: Window) -> list[Anomaly]:
    """The anomalous runs of ``series`` inside the window, one anomaly each."""
    start_s = window.start.timestamp()
    first = next((i for i, t in enumerate(series.timestamps) if t >= start_s), None)
    if first is None:
        return []
    baseline, mode = choose_baseline(series, spec, window, first)
    if baseline is None:
        return []
    values = series.values[first:]
    stamps = series.timestamps[first:]
    medians, scales = baseline.medians(len(values)), baseline.scales(len(values))
    scores = point_scores(values, medians, scales, spec.direction)
    min_points = min(spec.min_points, max(1, len(values) // 4))
    chart = _chart(stamps, values, medians, scales, spec.unit)
    anomalies = []
    for run in anomalous_runs(scores, min_points=min_points):
        peak_value = values[run.peak]
        median = medians[run.peak]
        direction = "down" if peak_value is not None and peak_value < median else "up"
        anomalies.append(
            Anomaly(
                id=Anomaly.make_id(spec.kind, series.service, series.subject, stamps[run.first]),
                signal=spec.signal,
                kind=spec.kind,
                service=series.service,
                subject=series.subject,
                score=round(run.peak_score, 3),
                direction=direction,
                start=_moment(stamps[run.first]),
                end=_moment(stamps[run.last]),
                peak_at=_moment(stamps[run.peak]),
                value=peak_value,
                baseline=round(median, 6),
                unit=spec.unit,
                baseline_mode=mode,
                evidence=series.evidence.model_copy(update={"chart": chart}),
            )
        )
    return anomalies


def _chart(
    stamps: list[float],
    values: list[float | None],
    medians: list[float],
    scales: list[float],
    unit: str,
) -> Chart:
    stride = max(1, -(-len(stamps) // MAX_CHART_POINTS))
    picked = range(0, len(stamps), stride)
    return Chart(
        timestamps=[stamps[i] for i in picked],
        values=[values[i] for i in picked],
        band_low=[medians[i] - K_SIGMA * scales[i] for i in picked],
        band_high=[medians[i] + K_SIGMA * scales[i] for i in picked],
        unit=unit,
    )
