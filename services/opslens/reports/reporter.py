"""The reports service's one object: runs reports, stores them, delivers them.

Shared by the tools, the scheduler and the CLI, built once from settings with its clients.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from opslens.reports.models import Report
from opslens.reports.pipeline import ReportClients, RunRequest, run_report
from opslens.reports.settings import ReportSettings, Schedule
from opslens.reports.store import ReportStore, open_store
from opslens.reports.summary import Summarizer
from opslens.reports.webhook import WebhookError, WebhookSender, slack_message
from opslens_mcp.core.logs import get_logger

log = get_logger("opslens.reports")


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
        report = await run_report(self.settings, self.clients, request, self.summarizer)
        if save:
            await asyncio.to_thread(self.store.save, report)
        return report

    async def run_schedule(self, schedule: Schedule, slot: datetime) -> Report:
        """The report of one scheduled slot (stored by the scheduler once it owns the slot)."""
        request = RunRequest(window=schedule.window, end=slot, schedule=schedule.name)
        return await run_report(self.settings, self.clients, request, self.summarizer)

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
