"""The reports server's ``investigate_alert`` tool (JSON-RPC and MCP): one alert on request."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from pydantic import BaseModel, ConfigDict, Field

from opslens.alerts.investigator import AlertInvestigator
from opslens.alerts.payload import Labels, WebhookAlert
from opslens.alerts.pull import fingerprint, payload_of
from opslens.alerts.store import Investigation, InvestigationList
from opslens.reports.wire import Format, ReportResult, report_result
from opslens_mcp.core.tools import ToolRegistry


class InvestigateAlertParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    alertname: str = Field(min_length=1, max_length=256, description="The alert's name.")
    labels: Labels = Field(
        default_factory=dict,
        max_length=64,
        description="Its labels: namespace, service (or destination_service_name) and pod "
        "scope the investigation.",
    )
    starts_at: datetime | None = Field(
        default=None, description="When it started (default now); the lookback counts from it."
    )
    format: Format = Field(default="summary", description="How the report comes back.")
    max_chars: int = Field(default=20_000, ge=1000, le=2_000_000)


class ListInvestigationsParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    limit: int = Field(default=50, ge=1, le=500, description="Newest first.")
    offset: int = Field(default=0, ge=0, le=1_000_000)


class InvestigateAlertResult(BaseModel):
    investigation: Investigation
    report: ReportResult | None = Field(description="None while it runs elsewhere or failed.")


def register_alert_tool(registry: ToolRegistry, investigator: AlertInvestigator) -> None:
    @registry.tool(
        description="Investigate one alert now: the reports' detectors, incidents and "
        "root-cause ranking over its namespace from a lookback before it started, the report "
        "stored and linked to it. The same alert group already queued or running returns that "
        "investigation instead."
    )
    async def investigate_alert(params: InvestigateAlertParams) -> InvestigateAlertResult:
        labels = {**params.labels, "alertname": params.alertname}
        alert = WebhookAlert(
            status="firing",
            labels=labels,
            startsAt=params.starts_at or datetime.now(UTC),
            fingerprint=fingerprint(labels),
        )
        done = await investigator.investigate_now(payload_of([alert]))
        report = None
        if done.report_id:
            report = await asyncio.to_thread(investigator.reporter.store.get, done.report_id)
        result = report_result(report, params.format, params.max_chars) if report else None
        return InvestigateAlertResult(investigation=done, report=result)

    @registry.tool(
        description="Alert investigations, newest first: the alert, its labels, state, root "
        "cause, the report's id, and when it resolved and how long it lasted."
    )
    async def list_alert_investigations(params: ListInvestigationsParams) -> InvestigationList:
        items, total = await asyncio.to_thread(
            investigator.store.recent, params.limit, params.offset
        )
        return InvestigationList(investigations=items, total=total)
