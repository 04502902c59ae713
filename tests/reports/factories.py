"""Small builders of anomalies and reports for the tests of pure functions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from opslens.reports.models import Anomaly, Evidence, Report, Signal

T0 = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)


def evidence(query: str = "up") -> Evidence:
    return Evidence(server="prometheus", tool="query_range", params={"promql": query}, query=query)


def anomaly(
    service: str | None,
    kind: str,
    start_min: float,
    end_min: float,
    *,
    signal: Signal = "metrics",
    score: float = 3.0,
    unit: str = "",
    value: float | None = None,
    baseline: float | None = None,
    facts: dict[str, float] | None = None,
) -> Anomaly:
    start = T0 + timedelta(minutes=start_min)
    return Anomaly(
        id=Anomaly.make_id(service, kind, start_min, signal),
        signal=signal,
        kind=kind,
        service=service,
        score=score,
        start=start,
        end=T0 + timedelta(minutes=end_min),
        value=value,
        baseline=baseline,
        unit=unit,
        facts=facts or {},
        evidence=evidence(f'{kind}{{service="{service}"}}'),
    )


def report(**fields: object) -> Report:
    values: dict[str, object] = {
        "id": "adhoc-test",
        "created_at": T0 + timedelta(hours=6),
        "window_start": T0,
        "window_end": T0 + timedelta(hours=6),
        "baseline_start": T0 - timedelta(hours=6),
        "namespaces": ["shop"],
        "language": "en",
        "incidents": [],
        "summary": "",
        "summary_source": "template",
        "signals": {},
        "duration_ms": 1.0,
    }
    values.update(fields)
    return Report.model_validate(values)
