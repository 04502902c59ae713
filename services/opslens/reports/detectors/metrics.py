"""Metric anomalies: RED measures per service, CPU/memory per pod, restarts, SLO burn.

Floors say how small a change still matters, so quiet series do not alarm on noise: a tenth
of the request rate, one percentage point of errors, 15% of the median latency and 25% of the
p95 (a tail is noisier; and 5 ms), a tenth of the CPU, 5% of the memory.
"""

from __future__ import annotations

from datetime import UTC, datetime

from opslens.reports.baseline import Floor, anomalous_runs
from opslens.reports.burnrate import RULES, burn_rates, rule_scores
from opslens.reports.detectors.series import MeasureSpec, detect_series
from opslens.reports.models import Anomaly, Chart
from opslens.reports.telemetry import SeriesData, Telemetry, Window, covered_from

MEASURES: dict[str, MeasureSpec] = {
    spec.kind: spec
    for spec in (
        MeasureSpec("request_rate", "metrics", "both", Floor(0.1, 0.05), "req/s"),
        MeasureSpec("error_ratio", "metrics", "up", Floor(0.0, 0.01), "ratio"),
        MeasureSpec("latency_p50", "metrics", "up", Floor(0.15, 5.0), "ms"),
        MeasureSpec("latency_p95", "metrics", "up", Floor(0.25, 5.0), "ms"),
        MeasureSpec("cpu", "metrics", "up", Floor(0.1, 0.005), "cores"),
        MeasureSpec("memory", "metrics", "up", Floor(0.05, 8 * 2**20), "bytes"),
    )
}


def detect_metrics(telemetry: Telemetry, slo_of: dict[str, float]) -> list[Anomaly]:
    """Every metric anomaly of the report's window."""
    window = telemetry.window
    found: list[Anomaly] = []
    for series in telemetry.metrics:
        spec = MEASURES.get(series.kind)
        if spec is not None:
            found += detect_series(series, spec, window)
    for series in telemetry.restarts:
        found += detect_restarts(series, window)
    for service, by_window in telemetry.burn.items():
        found += detect_burn(service, by_window, slo_of.get(service, 0.999), window)
    return found


def _moment(timestamp: float) -> datetime:
    return datetime.fromtimestamp(timestamp, UTC)


def detect_restarts(series: SeriesData, window: Window) -> list[Anomaly]:
    """One anomaly per pod that restarted in the window; score 1 + restarts."""
    start = window.start.timestamp()
    increases: list[tuple[float, float]] = []
    previous: float | None = None
    for stamp, value in zip(series.timestamps, series.values, strict=True):
        if value is None:
            continue
        if previous is not None and value > previous and stamp >= start:
            increases.append((stamp, value - previous))
        previous = value
    if not increases:
        return []
    total = sum(delta for _, delta in increases)
    first, last = increases[0][0], increases[-1][0]
    chart = Chart(timestamps=list(series.timestamps), values=list(series.values), unit="restarts")
    return [
        Anomaly(
            id=Anomaly.make_id("restarts", series.service, series.subject, first),
            signal="metrics",
            kind="restarts",
            service=series.service,
            subject=series.subject,
            score=1.0 + total,
            start=_moment(first),
            end=_moment(last),
            peak_at=_moment(max(increases, key=lambda item: item[1])[0]),
            value=total,
            baseline=0.0,
            unit="restarts",
            baseline_mode="none",
            label=f"{total:g} restart(s) at "
            + ", ".join(_moment(t).strftime("%H:%M") for t, _ in increases),
            evidence=series.evidence.model_copy(update={"chart": chart}),
        )
    ]


def detect_burn(
    service: str, by_window: dict[str, SeriesData], slo: float, window: Window
) -> list[Anomaly]:
    """SLO burn-rate alerts of one service: runs where a rule's two windows both burn."""
    found = []
    start = window.start.timestamp()
    for rule in RULES:
        long, short = by_window.get(rule.long), by_window.get(rule.short)
        if long is None or short is None:
            continue
        step = _step(long.timestamps)
        full = covered_from(long.timestamps, long.values, rule.long, step)
        if full is None:
            continue
        begin = max(start, full)
        first = next((i for i, t in enumerate(long.timestamps) if t >= begin), len(long.timestamps))
        stamps = long.timestamps[first:]
        long_burn = burn_rates(long.values[first:], slo)
        short_burn = burn_rates(_aligned(short, stamps), slo)
        scores = rule_scores(long_burn, short_burn, rule.factor)
        for run in anomalous_runs(scores, min_points=1, max_gap=2):
            peak_long = long_burn[run.peak] or 0.0
            chart = Chart(timestamps=stamps, values=long_burn, unit="x budget")
            evidence = long.evidence.model_copy(
                update={
                    "chart": chart,
                    "details": [
                        f"SLO {slo:.4g}: error budget {1 - slo:.4g}",
                        f"burn over {rule.long} and {rule.short} both above {rule.factor:g}x",
                        f"short window query: {short.evidence.query}",
                    ],
                }
            )
            found.append(
                Anomaly(
                    id=Anomaly.make_id("slo_burn", service, rule.long, stamps[run.first]),
                    signal="metrics",
                    kind="slo_burn",
                    service=service,
                    subject=f"{rule.long}/{rule.short}",
                    score=round(run.peak_score, 3),
                    start=_moment(stamps[run.first]),
                    end=_moment(stamps[run.last]),
                    peak_at=_moment(stamps[run.peak]),
                    value=round(peak_long, 3),
                    baseline=rule.factor,
                    unit="x budget",
                    baseline_mode="none",
                    label=f"{rule.long}/{rule.short} > {rule.factor:g}x",
                    evidence=evidence,
                )
            )
    return found


def _step(timestamps: list[float]) -> float:
    return timestamps[1] - timestamps[0] if len(timestamps) > 1 else 0.0


def _aligned(series: SeriesData, stamps: list[float]) -> list[float | None]:
    by_time = dict(zip(series.timestamps, series.values, strict=True))
    return [by_time.get(stamp) for stamp in stamps]
