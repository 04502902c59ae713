"""Two reports processes over one Postgres: every scheduled report is made exactly once; when
the replica holding a claim is killed mid-run the other takes the slot over after the lease;
a Postgres restart fails the calls made while it is down, clearly, and nothing after."""

from __future__ import annotations

import json
import signal
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
import pytest

from opslens.devstack.postgres import PostgresBackend
from opslens.reports.scheduler import cron_trigger
from opslens.rpc_client import RpcClient, RpcError
from opslens.scenarios.truth import GroundTruth
from tests.conftest import DemoServers
from tests.postgres.replicas import replica

LEASE_S = 3.0


def reports_env(
    servers: DemoServers, truth: GroundTruth, store_url: str, cron: str
) -> dict[str, str]:
    return {
        "OPSLENS_REPORTS_PROMETHEUS_URL": servers.prometheus,
        "OPSLENS_REPORTS_OPENSEARCH_URL": servers.opensearch,
        "OPSLENS_REPORTS_KUBERNETES_URL": servers.kubernetes,
        "OPSLENS_REPORTS_NAMESPACES": json.dumps([truth.namespace]),
        "OPSLENS_REPORTS_STORE_URL": store_url,
        "OPSLENS_REPORTS_SCHEDULES": json.dumps([{"name": "fast", "cron": cron, "window": "15m"}]),
        "OPSLENS_REPORTS_CLAIM_LEASE_S": str(LEASE_S),
        "OPSLENS_REPORTS_SEASONAL_DAYS": "0",
    }


def runs(url: str) -> list[tuple[datetime, str, str, str | None]]:
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "SELECT slot, owner, state, report_id FROM runs WHERE schedule = 'fast' ORDER BY slot"
        ).fetchall()
    return [(r[0], r[1], r[2], r[3]) for r in rows]


def report_ends(url: str) -> Counter[datetime]:
    with psycopg.connect(url) as conn:
        rows = conn.execute("SELECT window_end FROM reports WHERE schedule = 'fast'").fetchall()
    return Counter(row[0] for row in rows)


def wait_for(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    pytest.fail(f"timed out waiting for {what}")


def test_two_replicas_make_every_scheduled_report_exactly_once(
    demo_servers: DemoServers, seeded_demo: GroundTruth, postgres_url: str, tmp_path: Path
) -> None:
    cron = "*/5 * * * * *"
    env = reports_env(demo_servers, seeded_demo, postgres_url, cron)
    with (
        replica("reports", env, tmp_path, "reports-a"),
        replica("reports", env, tmp_path, "reports-b"),
    ):
        started = datetime.now(UTC)
        time.sleep(31)
        stopped = datetime.now(UTC)
        # let the last slot's report finish before stopping
        trigger = cron_trigger(cron, "UTC")
        last = trigger.get_next_fire_time(None, stopped - timedelta(seconds=5))
        wait_for(
            lambda: any(s == last and st == "done" for s, _, st, _ in runs(postgres_url)),
            60,
            "the last slot's report",
        )
    expected = []
    moment = trigger.get_next_fire_time(None, started + timedelta(seconds=1))
    while moment is not None and moment <= last:
        expected.append(moment)
        moment = trigger.get_next_fire_time(moment, moment + timedelta(microseconds=1))
    assert len(expected) >= 5
    made = runs(postgres_url)
    done = {slot: owner for slot, owner, state, _ in made if state == "done"}
    assert all(slot in done for slot in expected), (expected, made)
    assert len({slot for slot, *_ in made}) == len(made)  # one row per slot
    ends = report_ends(postgres_url)
    assert all(ends[slot] == 1 for slot in expected), ends
    assert sum(ends.values()) == len(done)  # no report without its claim, none twice


def test_killing_the_claim_holder_mid_run_hands_the_slot_to_the_other_after_the_lease(
    demo_servers: DemoServers, seeded_demo: GroundTruth, postgres_url: str, tmp_path: Path
) -> None:
    env = reports_env(demo_servers, seeded_demo, postgres_url, "*/10 * * * * *")
    with (
        replica("reports", env, tmp_path, "reports-a") as a,
        replica("reports", env, tmp_path, "reports-b") as b,
    ):
        by_pid = {a.pid: a, b.pid: b}
        killed_at = None
        slot = victim = None
        deadline = time.monotonic() + 90
        while killed_at is None and time.monotonic() < deadline:
            running = [r for r in runs(postgres_url) if r[2] == "running"]
            if not running:
                time.sleep(0.02)
                continue
            slot, owner, _, _ = running[0]
            victim = by_pid[int(owner.rsplit(":", 1)[1])]
            victim.process.signal(signal.SIGSTOP)
            if (slot, owner, "running", None) in runs(postgres_url):
                victim.process.signal(signal.SIGKILL)
                killed_at = time.monotonic()
            else:  # it finished first: let it go on and catch the next slot
                victim.process.signal(signal.SIGCONT)
                time.sleep(1)
        assert killed_at is not None and victim is not None, "no claim was caught mid-run"
        survivor_pid = (a if victim is b else b).pid
        wait_for(
            lambda: any(s == slot and st == "done" for s, _, st, _ in runs(postgres_url)),
            60,
            "the slot to be taken over",
        )
        taken_after = time.monotonic() - killed_at
    [(_, owner, state, report_id)] = [r for r in runs(postgres_url) if r[0] == slot]
    assert state == "done" and report_id
    assert int(owner.rsplit(":", 1)[1]) == survivor_pid
    assert report_ends(postgres_url)[slot] == 1
    assert taken_after >= LEASE_S * 0.5  # not before the lease could have run out


async def test_a_postgres_restart_fails_calls_clearly_then_recovers(
    demo_servers: DemoServers,
    seeded_demo: GroundTruth,
    postgres_backend: PostgresBackend,
    postgres_url: str,
    tmp_path: Path,
) -> None:
    env = reports_env(demo_servers, seeded_demo, postgres_url, "0 0 1 1 *")
    with replica("reports", env, tmp_path, "reports") as server:
        async with RpcClient(server.url, name="reports") as reports:
            assert (await reports.call("list_reports", {}))["total"] == 0
            postgres_backend.stop()
            try:
                with pytest.raises(RpcError) as raised:
                    await reports.call("list_reports", {})
            finally:
                postgres_backend.start()
            assert raised.value.code == -32001
            assert "reports store" in raised.value.message
            assert f"127.0.0.1:{postgres_backend.port}" in raised.value.message
            assert postgres_backend.password not in raised.value.message
            assert (await reports.call("list_reports", {}))["total"] == 0
