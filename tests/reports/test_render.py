"""Markdown, self-contained HTML and the template summary, in English and Korean."""

from __future__ import annotations

import re

from opslens.reports.incidents import build_incident
from opslens.reports.models import Chart, Report
from opslens.reports.render_html import render_html
from opslens.reports.render_md import render_markdown
from opslens.reports.rootcause.ranking import rank_candidates
from opslens.reports.summary import Summarizer, template_summary
from tests.agent.fake_models import ScriptedChatModel, gemini_message
from tests.reports.factories import anomaly, report

EDGES = {("frontend", "order-service"), ("order-service", "payment-service")}
JDBC = "could not get JDBC connection <*>"


def incident_report(language: str) -> Report:
    members = [
        anomaly(
            "payment-service",
            "error_ratio",
            0,
            25,
            unit="ratio",
            value=0.95,
            baseline=0.001,
            score=23.0,
        ),
        anomaly("order-service", "error_ratio", 1, 25, unit="ratio", value=0.9, baseline=0.0),
        anomaly(
            "payment-service",
            "new_log_template",
            0,
            25,
            signal="logs",
            unit="lines",
            value=1200,
            baseline=0,
        ),
    ]
    # A new message in the failing service: what moved in it, its errors are what callers see.
    members[2] = members[2].model_copy(update={"subject": JDBC, "label": JDBC})
    members[0].evidence.chart = Chart(
        timestamps=[members[0].start.timestamp() + 60 * i for i in range(30)],
        values=[0.001] * 5 + [0.95] * 25,
        band_low=[-0.04] * 30,
        band_high=[0.04] * 30,
        unit="ratio",
    )
    incident = build_incident(members)
    incident.candidates = rank_candidates(incident.anomalies, EDGES)
    built = report(language=language, incidents=[incident])
    return built.model_copy(update={"summary": template_summary(built)})


def test_template_summary_names_the_root_cause_with_its_numbers() -> None:
    english = incident_report("en")
    assert "1 incident(s)" in english.summary
    assert "most likely root cause payment-service" in english.summary
    assert "95.0%" in english.summary  # the strongest signal, as measured
    korean = incident_report("ko")
    assert "가장 유력한 근본 원인은 payment-service입니다" in korean.summary
    # What in it moved, with the numbers that ranked it against their baseline.
    assert (
        f'What moved: payment-service: the code around "{JDBC}" (new log message); '
        "new log template 1,200 lines (normal 0 lines, score 3.0); "
        "error ratio 95.0% (normal 0.1%, score 23.0)"
    ) in english.summary
    assert f'원인 상세: payment-service: "{JDBC}" 부근의 코드' in korean.summary
    assert "에러 비율 95.0% (평소 0.1%" in korean.summary
    quiet = report(language="ko")
    assert "이상 징후가 발견되지 않았습니다" in template_summary(quiet)


def test_markdown_has_candidates_anomalies_and_queries() -> None:
    text = render_markdown(incident_report("en"))
    assert "**Most likely root cause: payment-service**" in text
    assert f'| 1 | payment-service | payment-service: the code around "{JDBC}"' in text
    assert "new log template 1,200 lines (normal 0 lines, score 3.0); error ratio 95.0%" in text
    assert "| order-service: error ratio |" in text  # every candidate names what moved
    assert 'error_ratio{service="payment-service"}' in text  # the query to reproduce it
    assert "## Data collected" in text


def test_html_is_self_contained_and_renders_korean() -> None:
    page = render_html(incident_report("ko"))
    assert page.startswith("<!DOCTYPE html>") and '<html lang="ko">' in page
    assert "<script" not in page
    assert not re.search(r'(src|href)="(https?:)?//', page)  # nothing fetched from elsewhere
    assert '"Noto Sans KR"' in page and '"Malgun Gothic"' in page
    assert "가장 유력한 근본 원인" in page  # Korean as text, not escaped
    assert "원인 상세: payment-service: &quot;could not get JDBC" in page
    assert "에러 비율 95.0%" in page and "기준선 대비 수치" in page
    assert page.count("<svg") == 2  # the timeline and the error-ratio chart
    assert "<polygon" in page  # the band of normal values


async def test_llm_summary_is_kept_only_when_grounded_in_the_findings() -> None:
    findings = incident_report("en")
    grounded = "payment-service is failing: its error ratio reached 95.0% (normal 0.1%)."
    model = ScriptedChatModel.scripted(gemini_message(grounded))
    text, source = await Summarizer(model).summarize(findings)
    assert (text, source) == (grounded, "llm")
    invented = ScriptedChatModel.scripted(gemini_message("Error ratio hit 99.9% for 47 minutes."))
    text, source = await Summarizer(invented).summarize(findings)
    assert source == "template" and text == template_summary(findings)
    failing = ScriptedChatModel.scripted()  # no answer at all: the call fails
    assert (await Summarizer(failing).summarize(findings))[1] == "template"
    quiet = report(language="ko")
    assert (await Summarizer(model).summarize(quiet))[1] == "template"  # nothing to summarize
