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

PASSING_COLOR, OTHER_COLOR = "#d62728", "#9e9e9e"


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
        for number, row in enumerate(fleet.services, start=1)
    ]
    return pd.DataFrame(rows, columns=["rank", "service", "value", "passes"])


def fleet_chart(fleet: Fleet) -> alt.Chart:
    """Horizontal bars per service in rank order; those past the threshold in red."""
    title = f"{fleet.measure} ({shown_unit(fleet.unit)})"
    order = [row.service for row in fleet.services]
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
            tooltip=["rank:Q", "service:N", alt.Tooltip("value:Q", title=title)],
        )
        .properties(height=max(120, 28 * len(order)))
    )


def comparison_frame(comparisons: list[WindowComparison]) -> pd.DataFrame:
    """Both windows of each comparison side by side, with the change."""
    rows = [
        {
            "service": item.service,
            "measure": item.measure,
            f"now ({item.start[11:16]}–{item.end[11:16]})": shown_value(item.current, item.unit),
            "baseline": shown_value(item.baseline, item.unit),
            "baseline window": f"{item.baseline_start[:16]} – {item.baseline_end[:16]}",
            "unit": shown_unit(item.unit),
            "change %": item.change_percent,
            "matters": item.significant,
        }
        for item in comparisons
    ]
    return pd.DataFrame(rows)


def render_fleet_and_comparisons(evidence: MetricEvidence, key: str) -> bool:
    """Draw the ranking and the comparison, if the answer has them; whether it had any."""
    if evidence.fleet is not None and evidence.fleet.services:
        fleet = evidence.fleet
        st.altair_chart(fleet_chart(fleet), width="stretch", key=f"{key}-fleet-chart")
        st.dataframe(fleet_frame(fleet), hide_index=True, key=f"{key}-fleet-table")
        if fleet.promql:
            st.code(fleet.promql, language=None, wrap_lines=True)
    if evidence.comparisons:
        st.dataframe(
            comparison_frame(evidence.comparisons), hide_index=True, key=f"{key}-comparison"
        )
        changed = [item.service for item in evidence.comparisons if item.significant]
        if changed:
            st.caption(escape_markdown("Changed beyond noise: " + ", ".join(changed)))
    return bool(evidence.fleet or evidence.comparisons)
