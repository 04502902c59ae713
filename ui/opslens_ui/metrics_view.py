"""The metrics tab: one line chart per metric, with the anomaly windows shaded behind the lines.

Times are drawn in UTC, like every other time the UI shows, so a chart, a log line and the
answer's window can be compared without converting.
"""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from opslens_ui.contract import AnomalyWindow, MetricEvidence, MetricSeries
from opslens_ui.fleet_view import render_fleet_and_comparisons
from opslens_ui.formatting import escape_markdown, try_parse_time
from opslens_ui.i18n import Language, text

WINDOW_COLOR = "#d62728"


def series_labels(series: list[MetricSeries]) -> list[str]:
    """What tells each series apart from its siblings: the labels whose values differ.

    A lone series shows all its labels; one without labels shows its name.
    """
    keys = sorted({key for one in series for key in one.labels})
    if len(series) > 1:
        keys = [key for key in keys if len({one.labels.get(key) for one in series}) > 1]
    return [
        ", ".join(f"{key}={one.labels[key]}" for key in keys if key in one.labels) or one.name
        for one in series
    ]


def chart_groups(evidence: MetricEvidence) -> dict[str, list[MetricSeries]]:
    """Series grouped by metric name (and unit): each group shares one y axis."""
    groups: dict[str, list[MetricSeries]] = {}
    for series in evidence.series:
        title = f"{series.name} ({series.unit})" if series.unit else series.name
        groups.setdefault(title, []).append(series)
    return groups


def points_frame(series: list[MetricSeries]) -> pd.DataFrame:
    """Long-form points (time, value, series) of ``series``; gaps (None, NaN) are left out."""
    rows = [
        {"time": pd.Timestamp(timestamp, unit="s", tz="UTC"), "value": value, "series": label}
        for one, label in zip(series, series_labels(series), strict=True)
        for timestamp, value in one.points
        if value is not None and value == value  # NaN != NaN
    ]
    return pd.DataFrame(rows, columns=["time", "value", "series"])


def windows_frame(windows: list[AnomalyWindow], language: Language) -> pd.DataFrame:
    """The windows to shade; one with an unreadable start or end is left out."""
    rows = [
        {"start": start, "end": end, "label": window.label or text("metrics.anomaly", language)}
        for window in windows
        if (start := try_parse_time(window.start)) is not None
        and (end := try_parse_time(window.end)) is not None
    ]
    return pd.DataFrame(rows, columns=["start", "end", "label"])


def metric_chart(
    title: str, series: list[MetricSeries], windows: list[AnomalyWindow], language: Language
) -> alt.LayerChart | alt.Chart:
    """Lines of ``series`` over time, with ``windows`` as shaded bands behind them."""
    time_axis = alt.X("time:T", title=text("metrics.axis", language), scale=alt.Scale(type="utc"))
    lines = (
        alt.Chart(points_frame(series))
        .mark_line(point=False, interpolate="linear")
        .encode(
            x=time_axis,
            y=alt.Y("value:Q", title=title),
            color=alt.Color(
                "series:N", legend=alt.Legend(orient="bottom", title=None, labelLimit=480)
            ),
            tooltip=[
                alt.Tooltip("time:T", format="%Y-%m-%d %H:%M:%S", formatType="utc"),
                alt.Tooltip("series:N"),
                alt.Tooltip("value:Q", format=",.4~f"),
            ],
        )
    )
    if not windows:
        return lines.properties(height=260)
    bands = (
        alt.Chart(windows_frame(windows, language))
        .mark_rect(opacity=0.12, color=WINDOW_COLOR)
        .encode(
            x=alt.X("start:T", scale=alt.Scale(type="utc")),
            x2="end:T",
            tooltip=[alt.Tooltip("label:N", title=text("metrics.window", language))],
        )
    )
    return alt.LayerChart(layer=[bands, lines], height=260)


def render_metrics(evidence: MetricEvidence, key: str, language: Language) -> None:
    """A fleet ranking or a comparison when asked; one chart per metric, the PromQL under each,
    and the points as CSV."""
    if render_fleet_and_comparisons(evidence, key, language) and not evidence.series:
        return
    if not evidence.series:
        st.info(text("metrics.none", language))
        return
    for number, (title, series) in enumerate(chart_groups(evidence).items()):
        st.altair_chart(
            metric_chart(title, series, evidence.anomaly_windows, language),
            width="stretch",
            key=f"{key}-chart-{number}",
        )
        for promql in dict.fromkeys(one.promql for one in series if one.promql):
            st.code(promql, language=None, wrap_lines=True)
    if evidence.anomaly_windows:
        anomaly = text("metrics.anomaly", language)
        spans = "; ".join(
            f"{w.label or anomaly}: {w.start} – {w.end}" for w in evidence.anomaly_windows
        )
        st.caption(escape_markdown(text("metrics.shaded", language, windows=spans)))
    frame = points_frame(evidence.series)
    st.download_button(
        text("metrics.download", language),
        frame.to_csv(index=False).encode(),
        file_name="opslens-metrics.csv",
        mime="text/csv",
        key=f"{key}-csv",
    )
