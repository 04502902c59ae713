"""The reports service's one object: runs reports, stores them, delivers them.

Shared by the tools, the scheduler and the CLI, built once from settings with its clients.
"""

from __future__ import annotations

import asyncio
import sqlite3
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from opslens.pgstate import StoreUnavailable
from opslens.reports.models import Report
from opslens.reports.pipeline import (
    ReportClients,
    RunRequest,
    blames,
    resolve_window,
    run_report,
)
from opslens.reports.settings import ReportSettings, Schedule
from opslens.reports.store import ReportStore, open_store
from opslens.reports.summary import Summarizer
from opslens.reports.webhook import WebhookError, WebhookSender, slack_message
from opslens_mcp.core.logs import get_logger

log = get_logger("opslens.reports")
EARLIER_REPORTS = 100
"""Stored reports read for the incidents over a run's baseline (the newest first)."""


@dataclass
class Reporter:
    settings: ReportSettings
    clients: ReportClients
    store: ReportStore
    summarizer: Summarizer
    sender: WebhookSender | None = None

    @classmethod
    def from_settings(cls, settings: ReportSettings) -> Reporter:
        url = settings.webhook_url.get_secret_value() if settings.webhook_url else None
        return cls(
            settings=settings,
            clients=ReportClients.from_settings(settings),
            store=open_store(settings.store_location()),
            summarizer=Summarizer.from_settings(settings),
            sender=WebhookSender(url, attempts=settings.webhook_attempts) if url else None,
        )

    async def aclose(self) -> None:
        await self.clients.__aexit__(None, None, None)
        await asyncio.to_thread(self.store.close)

    async def run(self, request: RunRequest, *, save: bool = True) -> Report:
        request = await self.with_earlier_incidents(request)
        report = await run_report(self.settings, self.clients, request, self.summarizer)
        if save:
            await asyncio.to_thread(self.store.save, report)
        return report

    async def run_schedule(self, schedule: Schedule, slot: datetime) -> Report:
        """The report of one scheduled slot (stored by the scheduler once it owns the slot)."""
        request = RunRequest(window=schedule.window, end=slot, schedule=schedule.name)
        request = await self.with_earlier_incidents(request)
        return await run_report(self.settings, self.clients, request, self.summarizer)

    async def with_earlier_incidents(self, request: RunRequest) -> RunRequest:
        """``request`` with the incidents of the stored reports over its baseline and reference
        (``blamed``): what was abnormal then is no service's normal. A store that cannot be
        read leaves the request as it is (logged): the report still runs."""
        if request.blamed:
            return request
        window = resolve_window(self.settings, request)
        start = min([window.baseline_start, *(window.reference or ())])
        namespaces = set(request.namespaces or self.settings.namespaces)
        try:
            reports = await asyncio.to_thread(
                self._reports_between, start, window.start, namespaces
            )
        except (StoreUnavailable, sqlite3.Error) as exc:
            log.warning("earlier_incidents_unread", error=str(exc))
            return request
        return replace(request, blamed=tuple(blames(reports)))

    def _reports_between(
        self, start: datetime, end: datetime, namespaces: set[str]
    ) -> list[Report]:
        """The latest stored reports with incidents whose window overlaps ``start..end``
        and whose namespaces meet ``namespaces``."""
        rows, _ = self.store.recent(limit=EARLIER_REPORTS)
        found = []
        for row in rows:
            if row.incidents and row.window_start < end and start < row.window_end:
                report = self.store.get(row.id)
                if report is not None and namespaces & set(report.namespaces):
                    found.append(report)
        return found

    async def deliver(self, report: Report, message: dict[str, Any] | None = None) -> bool:
        """Send ``report`` (as ``message`` when given) to the webhook, if one is configured;
        failures are logged only."""
        if self.sender is None:
            return False
        try:
            status = await self.sender.send(message or slack_message(report))
        except WebhookError as exc:
            log.warning("report_delivery_failed", report=report.id, error=str(exc))
            return False
        log.info("report_delivered", report=report.id, status=status)
        return True
