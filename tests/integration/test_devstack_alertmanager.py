"""The devstack's real Alertmanager: Prometheus evaluates the shipped rules and sends alerts to
it, and it posts them (firing, then resolved) to a webhook receiver with the bearer token."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from fastapi import FastAPI, Request, Response

from opslens.alerts.files import rule_file_text
from opslens.alerts.rules import rule_groups
from opslens.devstack.alertmanager import AlertmanagerBackend, Route
from opslens.devstack.asgi import serve
from opslens.devstack.process import free_port
from opslens.devstack.prometheus import PrometheusBackend
from opslens.reports.settings import ReportSettings

pytestmark = pytest.mark.integration
TOKEN = "alert-receiver-secret"
FIRING_S = 8


def receiver() -> tuple[FastAPI, list[tuple[str, dict[str, Any]]]]:
    app = FastAPI()
    received: list[tuple[str, dict[str, Any]]] = []

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.post("/v1/alerts")
    async def alerts(request: Request) -> Response:
        received.append(
            (request.headers.get("authorization", ""), json.loads(await request.body()))
        )
        return Response(status_code=202)

    return app, received


def rules_with_a_short_alert(until: float) -> str:
    """The shipped rules plus one alert that fires now and resolves at ``until``."""
    document = yaml.safe_load(rule_file_text(interval="1s"))
    short = {
        "alert": "DevstackShortAlert",
        "expr": f"vector(time()) < {until:.0f}",
        "labels": {"namespace": "shop", "service": "checkout"},
    }
    document["groups"].append({"name": "devstack-check", "interval": "1s", "rules": [short]})
    return yaml.safe_dump(document)


@pytest.fixture()
def wired(
    tmp_path: Path,
) -> Iterator[tuple[PrometheusBackend, AlertmanagerBackend, list[tuple[str, dict[str, Any]]]]]:
    app, received = receiver()
    with serve(app) as url:
        route = Route(url=f"{url}/v1/alerts", token=TOKEN, group_wait="1s", group_interval="2s")
        alertmanager = AlertmanagerBackend(tmp_path / "alertmanager", free_port(), route)
        prometheus = PrometheusBackend(
            tmp_path / "prometheus",
            free_port(),
            rules=rules_with_a_short_alert(time.time() + FIRING_S),
            alertmanager=f"127.0.0.1:{alertmanager.port}",
        )
        try:
            alertmanager.start()
            prometheus.start()
            yield prometheus, alertmanager, received
        finally:
            prometheus.stop()
            alertmanager.stop()


def wait_for(
    received: list[tuple[str, dict[str, Any]]], status: str, timeout: float
) -> tuple[str, dict[str, Any]]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for authorization, payload in received:
            if payload["status"] == status:
                return authorization, payload
        time.sleep(0.2)
    raise AssertionError(f"no {status} notification within {timeout}s; got {received}")


def test_prometheus_loads_every_shipped_rule(wired: Any) -> None:
    prometheus, alertmanager, _ = wired
    groups = httpx.get(f"{prometheus.url}/api/v1/rules", timeout=10).json()["data"]["groups"]
    loaded = {(g["name"], r["name"]) for g in groups for r in g["rules"]}
    shipped = {(g["name"], r["alert"]) for g in rule_groups(ReportSettings()) for r in g["rules"]}
    assert shipped <= loaded
    assert all(r["health"] != "err" for g in groups for r in g["rules"])
    deadline = time.monotonic() + 30  # the notifier discovers its targets every few seconds
    while time.monotonic() < deadline:
        answer = httpx.get(f"{prometheus.url}/api/v1/alertmanagers", timeout=10).json()
        if answer["data"]["activeAlertmanagers"]:
            break
        time.sleep(0.5)
    [active] = answer["data"]["activeAlertmanagers"]
    assert active["url"].startswith(alertmanager.url)


def test_an_alert_reaches_the_receiver_firing_then_resolved(wired: Any) -> None:
    _, alertmanager, received = wired

    authorization, firing = wait_for(received, "firing", 30)
    assert authorization == f"Bearer {TOKEN}"
    assert firing["version"] == "4"
    assert firing["receiver"] == "opslens"
    [alert] = firing["alerts"]
    assert alert["labels"]["alertname"] == "DevstackShortAlert"
    assert firing["groupLabels"] == {
        "alertname": "DevstackShortAlert",
        "namespace": "shop",
        "service": "checkout",
    }
    assert alert["fingerprint"] and firing["groupKey"]

    _, resolved = wait_for(received, "resolved", FIRING_S + 30)
    assert resolved["groupKey"] == firing["groupKey"]
    assert resolved["alerts"][0]["fingerprint"] == alert["fingerprint"]
    assert resolved["alerts"][0]["endsAt"] > alert["startsAt"]
    config = alertmanager.config_path.read_text(encoding="utf-8")
    assert TOKEN not in config
    assert alertmanager.token_path.stat().st_mode & 0o077 == 0
