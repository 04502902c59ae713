"""The Kubernetes tab: what the analyzers found, the pods involved, and their events."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from opslens_ui.contract import KubeEvidence
from opslens_ui.i18n import Language, text
from opslens_ui.tables import header, show_table

SEVERITY_ORDER = {"critical": 0, "error": 0, "warning": 1, "warn": 1, "info": 2}


def findings_frame(evidence: KubeEvidence) -> pd.DataFrame:
    """Findings, most severe first."""
    findings = sorted(
        evidence.findings, key=lambda f: SEVERITY_ORDER.get((f.severity or "").lower(), 3)
    )
    return pd.DataFrame(
        [f.model_dump() for f in findings],
        columns=["severity", "title", "kind", "object", "explanation"],
    )


def pods_frame(evidence: KubeEvidence) -> pd.DataFrame:
    """Pods, the most restarted first."""
    pods = sorted(evidence.pods, key=lambda pod: (-pod.restarts, pod.name))
    return pd.DataFrame(
        [pod.model_dump() for pod in pods],
        columns=[
            "name",
            "service",
            "status",
            "restarts",
            "last_termination_reason",
            "node",
            "namespace",
        ],
    )


def events_frame(evidence: KubeEvidence) -> pd.DataFrame:
    """Events, warnings first, each kind newest first."""
    newest_first = sorted(evidence.events, key=lambda e: e.last_seen or "", reverse=True)
    ordered = sorted(newest_first, key=lambda e: e.type != "Warning")
    return pd.DataFrame(
        [e.model_dump() for e in ordered],
        columns=["last_seen", "type", "reason", "object", "message", "count", "namespace"],
    )


def render_kubernetes(evidence: KubeEvidence, key: str, language: Language) -> None:
    """Findings, pods and events as tables (empty sections say so)."""
    st.markdown(f"##### {text('k8s.findings', language)}")
    if evidence.findings:
        show_table(findings_frame(evidence), language, f"{key}-findings")
    else:
        st.caption(text("k8s.no_findings", language))
    st.markdown(f"##### {text('k8s.pods', language)}")
    if evidence.pods:
        show_table(
            pods_frame(evidence),
            language,
            f"{key}-pods",
            column_config={
                "restarts": st.column_config.NumberColumn(
                    header("restarts", language), format="%d"
                ),
            },
        )
    else:
        st.caption(text("k8s.no_pods", language))
    st.markdown(f"##### {text('k8s.events', language)}")
    if evidence.events:
        show_table(
            events_frame(evidence),
            language,
            f"{key}-events",
            column_config={
                "message": st.column_config.TextColumn(header("message", language), width="large"),
            },
        )
    else:
        st.caption(text("k8s.no_events", language))
