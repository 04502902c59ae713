"""The reports server: tools ``run_report``, ``list_reports``, ``get_report``; the scheduler
and the alert investigators run inside the server's lifetime (``resources``); over HTTP it also
receives Alertmanager's webhook at ``/v1/alerts`` (:mod:`opslens.alerts.routes`).

It composes :mod:`opslens.reports` and :mod:`opslens.alerts` (which builds on the reports), so
it lives above both.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI

from opslens.alerts.investigator import AlertInvestigator
from opslens.alerts.routes import add_alert_routes
from opslens.alerts.settings import AlertSettings
from opslens.alerts.tool import register_alert_tool
from opslens.pgstate import public_url
from opslens.reports.models import Report
from opslens.reports.pipeline import RunRequest
from opslens.reports.reporter import Reporter
from opslens.reports.scheduler import ReportScheduler
from opslens.reports.settings import ReportSettings
from opslens.reports.wire import (
    GetReportParams,
    ListReportsParams,
    ListReportsResult,
    ReportResult,
    RunReportParams,
    listing,
    report_result,
)
from opslens_mcp.core.app import create_app
from opslens_mcp.core.errors import InvalidParams
from opslens_mcp.core.server_info import add_server_info
from opslens_mcp.core.service import ServiceDefinition
from opslens_mcp.core.settings import ServerSettings
from opslens_mcp.core.times import parse_duration
from opslens_mcp.core.tools import ToolRegistry

INSTRUCTIONS = (
    "Anomaly reports over logs, traces, metrics and cluster state: run_report finds what is "
    "abnormal in a window, groups it into incidents and ranks likely root causes; list_reports "
    "and get_report read earlier (scheduled) reports. Every finding carries the query that "
    "reproduces it."
)


def register_tools(registry: ToolRegistry, reporter: Reporter) -> None:
    @registry.tool(
        description="Look at every signal (metrics, logs, traces, cluster state) over a window, "
        "find what is abnormal against its baseline, group it into incidents and rank the likely "
        "root cause of each (the deepest failing service in the call graph, earliest first). "
        "Read-only towards every backend; the report is kept in the history unless save=false."
    )
    async def run_report(params: RunReportParams) -> ReportResult:
        try:
            parse_duration(params.window)
        except ValueError as exc:
            raise InvalidParams(str(exc)) from exc
        request = RunRequest(
            window=params.window,
            end=params.end,
            language=params.language,
            namespaces=params.namespaces,
            known_problem=params.known_problem,
        )
        report = await reporter.run(request, save=params.save)
        return report_result(report, params.format, params.max_chars)

    @registry.tool(description="Earlier reports (scheduled and on demand), newest first.")
    async def list_reports(params: ListReportsParams) -> ListReportsResult:
        rows, total = await asyncio.to_thread(
            reporter.store.recent, params.limit, params.offset, params.schedule
        )
        return ListReportsResult(
            reports=[listing(row) for row in rows],
            total=total,
            has_more=params.offset + len(rows) < total,
        )

    @registry.tool(
        description="One stored report by id, as markdown (default), html, json or its summary."
    )
    async def get_report(params: GetReportParams) -> ReportResult:
        report = await asyncio.to_thread(reporter.store.get, params.report_id)
        if report is None:
            raise InvalidParams(f"no report {params.report_id!r}; list_reports shows the ids")
        return report_result(report, params.format, params.max_chars)


def create_service(
    settings: ReportSettings | None = None, *, scheduler: bool = True
) -> ServiceDefinition:
    """The reports server; ``scheduler=False`` serves the tools without running schedules."""
    return reports_service(settings, scheduler=scheduler)[0]


def create_http_app(
    settings: ReportSettings | None = None,
    server_settings: ServerSettings | None = None,
    alert_settings: AlertSettings | None = None,
    *,
    scheduler: bool = True,
) -> FastAPI:
    """The reports server over HTTP, with the Alertmanager receiver (``opslens serve reports``)."""
    service, investigator = reports_service(settings, alert_settings, scheduler=scheduler)
    app = create_app(service, server_settings or ServerSettings())
    add_alert_routes(app, investigator)
    return app


def reports_service(
    settings: ReportSettings | None = None,
    alert_settings: AlertSettings | None = None,
    *,
    scheduler: bool = True,
) -> tuple[ServiceDefinition, AlertInvestigator]:
    """The reports server's definition and its alert investigator, sharing one reporter."""
    settings = settings or ReportSettings()
    reporter = Reporter.from_settings(settings)
    investigator = AlertInvestigator(reporter, alert_settings or AlertSettings())
    registry = ToolRegistry()
    register_tools(registry, reporter)
    register_alert_tool(registry, investigator)
    add_server_info(registry, "reports", public_url(settings.store_location()))

    @asynccontextmanager
    async def resources() -> AsyncIterator[None]:
        cron = ReportScheduler(
            settings.schedules,
            reporter.store,
            reporter.run_schedule,
            deliver=_deliver(reporter),
            timezone=settings.timezone,
            misfire_grace_s=settings.misfire_grace_s,
            lease_s=settings.claim_lease_s,
        )
        try:
            if scheduler and settings.schedules:
                await cron.start()
            await investigator.start()
            yield
        finally:
            await investigator.stop()
            await cron.stop()
            await reporter.aclose()

    async def readiness() -> dict[str, Any]:
        _, total = await asyncio.to_thread(reporter.store.recent, 1, 0, None)
        return {
            "reports": total,
            "schedules": [s.name for s in settings.schedules],
            "alerts": investigator.status(),
        }

    service = ServiceDefinition(
        name="reports",
        registry=registry,
        instructions=INSTRUCTIONS,
        readiness=readiness,
        resources=resources,
    )
    return service, investigator


def _deliver(reporter: Reporter) -> Any:
    async def deliver(report: Report) -> None:
        await reporter.deliver(report)

    return deliver
