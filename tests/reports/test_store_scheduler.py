"""The stores (history, run locks), SQLite and Postgres alike, and the scheduler on top of them:
two replicas on one store never make the same report twice, and a slot missed while down is
made once."""

from __future__ import annotations

import asyncio
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from opslens.reports.models import Report
from opslens.reports.scheduler import ReportScheduler, cron_trigger, latest_slot
from opslens.reports.settings import Schedule
from opslens.reports.store import ReportStore, open_store
from tests.reports.factories import T0, report

HOURLY = Schedule(name="hourly", cron="5 * * * *", window="1h")
Stores = Callable[[], ReportStore]


@pytest.fixture(params=["sqlite", "postgres"])
def stores(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Stores]:
    """Opens stores on one location (each replica opens its own); closes them afterwards."""
    location = (
        str(tmp_path / "r.sqlite")
        if request.param == "sqlite"
        else request.getfixturevalue("postgres_url")
    )
    opened: list[ReportStore] = []

    def open_one() -> ReportStore:
        opened.append(open_store(location))
        return opened[-1]

    yield open_one
    for store in opened:
        store.close()


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


def test_history_newest_first_with_paging(stores: Stores) -> None:
    store = stores()
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


def test_one_claim_per_slot_across_threads(stores: Stores) -> None:
    stores()
    wins: list[str] = []

    def claim(owner: str) -> None:
        if stores().claim("hourly", T0, owner):
            wins.append(owner)

    threads = [threading.Thread(target=claim, args=(f"replica-{i}",)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(wins) == 1


def test_expired_claims_are_taken_over_finished_ones_never(stores: Stores) -> None:
    store = stores()
    assert store.claim("hourly", T0, "a", lease_s=-1)  # a replica that died while running
    assert store.claim("hourly", T0, "b")
    assert not store.claim("hourly", T0, "a")
    assert not store.renew("hourly", T0, "a")  # "a" lost it and learns so on its next renewal
    assert not store.complete("hourly", T0, "a", made_by(HOURLY, T0))  # nothing is stored
    assert store.recent()[1] == 0
    assert store.renew("hourly", T0, "b")
    made = made_by(HOURLY, T0)
    assert store.complete("hourly", T0, "b", made)
    assert not store.claim("hourly", T0, "c", lease_s=-1)
    assert store.last_slot("hourly") == T0
    store.fail("hourly", T0 + timedelta(hours=1), "b", "boom")  # no row of its own: no effect
    assert store.runs("hourly") == [(T0, "b", "done", made.id)]
    assert [row.id for row in store.recent()[0]] == [made.id]


def test_only_claims_whose_lease_ran_out_are_expired(stores: Stores) -> None:
    store = stores()
    assert store.claim("hourly", T0, "dead", lease_s=-1)
    assert store.claim("hourly", T0 + timedelta(hours=1), "alive", lease_s=60)
    assert store.claim("hourly", T0 + timedelta(hours=2), "done", lease_s=-1)
    assert store.complete("hourly", T0 + timedelta(hours=2), "done", made_by(HOURLY, T0))
    assert store.expired("hourly") == [T0]
    assert store.renew("hourly", T0, "dead", lease_s=60)  # a slow owner, not a dead one
    assert store.expired("hourly") == []


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


async def test_two_schedulers_on_one_store_make_each_report_once(stores: Stores) -> None:
    every_two_seconds = Schedule(name="fast", cron="*/2 * * * * *", window="5m")
    replicas = [
        ReportScheduler([every_two_seconds], stores(), runner, owner=f"replica-{i}")
        for i in range(2)
    ]
    for replica in replicas:
        await replica.start()
    await asyncio.sleep(7)
    for replica in replicas:
        await replica.stop()
    runs = stores().runs("fast")
    slots = Counter(slot for slot, _, _, _ in runs)
    assert len(slots) >= 3
    assert set(slots.values()) == {1}
    reports, total = stores().recent(limit=100)
    assert total == len({r.id for r in reports}) == sum(1 for r in runs if r[2] == "done")
    owners = {owner for _, owner, _, _ in runs}
    assert owners <= {"replica-0", "replica-1"}


async def test_same_slot_fired_on_both_replicas_runs_once(stores: Stores) -> None:
    now = datetime(2026, 11, 26, 12, 5, 1, tzinfo=UTC)
    replicas = [
        ReportScheduler([HOURLY], stores(), runner, owner=f"r{i}", clock=lambda: now)
        for i in range(2)
    ]
    made = await asyncio.gather(*(replica.fire("hourly") for replica in replicas))
    assert sum(result is not None for result in made) == 1
    assert stores().recent()[1] == 1


async def test_missed_slot_is_made_once_on_restart(stores: Stores) -> None:
    store = stores()
    ran_at = datetime(2026, 11, 26, 9, 5, tzinfo=UTC)  # the last run before the outage
    store.claim("hourly", ran_at, "old")
    store.complete("hourly", ran_at, "old", made_by(HOURLY, ran_at))
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


async def test_a_failed_run_is_recorded_and_retried_next_time(stores: Stores) -> None:
    store = stores()
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


async def test_the_sweep_takes_over_a_dead_replicas_slot_once(stores: Stores) -> None:
    store = stores()
    now = datetime(2026, 11, 26, 12, 5, 30, tzinfo=UTC)
    slot = datetime(2026, 11, 26, 12, 5, tzinfo=UTC)
    assert store.claim("hourly", slot, "died-mid-run", lease_s=-1)
    replicas = [
        ReportScheduler([HOURLY], stores(), runner, owner=f"r{i}", clock=lambda: now)
        for i in range(2)
    ]
    made = await asyncio.gather(*(replica.sweep() for replica in replicas))
    assert sorted(len(reports) for reports in made) == [0, 1]
    [(_, owner, state, report_id)] = store.runs("hourly")
    assert owner in {"r0", "r1"} and state == "done"
    assert [row.id for row in store.recent()[0]] == [report_id]
    assert await replicas[0].sweep() == []
