"""The incidents tab: what an anomaly check found, most recent first, each with its ranked
root-cause candidates, the anomalies behind it and a link to an example trace."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from opslens_ui.contract import Incident
from opslens_ui.formatting import escape_markdown, format_time
from opslens_ui.i18n import Language, text
from opslens_ui.logs_view import trace_link
from opslens_ui.tables import show_table


def incident_title(number: int, incident: Incident, language: Language) -> str:
    """``1 · 04:26:00Z – 04:35:00Z (ongoing) · payment-service``."""
    when = f"{format_time(incident.start)} – {format_time(incident.end)}"
    if incident.ongoing:
        when += f" ({text('incidents.ongoing', language)})"
    return " · ".join(part for part in (str(number), when, incident.root_cause) if part)


def candidates_frame(incident: Incident) -> pd.DataFrame:
    return pd.DataFrame(
        [c.model_dump() | {"reasons": ", ".join(c.reasons)} for c in incident.candidates],
        columns=["rank", "service", "cause", "evidence", "reasons", "score"],
    )


def anomalies_frame(incident: Incident) -> pd.DataFrame:
    rows = [
        a.model_dump() | {"start": format_time(a.start), "end": format_time(a.end)}
        for a in incident.anomalies
    ]
    return pd.DataFrame(
        rows, columns=["signal", "service", "what", "subject", "normal", "peak", "start", "end"]
    )


def render_incidents(incidents: list[Incident], key: str, language: Language) -> None:
    """One expander per incident (the first open): root cause, candidates, anomalies."""
    for number, incident in enumerate(incidents, start=1):
        with st.expander(incident_title(number, incident, language), expanded=number == 1):
            top = incident.candidates[0] if incident.candidates else None
            if top is not None:
                st.markdown(
                    escape_markdown(
                        text("incidents.root_cause", language, service=top.cause or top.service)
                    )
                    + (f" — {escape_markdown(top.evidence)}" if top.evidence else "")
                )
            st.caption(escape_markdown(", ".join(incident.services)))
            st.markdown(f"##### {text('incidents.candidates', language)}")
            show_table(candidates_frame(incident), language, f"{key}-{number}-candidates")
            st.markdown(f"##### {text('incidents.anomalies', language)}")
            show_table(anomalies_frame(incident), language, f"{key}-{number}-anomalies")
            if incident.trace_id:
                st.link_button(
                    text("incidents.trace", language),
                    trace_link(st.context.url or "", incident.trace_id),
                )
