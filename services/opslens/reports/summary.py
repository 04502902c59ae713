"""The executive summary: a template from the findings, or an LLM's text grounded in them.

The LLM (Gemini when ``GOOGLE_API_KEY`` is set; any LangChain chat model in tests) gets the
findings as JSON and may only write numbers that appear in them; anything else, or any
failure, keeps the template summary.
"""

from __future__ import annotations

from typing import Any, Literal

from langchain_core.language_models import BaseChatModel

from opslens.reports import i18n
from opslens.reports.models import Anomaly, Incident, Report
from opslens.reports.settings import Language, ReportSettings
from opslens.shared.llm import LlmSummarizer, LlmUsage, build_gemini

SummarySource = Literal["llm", "template"]
LLM_REQUEST = (
    "Write the executive summary of this anomaly report for the on-call engineer: what broke, "
    "the most likely root cause of each incident and the evidence for it, in at most 6 sentences."
)
MAX_INCIDENTS_IN_SUMMARY = 5


def _strongest(incident: Incident) -> Anomaly | None:
    numeric = [a for a in incident.anomalies if a.value is not None and a.baseline is not None]
    return max(numeric, key=lambda a: a.score) if numeric else None


def incident_line(number: int, incident: Incident, language: Language) -> str:
    top = incident.candidates[0] if incident.candidates else None
    others = [s for s in incident.services if top is None or s != top.service]
    also = i18n.text("also_affected", language, services=", ".join(others)) if others else ""
    line = i18n.text(
        "incident_line",
        language,
        n=number,
        start=i18n.clock(incident.start),
        end=i18n.clock(incident.end),
        service=top.service if top else "-",
        reasons=i18n.reasons(top.reasons[:6], language) if top else "-",
        others=also,
    )
    if top is not None and top.evidence:
        line += " " + i18n.cause_line(top, language)
    strongest = _strongest(incident)
    if strongest is not None:
        line += " " + i18n.text(
            "strongest",
            language,
            measure=i18n.measure(strongest.kind, language),
            service=strongest.service or "-",
            value=i18n.value(strongest.value, strongest.unit),
            baseline=i18n.value(strongest.baseline, strongest.unit),
        )
    return line


def template_summary(report: Report) -> str:
    """The summary without an LLM: counts, each incident's root cause and strongest signal."""
    language = report.language
    values = {
        "start": i18n.stamp(report.window_start),
        "end": i18n.stamp(report.window_end),
        "namespaces": ", ".join(report.namespaces),
    }
    if not report.incidents:
        return i18n.text("no_incidents", language, **values)
    lines = [i18n.text("overview", language, count=len(report.incidents), **values)]
    for number, incident in enumerate(report.incidents[:MAX_INCIDENTS_IN_SUMMARY], start=1):
        lines.append(incident_line(number, incident, language))
    return "\n".join(lines)


def findings_digest(report: Report) -> dict[str, Any]:
    """What the LLM may use: the incidents, their ranked causes and strongest anomalies."""
    return {
        "window": [report.window_start.isoformat(), report.window_end.isoformat()],
        "namespaces": report.namespaces,
        "template_summary": template_summary(report),
        "incidents": [
            {
                "start": incident.start.isoformat(),
                "end": incident.end.isoformat(),
                "root_cause_candidates": [
                    {
                        "service": c.service,
                        "rank": c.rank,
                        "cause": i18n.cause(c, "en"),
                        "evidence": [i18n.evidence_text(e, "en") for e in c.evidence[:3]],
                        "why": i18n.reasons(c.reasons, "en"),
                    }
                    for c in incident.candidates[:3]
                ],
                "anomalies": [
                    {
                        "service": a.service,
                        "measure": i18n.measure(a.kind, "en"),
                        "peak": i18n.value(a.value, a.unit),
                        "normal": i18n.value(a.baseline, a.unit),
                        "from": a.start.isoformat(),
                        "to": a.end.isoformat(),
                        "detail": a.label[:160],
                    }
                    for a in incident.anomalies[:8]
                ],
                "log_templates": [t.template[:160] for t in incident.log_templates[:3]],
            }
            for incident in report.incidents[:MAX_INCIDENTS_IN_SUMMARY]
        ],
    }


class Summarizer:
    """Template summary, or an LLM summary when a chat model is given."""

    def __init__(self, model: BaseChatModel | None) -> None:
        self.model = model

    @classmethod
    def from_settings(cls, settings: ReportSettings) -> Summarizer:
        key = settings.google_api_key
        return cls(build_gemini(key.get_secret_value(), settings.gemini_model) if key else None)

    async def summarize(self, report: Report) -> tuple[str, SummarySource]:
        fallback = template_summary(report)
        if self.model is None or not report.incidents:
            return fallback, "template"
        written = await LlmSummarizer(self.model).summarize(
            LLM_REQUEST, report.language, findings_digest(report), LlmUsage()
        )
        return (written, "llm") if written else (fallback, "template")
