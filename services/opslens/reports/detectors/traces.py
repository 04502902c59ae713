"""Trace anomalies: latency and error-span ratio per service and operation over the window;
for each incident, new error types and slow calls into a service (from sampled traces).

Spans are sampled, so their figures are noisier than the mesh metrics: against a reference
aggregate the p50 must double and the p95 triple, and the error-span ratio must rise by more
than five points, before a bucket counts. A call gap must exceed its baseline by the baseline
itself and by 8 ms.
"""

from __future__ import annotations

from opslens.reports.baseline import K_SIGMA, Floor
from opslens.reports.detectors.series import MeasureSpec, detect_series
from opslens.reports.models import Anomaly, BaselineMode, Evidence
from opslens.reports.telemetry import Telemetry, Window
from opslens.reports.trace_analysis import ErrorTally, GapStats

TRACE_MEASURES: dict[str, MeasureSpec] = {
    spec.kind: spec
    for spec in (
        MeasureSpec("trace_p50", "traces", "up", Floor(0.25, 2.0), "ms"),
        MeasureSpec("trace_p95", "traces", "up", Floor(0.5, 5.0), "ms", reference_spread=0.5),
        MeasureSpec(
            "trace_error_ratio", "traces", "up", Floor(0.0, 0.0125), "ratio", reference_spread=0.0
        ),
    )
}
MIN_NEW_ERRORS = 3
GAP_FLOOR = Floor(relative=0.25, absolute=2.0)
MIN_GAP_CALLS = 2


def detect_traces(telemetry: Telemetry) -> list[Anomaly]:
    found: list[Anomaly] = []
    for series in telemetry.traces:
        spec = TRACE_MEASURES.get(series.kind)
        if spec is not None:
            found += detect_series(series, spec, telemetry.window)
    return found


def new_error_type(
    error: ErrorTally, baseline_count: int, mode: BaselineMode, evidence: Evidence, window: Window
) -> Anomaly | None:
    """An error message a service's spans did not carry in the baseline, seen a few times.

    Spans where the failure starts (no error below them) weigh double: they point at the
    service to blame rather than at the callers the error travelled through.
    """
    score = (error.count + error.origin_count) / (2 * MIN_NEW_ERRORS)
    if baseline_count > 0 or error.count < MIN_NEW_ERRORS or score <= 1.0:
        return None
    return Anomaly(
        id=Anomaly.make_id("new_error_type", error.service, error.operation, error.message),
        signal="traces",
        kind="new_error_type",
        service=error.service,
        subject=error.operation,
        score=round(score, 3),
        start=error.first_seen or window.start,
        end=error.last_seen or window.end,
        peak_at=error.first_seen,
        value=float(error.count),
        baseline=0.0,
        unit="spans",
        baseline_mode=mode,
        label=error.message[:300],
        facts={"origin_spans": float(error.origin_count)},
        evidence=evidence.model_copy(
            update={
                "details": [
                    f"{error.count} error spans, {error.origin_count} where the failure starts",
                    *(f"trace {trace_id}" for trace_id in error.trace_ids),
                ]
            }
        ),
    )


def slow_calls(
    gap: GapStats,
    baseline: GapStats | None,
    mode: BaselineMode,
    evidence: Evidence,
    window: Window,
) -> Anomaly | None:
    """Calls into a service that wait far longer than usual outside its own spans."""
    if baseline is None or gap.count < MIN_GAP_CALLS:
        return None
    scale = GAP_FLOOR.apply(baseline.median_ms, 0.0)
    score = (gap.median_ms - baseline.median_ms) / (K_SIGMA * scale)
    if score <= 1.0:
        return None
    return Anomaly(
        id=Anomaly.make_id("call_gap", gap.caller, gap.callee, window.start),
        signal="traces",
        kind="call_gap",
        service=gap.callee,
        subject=f"{gap.caller} -> {gap.callee}",
        score=round(score, 3),
        start=window.start,
        end=window.end,
        value=round(gap.median_ms, 3),
        baseline=round(baseline.median_ms, 3),
        unit="ms",
        baseline_mode=mode,
        label=f"{gap.caller} -> {gap.callee}",
        facts={"calls": float(gap.count)},
        evidence=evidence.model_copy(
            update={
                "details": [f"median of {gap.count} calls", *(f"trace {t}" for t in gap.trace_ids)]
            }
        ),
    )
