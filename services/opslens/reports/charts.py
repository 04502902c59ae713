"""Inline SVG charts for the HTML report: a series with its band of normal values, and the
incident timeline. No JavaScript and no external files, so the report opens anywhere."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from html import escape

from opslens.reports import i18n
from opslens.reports.models import Anomaly, Chart, Report

WIDTH, HEIGHT, PAD_LEFT, PAD_RIGHT, PAD_Y = 640, 150, 64, 12, 18
TIMELINE_WIDTH, ROW_HEIGHT, TIMELINE_TOP, LABEL_WIDTH = 760, 18, 22, 150
LINE_COLOR, BAND_COLOR, ANOMALY_COLOR, INCIDENT_COLOR = "#c92a2a", "#e7f5ff", "#ffe3e3", "#fff4e6"
SIGNAL_COLORS = {
    "metrics": "#d9480f",
    "logs": "#5f3dc4",
    "traces": "#1971c2",
    "kubernetes": "#2b8a3e",
}
Point = tuple[float, float]


def _svg(width: int, height: int, css: str, parts: Sequence[str]) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" class="{css}">{"".join(parts)}</svg>'
    )


def _text(x: float, y: float, content: str, anchor: str = "start", size: int = 10) -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}">'
        f"{escape(content)}</text>"
    )


def _rect(x: float, y: float, width: float, height: float, fill: str, inner: str = "") -> str:
    return (
        f'<rect x="{x:.1f}" y="{y:.1f}" width="{max(width, 2):.1f}" height="{height:.1f}" '
        f'fill="{fill}">{inner}</rect>'
    )


def _points(points: Sequence[Point]) -> str:
    return " ".join(f"{x:.1f},{y:.1f}" for x, y in points)


def _polyline(points: Sequence[Point]) -> str:
    return (
        f'<polyline points="{_points(points)}" fill="none" stroke="{LINE_COLOR}" '
        'stroke-width="1.5"/>'
    )


def _clock(t: float) -> str:
    return datetime.fromtimestamp(t, UTC).strftime("%H:%M")


def _scale(t0: float, t1: float, left: float, right: float) -> tuple[float, float]:
    """(offset, factor) mapping a time to an x position between ``left`` and ``right``."""
    factor = (right - left) / ((t1 - t0) or 1.0)
    return left - t0 * factor, factor


def series_chart(chart: Chart, anomaly: Anomaly) -> str:
    """The anomalous series, its normal band (median ± 4 robust deviations) and the anomaly's
    window shaded."""
    stamps = chart.timestamps
    numbers = [v for v in (*chart.values, *chart.band_low, *chart.band_high) if v is not None]
    if len(stamps) < 2 or not numbers:
        return ""
    low, high = min(0.0, min(numbers)), max(numbers)
    high = high if high > low else low + 1.0
    offset, factor = _scale(stamps[0], stamps[-1], PAD_LEFT, WIDTH - PAD_RIGHT)

    def at(t: float, value: float) -> Point:
        y = HEIGHT - PAD_Y - (max(value, low) - low) / (high - low) * (HEIGHT - 2 * PAD_Y)
        return offset + t * factor, y

    a = offset + anomaly.start.timestamp() * factor
    b = offset + anomaly.end.timestamp() * factor
    parts = [_rect(a, PAD_Y, b - a, HEIGHT - 2 * PAD_Y, ANOMALY_COLOR)]
    upper = [at(t, v) for t, v in zip(stamps, chart.band_high, strict=False) if v is not None]
    lower = [at(t, v) for t, v in zip(stamps, chart.band_low, strict=False) if v is not None]
    if upper and lower:
        parts.append(f'<polygon points="{_points(upper + lower[::-1])}" fill="{BAND_COLOR}"/>')
    segment: list[Point] = []
    for t, v in zip(stamps, chart.values, strict=False):
        if v is not None:
            segment.append(at(t, v))
            continue
        if len(segment) > 1:
            parts.append(_polyline(segment))
        segment = []
    if len(segment) > 1:
        parts.append(_polyline(segment))
    parts += [
        _text(4, PAD_Y + 4, i18n.value(high, chart.unit)),
        _text(4, HEIGHT - PAD_Y, i18n.value(low, chart.unit)),
        _text(PAD_LEFT, HEIGHT - 4, _clock(stamps[0])),
        _text(WIDTH - PAD_RIGHT, HEIGHT - 4, _clock(stamps[-1]), anchor="end"),
    ]
    return _svg(WIDTH, HEIGHT, "chart", parts)


def timeline(report: Report) -> str:
    """Services down the side, the window across; each anomaly a bar in its signal's colour,
    each incident a shaded span."""
    rows = sorted({a.service or "-" for i in report.incidents for a in i.anomalies})
    if not rows:
        return ""
    t0, t1 = report.window_start.timestamp(), report.window_end.timestamp()
    offset, factor = _scale(t0, t1, LABEL_WIDTH, TIMELINE_WIDTH - 10)
    height = TIMELINE_TOP + ROW_HEIGHT * len(rows) + 20

    def x(t: float) -> float:
        return offset + min(max(t, t0), t1) * factor

    parts = []
    for number, incident in enumerate(report.incidents, start=1):
        a, b = x(incident.start.timestamp()), x(incident.end.timestamp())
        band = ROW_HEIGHT * len(rows) + 6
        parts.append(_rect(a, TIMELINE_TOP - 6, b - a, band, INCIDENT_COLOR))
        parts.append(_text(a, TIMELINE_TOP - 9, f"#{number}"))
    for index, service in enumerate(rows):
        y = TIMELINE_TOP + index * ROW_HEIGHT
        parts.append(_text(4, y + 12, service, size=11))
        for anomaly in (a for i in report.incidents for a in i.anomalies):
            if (anomaly.service or "-") != service:
                continue
            a, b = x(anomaly.start.timestamp()), x(anomaly.end.timestamp())
            title = f"{anomaly.kind} {i18n.clock(anomaly.start)}–{i18n.clock(anomaly.end)}"
            color = SIGNAL_COLORS.get(anomaly.signal, "#495057")
            inner = f"<title>{escape(title)}</title>"
            parts.append(_rect(a, y + 3, b - a, ROW_HEIGHT - 6, color, inner))
    parts += [
        _text(LABEL_WIDTH, height - 4, _clock(t0)),
        _text(TIMELINE_WIDTH - 10, height - 4, _clock(t1), anchor="end"),
    ]
    return _svg(TIMELINE_WIDTH, height, "timeline", parts)
