"""Alert investigations: accept a notification fast, investigate in the background.

:meth:`AlertInvestigator.accept` decides in milliseconds (dedupe in the store, a bounded
queue); workers then run the reports' own pipeline (detectors, incidents, root-cause ranking,
traces of the error logs, pod state) over the alert's namespace, from ``lookback`` before the
alert started to now, store the report, link it to the investigation and post it to the
reports' webhook with the alert named in the header.

Several groups run at once (``workers``, a small pool: an investigation mostly waits on the MCP
servers); one group never runs twice, as the store dedupes before anything is queued. A
heartbeat renews the leases of the investigations this replica holds (queued or running) every
third of ``lease_s`` and takes over those whose owner stopped renewing theirs.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from opslens.alerts.payload import AlertScope, WebhookPayload, alert_scope
from opslens.alerts.settings import AlertSettings
from opslens.alerts.store import Investigation, open_investigations
from opslens.pgstate import StoreUnavailable
from opslens.reports.models import Report
from opslens.reports.pipeline import RunRequest
from opslens.reports.reporter import Reporter
from opslens.reports.scheduler import default_owner
from opslens.reports.webhook import slack_message
from opslens_mcp.core.logs import get_logger
from opslens_mcp.core.times import format_duration, parse_duration

log = get_logger("opslens.alerts")
SCHEDULE = "alert"
"""The ``schedule`` of the reports investigations store (their ids start with it)."""
MIN_WINDOW_S = 300.0
Outcome = Literal["queued", "duplicate", "resolved"]


class QueueFull(Exception):
    """The investigation queue is full: the notification was not taken (retry later)."""


@dataclass
class Decision:
    outcome: Outcome
    investigation: Investigation | None = None
    closed: list[Investigation] = field(default_factory=list)


def root_cause_for(report: Report, scope: AlertScope) -> str | None:
    """The root cause of the incident that involves the alert's service, else of the first."""
    for incident in report.incidents:
        if scope.service and scope.service in incident.services and incident.root_cause:
            return incident.root_cause
    return report.root_causes[0] if report.root_causes else None


def alert_message(report: Report, investigation: Investigation) -> dict[str, Any]:
    """The report's Slack message with the alert in its header and the investigation id."""
    message = slack_message(report, link=f"opslens investigation {investigation.id}")
    header = message["blocks"][0]["text"]
    header["text"] = f"{investigation.alertname}: {header['text']}"[:150]
    return message


class AlertInvestigator:
    """The receiver's state: the store, the bounded queue and its workers."""

    def __init__(
        self, reporter: Reporter, settings: AlertSettings | None = None, owner: str | None = None
    ) -> None:
        self.reporter = reporter
        self.settings = settings or AlertSettings()
        self.store = open_investigations(reporter.store)
        self.owner = owner or f"{default_owner()}:{uuid.uuid4().hex[:6]}"
        self.queue: asyncio.Queue[Investigation] = asyncio.Queue(self.settings.queue_size)
        self.dropped = 0
        self.taken_over = 0
        self.held: set[str] = set()
        """Investigations this replica owns (queued or running): their leases are renewed."""
        self._workers: list[asyncio.Task[None]] = []
        self._heartbeat: asyncio.Task[None] | None = None

    async def accept(self, payload: WebhookPayload) -> Decision:
        """Open, dedupe or close an investigation; raises :class:`QueueFull` (nothing kept)."""
        if payload.status == "resolved":
            ended = payload.ended_at() or datetime.now(UTC)
            closed = await asyncio.to_thread(self.store.resolve, payload.groupKey, ended)
            log.info("alert_resolved", group=payload.groupKey, investigations=len(closed))
            return Decision("resolved", closed[0] if closed else None, closed)
        investigation, new = await self._open(payload, self.settings.dedupe_window_s)
        if not new:
            return Decision("duplicate", investigation)
        try:
            self.queue.put_nowait(investigation)
        except asyncio.QueueFull:
            self.held.discard(investigation.id)
            await asyncio.to_thread(self.store.forget, investigation.id)
            self.dropped += 1
            log.warning("alert_queue_full", group=payload.groupKey, dropped=self.dropped)
            raise QueueFull(
                f"{self.queue.maxsize} investigations are waiting; not taken, retry later"
            ) from None
        log.info("alert_queued", investigation=investigation.id, alert=investigation.alertname)
        return Decision("queued", investigation)

    async def _open(self, payload: WebhookPayload, dedupe_s: float) -> tuple[Investigation, bool]:
        firing = payload.firing() or payload.alerts
        investigation, new = await asyncio.to_thread(
            self.store.open,
            payload.groupKey,
            payload.alertname(),
            payload.commonLabels or firing[0].labels,
            sorted({alert.fingerprint for alert in firing}),
            min(alert.startsAt for alert in firing).astimezone(UTC),
            timedelta(seconds=dedupe_s),
            self.owner,
            self.settings.lease_s,
        )
        if new:
            self.held.add(investigation.id)
        return investigation, new

    async def investigate_now(self, payload: WebhookPayload) -> Investigation:
        """Investigate ``payload``'s alerts here and now (pull mode, the tool), unless the
        same group is queued or running already: then that investigation as it stands."""
        self._beat()
        investigation, new = await self._open(payload, 0.0)
        return await self.investigate(investigation) if new else investigation

    async def start(self) -> None:
        self._workers = [
            asyncio.create_task(self._work(), name=f"alert-worker-{n}")
            for n in range(self.settings.workers)
        ]
        self._beat()

    async def stop(self) -> None:
        tasks = [*self._workers, *([self._heartbeat] if self._heartbeat else [])]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._workers = []
        self._heartbeat = None

    def _beat(self) -> None:
        """Start the heartbeat unless it runs."""
        if self._heartbeat is None or self._heartbeat.done():
            self._heartbeat = asyncio.create_task(self._renew_leases(), name="alert-leases")

    async def _renew_leases(self) -> None:
        """Renew the held leases; with workers, take over investigations whose lease ran out."""
        lease = self.settings.lease_s
        while True:
            await asyncio.sleep(lease / 3)
            try:
                held = sorted(self.held)
                kept = await asyncio.to_thread(self.store.renew, held, self.owner, lease)
                for lost in set(held) - set(kept):
                    self.held.discard(lost)
                    log.warning("alert_lease_lost", investigation=lost)
                room = self.queue.maxsize - self.queue.qsize() if self._workers else 0
                taken = await asyncio.to_thread(self.store.take_over, self.owner, lease, room)
            except StoreUnavailable as exc:
                log.warning("alert_store_unavailable", error=exc.message)
                continue
            for item in taken:
                self.held.add(item.id)
                self.taken_over += 1
                self.queue.put_nowait(item)
                log.info("alert_taken_over", investigation=item.id, alert=item.alertname)

    async def _work(self) -> None:
        while True:
            item = await self.queue.get()
            try:
                await self.investigate(item)
            except StoreUnavailable as exc:  # the worker lives on; the next item may succeed
                log.warning("alert_store_unavailable", investigation=item.id, error=exc.message)
            finally:
                self.queue.task_done()

    def request(self, item: Investigation, now: datetime) -> RunRequest:
        """The report run of an investigation: the alert's namespace, from the lookback
        before its start to ``now``; the alert says something is wrong there."""
        scope = alert_scope(item.labels, self.reporter.settings.istio)
        start = min(item.starts_at, now) - timedelta(seconds=parse_duration(self.settings.lookback))
        seconds = max(MIN_WINDOW_S, (now - start).total_seconds())
        return RunRequest(
            window=format_duration(seconds),
            end=now,
            schedule=SCHEDULE,
            namespaces=[scope.namespace] if scope.namespace else None,
            known_problem=True,
        )

    async def investigate(self, item: Investigation) -> Investigation:
        """Run one investigation to its stored report (failures are recorded, not raised);
        one this replica no longer owns is left to its new owner."""
        try:
            report = await self._run(item)
        finally:
            self.held.discard(item.id)
        done = await asyncio.to_thread(self.store.get, item.id)
        assert done is not None
        if report is not None and self.settings.deliver:
            await self.reporter.deliver(report, alert_message(report, done))
        return done

    async def _run(self, item: Investigation) -> Report | None:
        """The report of ``item``, when this replica still owned it at the end."""
        lease = self.settings.lease_s
        if not await asyncio.to_thread(self.store.running, item.id, self.owner, lease):
            log.warning("alert_lease_lost", investigation=item.id)
            return None
        report: Report | None = None
        cause: str | None = None
        error: str | None = None
        try:
            report = await self.reporter.run(self.request(item, datetime.now(UTC)))
            cause = root_cause_for(report, alert_scope(item.labels, self.reporter.settings.istio))
        except Exception as exc:  # noqa: BLE001 - recorded on the investigation
            error = f"{type(exc).__name__}: {exc}"
        report_id = report.id if report else None
        owned = await asyncio.to_thread(
            self.store.finish, item.id, self.owner, report_id, cause, error
        )
        if not owned:
            log.warning("alert_lease_lost", investigation=item.id)
            return None
        if error:
            log.warning("alert_investigation_failed", investigation=item.id, error=error)
        else:
            log.info("alert_investigated", investigation=item.id, root_cause=cause)
        return report

    def status(self) -> dict[str, int]:
        return {
            "queued": self.queue.qsize(),
            "capacity": self.queue.maxsize,
            "dropped": self.dropped,
            "workers": len(self._workers),
            "taken_over": self.taken_over,
        }
