"""Reports on cron schedules (APScheduler 3, asyncio), once per slot across replicas.

Each schedule is a cron job (five fields, or six with seconds first) with ``coalesce`` and a
misfire grace. A firing computes its slot (the cron time it stands for), claims the slot in the
store (only one replica gets it), runs the report for the window ending at the slot, stores it
and delivers it. On start, a schedule whose latest due slot was missed while the service was
down is run once, if the slot is within the misfire grace and the schedule ran before.

The claim is a lease of ``lease_s`` seconds that the owner renews while it works (every third of
the lease). A replica that dies mid-run stops renewing; every half lease each replica sweeps for
such expired claims within the misfire grace and takes the slot over, so the report is still
made, once: a replica that lost its claim does not store its report.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger

from opslens.pgstate import StoreUnavailable
from opslens.reports.models import Report
from opslens.reports.settings import Schedule
from opslens.reports.store import DEFAULT_LEASE_S, ReportStore
from opslens_mcp.core.logs import get_logger

Runner = Callable[[Schedule, datetime], Awaitable[Report]]
Deliver = Callable[[Report], Awaitable[None]]
Clock = Callable[[], datetime]
LOOKBACKS = (timedelta(hours=2), timedelta(days=2), timedelta(days=35))
log = get_logger("opslens.reports.scheduler")


def cron_trigger(cron: str, timezone: str) -> CronTrigger:
    """A trigger from five cron fields, or six with seconds first (``*/10 * * * * *``)."""
    fields = cron.split()
    if len(fields) == 5:
        return CronTrigger.from_crontab(cron, timezone=timezone)
    if len(fields) == 6:
        second, minute, hour, day, month, weekday = fields
        return CronTrigger(
            second=second,
            minute=minute,
            hour=hour,
            day=day,
            month=month,
            day_of_week=weekday,
            timezone=timezone,
        )
    raise ValueError(f"cron {cron!r}: expected 5 fields (or 6 with seconds first)")


def latest_slot(trigger: CronTrigger, now: datetime) -> datetime | None:
    """The last time at or before ``now`` the trigger fires (None if not within 35 days)."""
    for lookback in LOOKBACKS:
        slot = None
        moment = trigger.get_next_fire_time(None, now - lookback)
        while moment is not None and moment <= now:
            slot = moment
            moment = trigger.get_next_fire_time(moment, moment + timedelta(microseconds=1))
        if slot is not None:
            return slot.astimezone(UTC)
    return None


def default_owner() -> str:
    """This replica's name in run locks: host (the pod name in Kubernetes) and process id."""
    return f"{socket.gethostname()}:{os.getpid()}"


class ReportScheduler:
    def __init__(
        self,
        schedules: list[Schedule],
        store: ReportStore,
        runner: Runner,
        *,
        deliver: Deliver | None = None,
        timezone: str = "UTC",
        misfire_grace_s: int = 3600,
        owner: str | None = None,
        clock: Clock | None = None,
        lease_s: float = DEFAULT_LEASE_S,
    ) -> None:
        self.schedules = {s.name: s for s in schedules}
        self.triggers = {s.name: cron_trigger(s.cron, timezone) for s in schedules}
        self.store = store
        self.runner = runner
        self.deliver = deliver
        self.timezone = timezone
        self.misfire_grace = timedelta(seconds=misfire_grace_s)
        self.owner = owner or default_owner()
        self.clock = clock or (lambda: datetime.now(UTC))
        self.lease_s = lease_s
        self._scheduler: AsyncIOScheduler | None = None
        self._catching_up: asyncio.Task[list[Report]] | None = None

    async def start(self) -> None:
        """Start the cron jobs, then catch up on missed slots (in the background)."""
        scheduler = AsyncIOScheduler(timezone=self.timezone)
        for name, trigger in self.triggers.items():
            scheduler.add_job(
                self.fire,
                trigger,
                args=[name],
                id=f"report-{name}",
                coalesce=True,
                max_instances=1,
                misfire_grace_time=max(1, int(self.misfire_grace.total_seconds())),
            )
        if self.triggers:
            scheduler.add_job(
                self.sweep,
                "interval",
                seconds=max(1.0, self.lease_s / 2),
                id="report-sweep",
                coalesce=True,
                max_instances=1,
            )
        scheduler.start()
        self._scheduler = scheduler
        self._catching_up = asyncio.create_task(self.catch_up())

    async def stop(self) -> None:
        if self._catching_up is not None and not self._catching_up.done():
            self._catching_up.cancel()
        if self._scheduler is not None:
            self._scheduler.shutdown(wait=False)
            self._scheduler = None

    async def catch_up(self) -> list[Report]:
        """Run, once, each schedule's latest slot missed while no replica was running."""
        now = self.clock()
        made = []
        for name, trigger in self.triggers.items():
            slot = latest_slot(trigger, now)
            try:
                last = await asyncio.to_thread(self.store.last_slot, name)
            except StoreUnavailable as exc:
                log.error("report_store_unavailable", schedule=name, error=exc.message)
                continue
            if slot is None or last is None or slot <= last or now - slot > self.misfire_grace:
                continue
            log.info("report_catch_up", schedule=name, slot=slot.isoformat())
            report = await self.run_slot(name, slot)
            if report is not None:
                made.append(report)
        return made

    async def sweep(self) -> list[Report]:
        """Take over the slots whose owner stopped renewing its claim (within the grace)."""
        now = self.clock()
        made = []
        for name in self.triggers:
            try:
                slots = await asyncio.to_thread(self.store.expired, name)
            except StoreUnavailable as exc:
                log.error("report_store_unavailable", schedule=name, error=exc.message)
                continue
            for slot in slots:
                if now - slot > self.misfire_grace:
                    continue
                log.info("report_claim_expired", schedule=name, slot=slot.isoformat())
                report = await self.run_slot(name, slot)
                if report is not None:
                    made.append(report)
        return made

    async def fire(self, name: str) -> Report | None:
        """The job APScheduler runs: the report of the slot that just came due."""
        slot = latest_slot(self.triggers[name], self.clock())
        return None if slot is None else await self.run_slot(name, slot)

    async def run_slot(self, name: str, slot: datetime) -> Report | None:
        """Claim the slot; if ours, make, store and deliver its report. While the store is
        unavailable nothing is made (a slot it missed is caught up on the next start)."""
        try:
            claimed = await asyncio.to_thread(
                self.store.claim, name, slot, self.owner, self.lease_s
            )
        except StoreUnavailable as exc:
            log.error(
                "report_store_unavailable", schedule=name, slot=slot.isoformat(), error=exc.message
            )
            return None
        if not claimed:
            log.info("report_slot_taken", schedule=name, slot=slot.isoformat())
            return None
        try:
            report = await self._run_renewing(name, slot)
            completed = await asyncio.to_thread(self.store.complete, name, slot, self.owner, report)
        except Exception as exc:  # noqa: BLE001 - recorded; the next slot runs normally
            log.error("report_failed", schedule=name, slot=slot.isoformat(), error=str(exc)[:300])
            # When the store is down too, the claim's lease runs out and a later start retries.
            with contextlib.suppress(StoreUnavailable):
                await asyncio.to_thread(self.store.fail, name, slot, self.owner, type(exc).__name__)
            return None
        if not completed:
            log.warning("report_claim_lost", schedule=name, slot=slot.isoformat())
            return None
        log.info(
            "report_made",
            schedule=name,
            slot=slot.isoformat(),
            report=report.id,
            incidents=len(report.incidents),
        )
        if self.deliver is not None:
            await self.deliver(report)
        return report

    async def _run_renewing(self, name: str, slot: datetime) -> Report:
        """The runner, with the claim's lease renewed every third of it meanwhile."""

        async def renew() -> None:
            while True:
                await asyncio.sleep(self.lease_s / 3)
                with contextlib.suppress(StoreUnavailable):  # the sweep settles the rest
                    await asyncio.to_thread(self.store.renew, name, slot, self.owner, self.lease_s)

        renewing = asyncio.create_task(renew())
        try:
            return await self.runner(self.schedules[name], slot)
        finally:
            renewing.cancel()
