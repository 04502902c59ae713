"""The investigation store in the reports' own store, SQLite and Postgres alike: one
investigation per alert group while it is open or within the dedupe window, also when replicas
open the same group at the same moment; resolved groups close with their duration."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
import pytest

from opslens.alerts.store import ABANDONED, InvestigationStore, open_investigations
from opslens.reports.store import ReportStore, open_store
from opslens.reports.store_postgres import MIGRATIONS

START = datetime(2026, 3, 1, 2, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)
LABELS = {"alertname": "OpslensPodRestarting", "namespace": "shop", "summary": "결제 서비스 재시작"}
OWNER = "replica-a"
LEASE_S = 60.0
Replicas = Callable[[], InvestigationStore]


@pytest.fixture(params=["sqlite", "postgres"])
def replicas(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Replicas]:
    """Opens investigation stores on one location, each over a reports store of its own (as
    each replica has); closes them afterwards."""
    location = (
        str(tmp_path / "r.sqlite")
        if request.param == "sqlite"
        else request.getfixturevalue("postgres_url")
    )
    opened: list[ReportStore] = []

    def open_one() -> InvestigationStore:
        opened.append(open_store(location))
        return open_investigations(opened[-1])

    yield open_one
    for store in opened:
        store.close()


def test_a_group_opens_once_and_later_notifications_join_it(replicas: Replicas) -> None:
    store = replicas()
    first, new = store.open(
        "g-cart", "OpslensPodRestarting", LABELS, ["f1"], START, HOUR, OWNER, LEASE_S
    )
    again, again_new = store.open(
        "g-cart", "OpslensPodRestarting", LABELS, ["f2", "f1"], START, HOUR, OWNER, LEASE_S
    )
    other, other_new = store.open(
        "g-pay", "OpslensPodRestarting", LABELS, ["f9"], START, HOUR, OWNER, LEASE_S
    )

    assert new and other_new and not again_new
    assert again.id == first.id != other.id
    assert again.fingerprints == ["f1", "f2"]
    stored = store.get(first.id)
    assert stored is not None
    assert stored.fingerprints == ["f1", "f2"]
    assert stored.labels == LABELS and stored.state == "queued" and stored.starts_at == START
    newest, total = store.recent()
    assert total == 2 and [item.id for item in newest] == [other.id, first.id]
    assert [item.id for item in store.recent(limit=1, offset=1)[0]] == [first.id]
    assert store.get("alert-missing") is None


def test_finished_investigations_dedupe_within_the_window_only(replicas: Replicas) -> None:
    store = replicas()
    item, _ = store.open("g", "OpslensPodOOMKilled", LABELS, ["f1"], START, HOUR, OWNER, LEASE_S)
    assert store.running(item.id, OWNER, LEASE_S)
    running = store.get(item.id)
    assert running is not None and running.state == "running"
    store.finish(item.id, OWNER, "alert-report-1", "payment-service")

    done = store.get(item.id)
    assert done is not None and done.state == "done" and done.finished_at is not None
    assert (done.report_id, done.root_cause, done.error) == (
        "alert-report-1",
        "payment-service",
        None,
    )
    assert store.open("g", "OpslensPodOOMKilled", LABELS, ["f1"], START, HOUR, OWNER, LEASE_S) == (
        done,
        False,
    )
    later, new = store.open(
        "g", "OpslensPodOOMKilled", LABELS, ["f1"], START, timedelta(0), OWNER, LEASE_S
    )
    assert new and later.id != item.id
    store.finish(later.id, OWNER, None, None, "TimeoutError: " + "x" * 1000)
    failed = store.get(later.id)
    assert failed is not None and failed.state == "failed"
    assert failed.error is not None and len(failed.error) == 500 and failed.report_id is None


def test_resolved_closes_the_open_investigations_of_the_group(replicas: Replicas) -> None:
    store = replicas()
    first, _ = store.open(
        "g", "OpslensErrorBudgetBurn", LABELS, ["f1"], START, HOUR, OWNER, LEASE_S
    )
    store.finish(first.id, OWNER, "alert-report-1", "payment-service")
    second, _ = store.open(
        "g", "OpslensErrorBudgetBurn", LABELS, ["f1"], START, timedelta(0), OWNER, LEASE_S
    )
    untouched, _ = store.open(
        "other", "OpslensErrorBudgetBurn", LABELS, ["f3"], START, HOUR, OWNER, LEASE_S
    )
    ended = START + timedelta(minutes=7, seconds=30)

    closed = store.resolve("g", ended)

    assert sorted(item.id for item in closed) == sorted([first.id, second.id])
    for item_id in (first.id, second.id):
        found = store.get(item_id)
        assert found is not None and found.resolved_at == ended and found.duration_s == 450.0
    assert store.resolve("g", ended + HOUR) == []  # nothing open any more
    still_open = store.get(untouched.id)
    assert still_open is not None and still_open.resolved_at is None
    # An alert that resolves "before" it started (clock skew) lasted zero seconds.
    assert [item.duration_s for item in store.resolve("other", START - HOUR)] == [0.0]


def test_an_investigation_never_queued_is_forgotten(replicas: Replicas) -> None:
    store = replicas()
    item, _ = store.open("g", "OpslensPodRestarting", LABELS, ["f1"], START, HOUR, OWNER, LEASE_S)
    store.forget(item.id)
    assert store.get(item.id) is None
    assert store.open("g", "OpslensPodRestarting", LABELS, ["f1"], START, HOUR, OWNER, LEASE_S)[1]


def test_replicas_opening_one_group_at_once_open_it_once(replicas: Replicas) -> None:
    stores = [replicas() for _ in range(8)]
    start = threading.Barrier(len(stores))
    opened: list[tuple[str, bool]] = []

    def notify(store: InvestigationStore, fingerprint: str) -> None:
        start.wait()
        item, new = store.open(
            "g", "OpslensErrorBudgetBurn", LABELS, [fingerprint], START, HOUR, OWNER, LEASE_S
        )
        opened.append((item.id, new))

    threads = [
        threading.Thread(target=notify, args=(store, f"f{n}")) for n, store in enumerate(stores)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sum(new for _, new in opened) == 1
    assert len({item_id for item_id, _ in opened}) == 1
    listed, total = stores[0].recent()
    assert total == 1
    assert listed[0].fingerprints == sorted(f"f{n}" for n in range(len(stores)))


SHORT_LEASE_S = 1.0


def test_a_failed_investigation_does_not_hold_its_group_back(replicas: Replicas) -> None:
    store = replicas()
    item, _ = store.open("g", "OpslensPodRestarting", LABELS, ["f1"], START, HOUR, OWNER, LEASE_S)
    assert store.finish(item.id, OWNER, None, None, "ConnectError: prometheus")

    retry, new = store.open("g", "OpslensPodRestarting", LABELS, ["f1"], START, HOUR, "b", 60.0)

    assert new and retry.id != item.id
    again, again_new = store.open("g", "OpslensPodRestarting", LABELS, ["f2"], START, HOUR, "c", 9)
    assert not again_new and again.id == retry.id


def test_only_the_owner_renews_runs_and_finishes(replicas: Replicas) -> None:
    store = replicas()
    item, _ = store.open("g", "OpslensPodRestarting", LABELS, ["f1"], START, HOUR, OWNER, LEASE_S)

    assert store.renew([item.id, "alert-missing"], OWNER, LEASE_S) == [item.id]
    assert store.renew([item.id], "replica-b", LEASE_S) == []
    assert not store.running(item.id, "replica-b", LEASE_S)
    assert not store.finish(item.id, "replica-b", "alert-report-x", "cart")
    assert store.take_over("replica-b", LEASE_S, 10) == []  # its lease is live
    still = store.get(item.id)
    assert still is not None and still.state == "queued" and still.report_id is None
    assert store.running(item.id, OWNER, LEASE_S)
    assert store.finish(item.id, OWNER, "alert-report-1", "cart")
    assert store.renew([item.id], OWNER, LEASE_S) == []  # done: nothing to renew
    assert not store.running(item.id, OWNER, LEASE_S)


def test_a_dead_replicas_investigations_are_taken_over_after_the_lease(
    replicas: Replicas,
) -> None:
    dead, alive = replicas(), replicas()
    queued, _ = dead.open("g1", "OpslensPodOOMKilled", LABELS, ["f1"], START, HOUR, "dead", 1)
    running, _ = dead.open("g2", "OpslensPodOOMKilled", LABELS, ["f2"], START, HOUR, "dead", 1)
    assert dead.running(running.id, "dead", SHORT_LEASE_S)
    # While the leases run, a notification of the group joins the investigation.
    assert dead.open("g1", "OpslensPodOOMKilled", LABELS, ["f3"], START, HOUR, "b", 60) == (
        dead.get(queued.id),
        False,
    )

    time.sleep(SHORT_LEASE_S + 0.2)
    taken = alive.take_over("alive", LEASE_S, 10)

    assert [item.id for item in taken] == [queued.id, running.id]
    assert {item.state for item in taken} == {"queued"}
    assert taken[0].fingerprints == ["f1", "f3"]
    assert alive.take_over("other", LEASE_S, 10) == []  # now "alive"'s, under a live lease
    assert not dead.finish(running.id, "dead", "alert-report-late", None)
    assert alive.running(running.id, "alive", LEASE_S)
    assert alive.finish(running.id, "alive", "alert-report-1", "payment-service")
    done = alive.get(running.id)
    assert done is not None and done.state == "done" and done.report_id == "alert-report-1"


def test_a_new_notification_sets_an_abandoned_investigation_aside(replicas: Replicas) -> None:
    store = replicas()
    stale, _ = store.open("g", "OpslensPodRestarting", LABELS, ["f1"], START, HOUR, "dead", 1)
    time.sleep(SHORT_LEASE_S + 0.2)

    fresh, new = store.open("g", "OpslensPodRestarting", LABELS, ["f1"], START, HOUR, OWNER, 60)

    assert new and fresh.id != stale.id
    abandoned = store.get(stale.id)
    assert abandoned is not None and abandoned.state == "failed" and abandoned.error == ABANDONED
    assert store.take_over("other", LEASE_S, 10) == []  # nothing left for a sweep to redo


def test_a_postgres_store_from_before_alerts_migrates_forward(postgres_url: str) -> None:
    """A database the reports store migrated before investigations existed (schema version 1)
    gets their table when a newer replica starts."""
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(
            "CREATE TABLE opslens_schema (component text PRIMARY KEY, version integer NOT NULL)"
        )
        conn.execute(MIGRATIONS[0])
        conn.execute("INSERT INTO opslens_schema VALUES ('reports', 1)")
        assert conn.execute("SELECT to_regclass('investigations')").fetchone() == (None,)
    reports = open_store(postgres_url)
    try:
        store = open_investigations(reports)
        item, new = store.open(
            "g", "OpslensPodRestarting", LABELS, ["f1"], START, HOUR, OWNER, LEASE_S
        )
        assert new and store.get(item.id) == item
    finally:
        reports.close()
    with psycopg.connect(postgres_url) as conn:
        version = conn.execute(
            "SELECT version FROM opslens_schema WHERE component = 'reports'"
        ).fetchone()
    assert version == (len(MIGRATIONS),)
