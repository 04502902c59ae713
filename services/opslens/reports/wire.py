"""The reports server's wire: tool arguments and results, and how a report becomes one."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from opslens.reports import i18n
from opslens.reports.models import Report
from opslens.reports.render_html import render_html
from opslens.reports.render_md import render_markdown
from opslens.reports.settings import Language
from opslens.reports.store import ReportRow
from opslens.shared.language import as_language

Format = Literal["summary", "markdown", "md", "html", "json"]


class _Params(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RunReportParams(_Params):
    window: str = Field(
        default="1h",
        max_length=16,
        description="Period to examine, ending at `end`: 1h matches the hourly on-call check; "
        "6h or 24h for a shift or a day.",
    )
    end: datetime | None = Field(default=None, description="End of the window (default now).")
    namespaces: list[str] | None = Field(
        default=None, max_length=20, description="Default: settings."
    )
    language: Language | None = Field(default=None, description="en or ko; default: settings.")
    known_problem: bool = Field(
        default=False,
        description="Something is known to be wrong in the window (an alert fired, a user "
        "reported it): what moved convincingly makes an incident even if no detector alarmed.",
    )
    format: Format = Field(
        default="summary",
        description="summary (incidents and root causes, compact for an LLM), markdown (or md), "
        "html, or json (every anomaly with its evidence).",
    )
    save: bool = Field(default=True, description="Keep the report in the history.")
    max_chars: int = Field(
        default=20_000,
        ge=1000,
        le=2_000_000,
        description="Content is cut here (truncated=true): 20,000 characters fit an LLM's "
        "context; an HTML report with its charts needs a few hundred thousand.",
    )


class IncidentBrief(BaseModel):
    start: datetime
    end: datetime
    root_cause: str | None
    candidates: list[str]
    services: list[str]
    top_anomalies: list[str]
    queries: list[str] = Field(description="Native queries of the top anomalies, to rerun.")


class ReportResult(BaseModel):
    report_id: str
    window_start: datetime
    window_end: datetime
    summary: str
    incidents: list[IncidentBrief]
    format: Format
    content: str | None = Field(description="The report in `format` (None for summary).")
    truncated: bool
    duration_ms: float


class ListReportsParams(_Params):
    limit: int = Field(
        default=20,
        ge=1,
        le=200,
        description="Reports per page, newest first: 20 is almost a day of hourly reports.",
    )
    offset: int = Field(default=0, ge=0)
    schedule: str | None = Field(default=None, max_length=64, description="Only this schedule.")


class ReportListing(BaseModel):
    id: str
    title: str
    language: str
    schedule: str | None
    created_at: datetime
    window_start: datetime
    window_end: datetime
    incidents: int
    root_causes: list[str]
    summary: str


class ListReportsResult(BaseModel):
    reports: list[ReportListing]
    total: int
    has_more: bool


class GetReportParams(_Params):
    report_id: str = Field(min_length=1, max_length=128)
    format: Format = Field(default="markdown", description="summary, markdown (md), html or json.")
    max_chars: int = Field(
        default=50_000,
        ge=1000,
        le=2_000_000,
        description="Content is cut here (truncated=true): enough for a Markdown report; "
        "ask for more for HTML with charts or the full JSON.",
    )


def _brief(report: Report) -> list[IncidentBrief]:
    return [
        IncidentBrief(
            start=i.start,
            end=i.end,
            root_cause=i.root_cause,
            candidates=[c.service for c in i.candidates[:3]],
            services=i.services,
            top_anomalies=[f"{a.service} {a.kind} score {a.score:.1f}" for a in i.anomalies[:5]],
            queries=list(dict.fromkeys(a.evidence.query for a in i.anomalies[:5]))[:5],
        )
        for i in report.incidents
    ]


def render(report: Report, form: Format) -> str | None:
    if form in ("markdown", "md"):
        return render_markdown(report)
    if form == "html":
        return render_html(report)
    if form == "json":
        return report.model_dump_json()
    return None


def report_result(report: Report, form: Format, max_chars: int) -> ReportResult:
    content = render(report, form)
    truncated = content is not None and len(content) > max_chars
    return ReportResult(
        report_id=report.id,
        window_start=report.window_start,
        window_end=report.window_end,
        summary=report.summary,
        incidents=_brief(report),
        format=form,
        content=content[:max_chars] if content is not None else None,
        truncated=truncated,
        duration_ms=report.duration_ms,
    )


def listing(row: ReportRow) -> ReportListing:
    language = as_language(row.language)
    causes = f": {', '.join(row.root_causes)}" if row.root_causes else ""
    title = i18n.text(
        "listing_title",
        language,
        start=i18n.stamp(row.window_start),
        end=i18n.clock(row.window_end),
        count=row.incidents,
        causes=causes,
    )
    return ReportListing(
        id=row.id,
        title=title,
        language=row.language,
        schedule=row.schedule,
        created_at=row.created_at,
        window_start=row.window_start,
        window_end=row.window_end,
        incidents=row.incidents,
        root_causes=row.root_causes,
        summary=row.summary,
    )
