"""Fleet and comparison answers in the metrics tab: services ranked by one measure (a table and
a bar chart, those past the threshold marked), and a window beside its baseline.

Values are shown as the agent measured them: ratios as %, latencies in ms, rates in req/s.
"""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from opslens_ui.contract import Fleet, MetricEvidence, WindowComparison
from opslens_ui.formatting import escape_markdown
from opslens_ui.i18n import Language, text
from opslens_ui.tables import header, show_table

PASSING_COLOR, OTHER_COLOR = "#d62728", "#9e9e9e"
FLEET_COLUMNS = ["rank", "service", "value", "passes"]
COMPARISON_COLUMNS = [
    *("service", "measure", "window", "value", "baseline", "baseline window", "unit"),
    *("change %", "matters"),
]


def shown_value(value: float | None, unit: str) -> float | None:
    """A value in the unit people read: ratios in percent."""
    if value is None:
        return None
    return round(value * 100, 2) if unit == "ratio" else round(value, 2)


def shown_unit(unit: str) -> str:
    return "%" if unit == "ratio" else unit


def fleet_frame(fleet: Fleet) -> pd.DataFrame:
    """One row per service, in the agent's rank order."""
    rows = [
        {
            "rank": number,
            "service": row.service,
            "value": shown_value(row.value, fleet.unit),
            "passes": row.passes,
        }
        for number, row in enumerate(fleet.shown, start=1)
    ]
    return pd.DataFrame(rows, columns=FLEET_COLUMNS)


def fleet_chart(fleet: Fleet, language: Language) -> alt.Chart:
    """Horizontal bars per service in rank order; those past the threshold in red."""
    title = f"{fleet.measure} ({shown_unit(fleet.unit)})"
    order = [row.service for row in fleet.shown]
    return (
        alt.Chart(fleet_frame(fleet))
        .mark_bar()
        .encode(
            x=alt.X("value:Q", title=title),
            y=alt.Y("service:N", sort=order, title=None),
            color=alt.Color(
                "passes:N",
                scale=alt.Scale(domain=[True, False], range=[PASSING_COLOR, OTHER_COLOR]),
                legend=alt.Legend(title=fleet.threshold or "", orient="bottom")
                if fleet.threshold
                else None,
            ),
            tooltip=[
                alt.Tooltip("rank:Q", title=header("rank", language)),
                alt.Tooltip("service:N", title=header("service", language)),
                alt.Tooltip("value:Q", title=title),
            ],
        )
        .properties(height=max(120, 28 * len(order)))
    )


def comparison_frame(comparisons: list[WindowComparison]) -> pd.DataFrame:
    """Both windows of each comparison side by side, with the change."""
    rows = [
        {
            "service": item.service,
            "measure": item.measure,
            "window": f"{item.start[:16]} – {item.end[:16]}",
            "value": shown_value(item.current, item.unit),
            "baseline": shown_value(item.baseline, item.unit),
            "baseline window": f"{item.baseline_start[:16]} – {item.baseline_end[:16]}",
            "unit": shown_unit(item.unit),
            "change %": item.change_percent,
            "matters": item.significant,
        }
        for item in comparisons
    ]
    return pd.DataFrame(rows, columns=COMPARISON_COLUMNS)


def render_fleet_and_comparisons(evidence: MetricEvidence, key: str, language: Language) -> bool:
    """Draw the ranking and the comparison, if the answer has them; whether it had any."""
    if evidence.fleet is not None and evidence.fleet.services:
        fleet = evidence.fleet
        chart = fleet_chart(fleet, language)
        st.altair_chart(chart, width="stretch", key=f"{key}-fleet-chart")
        show_table(fleet_frame(fleet), language, key=f"{key}-fleet-table")
        if fleet.promql:
            st.code(fleet.promql, language=None, wrap_lines=True)
    if evidence.comparisons:
        show_table(comparison_frame(evidence.comparisons), language, key=f"{key}-comparison")
        changed = [item.service for item in evidence.comparisons if item.significant]
        if changed:
            caption = text("metrics.changed_beyond_noise", language, services=", ".join(changed))
            st.caption(escape_markdown(caption))
    return bool(evidence.fleet or evidence.comparisons)
