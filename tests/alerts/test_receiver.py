"""``POST /v1/alerts`` on the reports server over real HTTP: authentication, 202 before the
investigation, dedupe by group key, resolved notifications, bad payloads, the bounded queue.

The backends here are down (a closed port) or hung (a port that never answers): the real
pipeline runs and records what it could not reach, quickly or slowly. What an investigation
finds over real data is tested end to end in ``test_end_to_end.py``.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from opslens.alerts.settings import AlertSettings
from opslens.devstack.postgres import PostgresBackend
from opslens.devstack.process import free_port
from opslens_eval.alerts.receiver import (
    TOKEN,
    Receiver,
    group_alerts,
    running_receiver,
    settings_towards,
    silent_backend,
)
from opslens_mcp.core.settings import ServerSettings


@pytest.fixture()
def receiver(tmp_path: Path) -> Iterator[Receiver]:
    dead = f"http://127.0.0.1:{free_port()}"
    with running_receiver(settings_towards(tmp_path / "reports.sqlite", dead)) as running:
        yield running


def test_the_token_is_required(receiver: Receiver) -> None:
    payload = group_alerts("OpslensErrorBudgetBurn", "checkout", 1, datetime.now(UTC))
    assert receiver.post(payload, token=None).status_code == 401
    assert receiver.post(payload, token="wrong").status_code == 401
    assert receiver.get()["total"] == 0


def test_a_firing_alert_is_taken_then_investigated_and_delivered(receiver: Receiver) -> None:
    started = datetime.now(UTC) - timedelta(minutes=3)
    payload = group_alerts("OpslensErrorBudgetBurn", "checkout", 2, started)

    answer = receiver.post(payload)

    assert answer.status_code == 202
    body = answer.json()
    assert body["status"] == "queued"
    done = receiver.wait(body["investigation_id"], ("done", "failed"))
    assert done["state"] == "done", done
    assert done["alertname"] == "OpslensErrorBudgetBurn"
    assert done["group_key"] == payload["groupKey"]
    assert done["fingerprints"] == sorted(a["fingerprint"] for a in payload["alerts"])
    assert done["labels"] == payload["commonLabels"]
    assert datetime.fromisoformat(done["starts_at"]) == started
    assert done["report_id"].startswith("alert-")
    # The report covers the alert's namespace from the lookback before its start.
    report = httpx.post(
        f"{receiver.url}/rpc",
        json={
            "jsonrpc": "2.0",
            "id": 1,
            "method": "tools/call",
            "params": {
                "name": "get_report",
                "arguments": {"report_id": done["report_id"], "format": "json"},
            },
        },
        headers={"authorization": f"Bearer {TOKEN}"},
        timeout=30,
    ).json()
    assert "error" not in report, report
    deadline = time.monotonic() + 10
    while not receiver.hooks and time.monotonic() < deadline:
        time.sleep(0.1)
    [message] = receiver.hooks
    assert message["blocks"][0]["text"]["text"].startswith("OpslensErrorBudgetBurn: ")
    assert done["id"] in str(message["blocks"][-1])


def test_one_group_is_investigated_once(receiver: Receiver) -> None:
    started = datetime.now(UTC)
    first = receiver.post(group_alerts("OpslensPodRestarting", "cart", 1, started)).json()
    grown = receiver.post(group_alerts("OpslensPodRestarting", "cart", 3, started)).json()
    again = receiver.post(group_alerts("OpslensPodRestarting", "cart", 3, started)).json()
    other = receiver.post(group_alerts("OpslensPodRestarting", "payments", 1, started)).json()

    assert first["status"] == "queued" and other["status"] == "queued"
    assert (
        grown
        == again
        == {
            "status": "duplicate",
            "investigation_id": first["investigation_id"],
            "closed": [],
        }
    )
    assert other["investigation_id"] != first["investigation_id"]
    assert receiver.get()["total"] == 2
    merged = receiver.get(f"/{first['investigation_id']}")["fingerprints"]
    assert merged == sorted(
        a["fingerprint"] for a in group_alerts("OpslensPodRestarting", "cart", 3, started)["alerts"]
    )


def test_resolved_closes_the_investigation_with_its_duration(receiver: Receiver) -> None:
    started = datetime(2026, 3, 1, 2, 0, tzinfo=UTC)
    ended = started + timedelta(minutes=7, seconds=30)
    opened = receiver.post(group_alerts("OpslensPodOOMKilled", "cart", 2, started)).json()

    closed = receiver.post(group_alerts("OpslensPodOOMKilled", "cart", 2, started, ended))

    assert closed.status_code == 202
    assert closed.json()["status"] == "resolved"
    assert closed.json()["closed"] == [opened["investigation_id"]]
    found = receiver.get(f"/{opened['investigation_id']}")
    assert datetime.fromisoformat(found["resolved_at"]) == ended
    assert found["duration_s"] == 450.0
    # A resolved group with nothing open changes nothing.
    stray = receiver.post(group_alerts("OpslensPodOOMKilled", "nobody", 1, started, ended))
    assert stray.json() == {"status": "resolved", "investigation_id": None, "closed": []}
    assert receiver.get()["total"] == 1


@pytest.mark.parametrize(
    ("change", "status", "words"),
    [
        (lambda p: b"{not json", 400, "not JSON"),
        (lambda p: "\udcff".encode("utf-8", "surrogatepass"), 400, "not JSON"),
        (lambda p: [p], 422, "version 4"),
        (lambda p: {**p, "version": "3"}, 422, "version"),
        (lambda p: {**p, "alerts": []}, 422, "alerts"),
        (lambda p: {k: v for k, v in p.items() if k != "groupKey"}, 422, "groupKey"),
        (
            lambda p: {**p, "alerts": [{**p["alerts"][0], "fingerprint": "x' OR 1=1"}]},
            422,
            "fingerprint",
        ),
        (lambda p: {**p, "alerts": [{**p["alerts"][0], "status": "pending"}]}, 422, "status"),
        (lambda p: {**p, "alerts": [{**p["alerts"][0], "startsAt": "yesterday"}]}, 422, "startsAt"),
        (lambda p: {**p, "alerts": [{**p["alerts"][0], "generatorURL": ""}] * 1001}, 422, "alerts"),
    ],
)
def test_bad_payloads_get_a_clear_4xx_and_change_nothing(
    receiver: Receiver, change: object, status: int, words: str
) -> None:
    payload = group_alerts("OpslensPodCrashLooping", "cart", 1, datetime.now(UTC))
    assert callable(change)
    bad = change(payload)
    answer = receiver.post(bad)
    assert answer.status_code == status, answer.text
    assert words in answer.text
    assert receiver.get()["total"] == 0


def test_an_oversized_payload_is_refused(receiver: Receiver) -> None:
    payload = group_alerts("OpslensPodCrashLooping", "cart", 1, datetime.now(UTC))
    payload["commonAnnotations"] = {"description": "가" * ServerSettings().max_body_bytes}
    answer = receiver.post(payload)
    assert answer.status_code == 413
    assert "exceeds" in answer.json()["detail"]
    assert receiver.get()["total"] == 0


def test_the_queue_is_bounded_and_says_when_it_refuses(tmp_path: Path) -> None:
    alerts = AlertSettings(queue_size=2, workers=1)
    with (
        silent_backend() as hung,
        running_receiver(
            settings_towards(tmp_path / "reports.sqlite", hung, 60), alerts
        ) as receiver,
    ):
        now = datetime.now(UTC)
        first = receiver.post(group_alerts("OpslensPodRestarting", "svc-0", 1, now)).json()
        assert receiver.wait(first["investigation_id"], ("running",))["state"] == "running"

        answers = [
            receiver.post(group_alerts("OpslensPodRestarting", f"svc-{n}", 1, now))
            for n in range(1, 5)
        ]

        assert [a.status_code for a in answers] == [202, 202, 503, 503]
        assert answers[2].headers["retry-after"] == "30"
        assert "2 investigations are waiting" in answers[2].json()["detail"]
        assert receiver.get()["total"] == 3
        ready = httpx.get(f"{receiver.url}/readyz", timeout=10).json()
        assert ready["alerts"] == {"queued": 2, "capacity": 2, "dropped": 2}


async def test_a_storm_of_notifications_makes_one_investigation_per_group(tmp_path: Path) -> None:
    """200 alerts in 20 groups, each group notified as it grows (10 posts), all at once."""
    dead = f"http://127.0.0.1:{free_port()}"
    settings = settings_towards(tmp_path / "reports.sqlite", dead)
    with running_receiver(settings, AlertSettings(queue_size=50)) as receiver:
        now = datetime.now(UTC)
        payloads = [
            group_alerts("OpslensErrorBudgetBurn", f"svc-{group}", size, now)
            for size in range(1, 11)
            for group in range(20)
        ]
        headers = {"authorization": f"Bearer {TOKEN}"}
        async with httpx.AsyncClient(base_url=receiver.url, headers=headers, timeout=60) as client:
            answers = await asyncio.gather(*(client.post("/v1/alerts", json=p) for p in payloads))

        assert {a.status_code for a in answers} == {202}
        outcomes = [a.json()["status"] for a in answers]
        assert outcomes.count("queued") == 20 and outcomes.count("duplicate") == 180
        listed = receiver.get("?limit=500")
        assert listed["total"] == 20
        assert all(len(i["fingerprints"]) == 10 for i in listed["investigations"])


async def test_two_replicas_over_one_postgres_investigate_each_group_once(
    tmp_path: Path, postgres_url: str
) -> None:
    """The storm again, each notification to one of two receivers sharing a Postgres store
    (as replicas behind a Service): still one investigation per group."""
    dead = f"http://127.0.0.1:{free_port()}"
    settings = settings_towards(tmp_path / "unused.sqlite", dead).model_copy(
        update={"store_url": postgres_url}
    )
    alerts = AlertSettings(queue_size=50)
    with running_receiver(settings, alerts) as one, running_receiver(settings, alerts) as two:
        now = datetime.now(UTC)
        # Each group's growing notifications alternate between the replicas.
        posts = [
            (
                (one, two)[size % 2],
                group_alerts("OpslensErrorBudgetBurn", f"svc-{group}", size, now),
            )
            for size in range(1, 6)
            for group in range(10)
        ]
        headers = {"authorization": f"Bearer {TOKEN}"}
        async with httpx.AsyncClient(headers=headers, timeout=60) as client:
            answers = await asyncio.gather(
                *(client.post(f"{to.url}/v1/alerts", json=payload) for to, payload in posts)
            )

        assert {a.status_code for a in answers} == {202}
        outcomes = [a.json()["status"] for a in answers]
        assert outcomes.count("queued") == 10 and outcomes.count("duplicate") == 40
        for replica in (one, two):
            listed = replica.get("?limit=500")
            assert listed["total"] == 10
            assert all(len(i["fingerprints"]) == 5 for i in listed["investigations"])
        assert not (tmp_path / "unused.sqlite").exists()


def test_postgres_down_is_a_503_to_retry_and_the_workers_survive_it(
    tmp_path: Path, postgres_backend: PostgresBackend, postgres_url: str
) -> None:
    """While the store is down Alertmanager gets 503 with Retry-After (it retries); an
    investigation whose store call failed does not take its worker with it."""
    with silent_backend() as hung:
        settings = settings_towards(tmp_path / "unused.sqlite", hung, 3).model_copy(
            update={"store_url": postgres_url}
        )
        with running_receiver(settings, AlertSettings(workers=1)) as receiver:
            now = datetime.now(UTC)
            first = receiver.post(group_alerts("OpslensPodRestarting", "svc-0", 1, now)).json()
            assert receiver.wait(first["investigation_id"], ("running",))["state"] == "running"
            postgres_backend.stop()  # the investigation cannot record its end
            try:
                time.sleep(8)  # the hung backend's timeouts end the investigation meanwhile
                answer = receiver.post(group_alerts("OpslensPodRestarting", "svc-1", 1, now))
                listing = httpx.get(
                    f"{receiver.url}/v1/alerts",
                    headers={"authorization": f"Bearer {TOKEN}"},
                    timeout=30,
                )
            finally:
                postgres_backend.start()

            assert answer.status_code == 503 and answer.headers["retry-after"] == "30"
            assert "reports store is unreachable" in answer.json()["detail"]
            assert postgres_backend.password not in answer.text
            assert listing.status_code == 503
            # Back up: Alertmanager retries a 503; the pool may take a few seconds to reconnect.
            deadline = time.monotonic() + 30
            again = receiver.post(group_alerts("OpslensPodRestarting", "svc-1", 1, now))
            while again.status_code == 503 and time.monotonic() < deadline:
                time.sleep(1)
                again = receiver.post(group_alerts("OpslensPodRestarting", "svc-1", 1, now))
            assert again.status_code == 202, again.text
            done = receiver.wait(again.json()["investigation_id"], ("done", "failed"))
            assert done["state"] in ("done", "failed") and done["finished_at"] is not None
