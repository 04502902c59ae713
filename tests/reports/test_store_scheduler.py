"""The SQLite store (history, run locks) and the scheduler on top of it: two replicas on one
store never make the same report twice, and a slot missed while down is made once."""

from __future__ import annotations

import asyncio
import threading
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

from opslens.reports.models import Report
from opslens.reports.scheduler import ReportScheduler, cron_trigger, latest_slot
from opslens.reports.settings import Schedule
from opslens.reports.store import ReportStore
from tests.reports.factories import T0, report

HOURLY = Schedule(name="hourly", cron="5 * * * *", window="1h")


def made_by(schedule: Schedule, slot: datetime) -> Report:
    return report(
        id=f"{schedule.name}-{slot:%Y%m%dT%H%M%S}",
        schedule=schedule.name,
        window_start=slot - timedelta(hours=1),
        window_end=slot,
        created_at=datetime.now(UTC),
    )


async def runner(schedule: Schedule, slot: datetime) -> Report:
    await asyncio.sleep(0.05)  # long enough for a second replica to try the same slot
    return made_by(schedule, slot)


def test_history_newest_first_with_paging(tmp_path: Path) -> None:
    store = ReportStore(tmp_path / "r.sqlite")
    for hour in range(5):
        slot = T0 + timedelta(hours=hour)
        store.save(made_by(HOURLY, slot).model_copy(update={"created_at": slot, "summary": "요약"}))
    rows, total = store.recent(limit=2, offset=1)
    assert total == 5
    assert [r.window_end for r in rows] == [T0 + timedelta(hours=3), T0 + timedelta(hours=2)]
    stored = store.get(rows[0].id)
    assert stored is not None and stored.summary == "요약"
    assert store.get("missing") is None
    assert store.recent(schedule="daily") == ([], 0)


def test_one_claim_per_slot_across_threads(tmp_path: Path) -> None:
    path = tmp_path / "r.sqlite"
    ReportStore(path)
    wins: list[str] = []

    def claim(owner: str) -> None:
        if ReportStore(path).claim("hourly", T0, owner):
            wins.append(owner)

    threads = [threading.Thread(target=claim, args=(f"replica-{i}",)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(wins) == 1


def test_expired_claims_are_taken_over_finished_ones_never(tmp_path: Path) -> None:
    store = ReportStore(tmp_path / "r.sqlite")
    assert store.claim("hourly", T0, "a", lease_s=-1)  # a replica that died while running
    assert store.claim("hourly", T0, "b")
    assert not store.claim("hourly", T0, "a")
    store.finish("hourly", T0, "b", "report-1")
    assert not store.claim("hourly", T0, "c", lease_s=-1)
    assert store.last_slot("hourly") == T0
    store.fail("hourly", T0 + timedelta(hours=1), "b", "boom")  # no row of its own: no effect
    assert store.runs("hourly") == [(T0, "b", "done", "report-1")]


def test_latest_slot_of_cron_expressions() -> None:
    trigger = cron_trigger("5 * * * *", "UTC")
    now = datetime(2026, 11, 26, 12, 4, 59, tzinfo=UTC)
    assert latest_slot(trigger, now) == datetime(2026, 11, 26, 11, 5, tzinfo=UTC)
    assert latest_slot(trigger, now + timedelta(seconds=1)) == datetime(
        2026, 11, 26, 12, 5, tzinfo=UTC
    )
    seoul = cron_trigger("15 7 * * *", "Asia/Seoul")  # 07:15 in Seoul is 22:15 UTC
    assert latest_slot(seoul, now) == datetime(2026, 11, 25, 22, 15, tzinfo=UTC)
    seconds = cron_trigger("*/10 * * * * *", "UTC")
    assert latest_slot(seconds, now) == datetime(2026, 11, 26, 12, 4, 50, tzinfo=UTC)


async def test_two_schedulers_on_one_store_make_each_report_once(tmp_path: Path) -> None:
    path = tmp_path / "r.sqlite"
    every_two_seconds = Schedule(name="fast", cron="*/2 * * * * *", window="5m")
    replicas = [
        ReportScheduler([every_two_seconds], ReportStore(path), runner, owner=f"replica-{i}")
        for i in range(2)
    ]
    for replica in replicas:
        await replica.start()
    await asyncio.sleep(7)
    for replica in replicas:
        await replica.stop()
    runs = ReportStore(path).runs("fast")
    slots = Counter(slot for slot, _, _, _ in runs)
    assert len(slots) >= 3
    assert set(slots.values()) == {1}
    reports, total = ReportStore(path).recent(limit=100)
    assert total == len({r.id for r in reports}) == sum(1 for r in runs if r[2] == "done")
    owners = {owner for _, owner, _, _ in runs}
    assert owners <= {"replica-0", "replica-1"}


async def test_same_slot_fired_on_both_replicas_runs_once(tmp_path: Path) -> None:
    path = tmp_path / "r.sqlite"
    now = datetime(2026, 11, 26, 12, 5, 1, tzinfo=UTC)
    replicas = [
        ReportScheduler([HOURLY], ReportStore(path), runner, owner=f"r{i}", clock=lambda: now)
        for i in range(2)
    ]
    made = await asyncio.gather(*(replica.fire("hourly") for replica in replicas))
    assert sum(result is not None for result in made) == 1
    assert ReportStore(path).recent()[1] == 1


async def test_missed_slot_is_made_once_on_restart(tmp_path: Path) -> None:
    store = ReportStore(tmp_path / "r.sqlite")
    ran_at = datetime(2026, 11, 26, 9, 5, tzinfo=UTC)  # the last run before the outage
    store.claim("hourly", ran_at, "old")
    store.finish("hourly", ran_at, "old", "hourly-0905")
    now = datetime(2026, 11, 26, 12, 20, tzinfo=UTC)  # 10:05, 11:05 and 12:05 were missed
    scheduler = ReportScheduler([HOURLY], store, runner, misfire_grace_s=3600, clock=lambda: now)
    made = await scheduler.catch_up()
    assert [r.window_end for r in made] == [datetime(2026, 11, 26, 12, 5, tzinfo=UTC)]
    assert await scheduler.catch_up() == []
    late = ReportScheduler(
        [HOURLY], store, runner, misfire_grace_s=600, clock=lambda: now + timedelta(hours=1)
    )
    assert await late.catch_up() == []  # 13:05 is 15 minutes old: beyond a 10-minute grace
    fresh = ReportScheduler(
        [Schedule(name="new", cron="5 * * * *")], store, runner, clock=lambda: now
    )
    assert await fresh.catch_up() == []  # never ran before: nothing was missed


async def test_a_failed_run_is_recorded_and_retried_next_time(tmp_path: Path) -> None:
    store = ReportStore(tmp_path / "r.sqlite")
    attempts: list[datetime] = []

    async def flaky(schedule: Schedule, slot: datetime) -> Report:
        attempts.append(slot)
        if len(attempts) == 1:
            raise RuntimeError("backend down")
        return made_by(schedule, slot)

    now = datetime(2026, 11, 26, 12, 5, 1, tzinfo=UTC)
    scheduler = ReportScheduler([HOURLY], store, flaky, clock=lambda: now)
    assert await scheduler.fire("hourly") is None
    assert store.runs("hourly")[0][2] == "failed"
    assert await scheduler.fire("hourly") is not None
    assert store.runs("hourly")[0][2] == "done"
