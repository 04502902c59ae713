"""Reports on cron schedules (APScheduler 3, asyncio), once per slot across replicas.

Each schedule is a cron job (five fields, or six with seconds first) with ``coalesce`` and a
misfire grace. A firing computes its slot (the cron time it stands for), claims the slot in the
store (only one replica gets it), runs the report for the window ending at the slot, stores it
and delivers it. On start, a schedule whose latest due slot was missed while the service was
down is run once, if the slot is within the misfire grace and the schedule ran before.
"""

from __future__ import annotations

import asyncio
import os
import socket
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger

from opslens.reports.models import Report
from opslens.reports.settings import Schedule
from opslens.reports.store import ReportStore
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
            last = await asyncio.to_thread(self.store.last_slot, name)
            if slot is None or last is None or slot <= last or now - slot > self.misfire_grace:
                continue
            log.info("report_catch_up", schedule=name, slot=slot.isoformat())
            report = await self.run_slot(name, slot)
            if report is not None:
                made.append(report)
        return made

    async def fire(self, name: str) -> Report | None:
        """The job APScheduler runs: the report of the slot that just came due."""
        slot = latest_slot(self.triggers[name], self.clock())
        return None if slot is None else await self.run_slot(name, slot)

    async def run_slot(self, name: str, slot: datetime) -> Report | None:
        """Claim the slot; if ours, make, store and deliver its report."""
        claimed = await asyncio.to_thread(self.store.claim, name, slot, self.owner)
        if not claimed:
            log.info("report_slot_taken", schedule=name, slot=slot.isoformat())
            return None
        try:
            report = await self.runner(self.schedules[name], slot)
            await asyncio.to_thread(self.store.save, report)
            await asyncio.to_thread(self.store.finish, name, slot, self.owner, report.id)
        except Exception as exc:  # noqa: BLE001 - recorded; the next slot runs normally
            await asyncio.to_thread(self.store.fail, name, slot, self.owner, type(exc).__name__)
            log.error("report_failed", schedule=name, slot=slot.isoformat(), error=str(exc)[:300])
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
