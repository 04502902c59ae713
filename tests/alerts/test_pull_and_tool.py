"""Pull mode against a real Alertmanager holding firing alerts (``opslens investigate``), and
the ``investigate_alert`` tool over real JSON-RPC. Backends are down: the pipeline runs and
records what it could not reach; what it finds over real data is the end-to-end test's."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from opslens.alerts.pull import AlertmanagerError, firing_groups, group_key
from opslens.cli import app
from opslens.devstack.alertmanager import AlertmanagerBackend, Route
from opslens.devstack.process import free_port
from opslens.rpc_client import RpcClient, RpcError
from opslens_eval.alerts.receiver import TOKEN, Receiver, running_receiver, settings_towards

pytestmark = pytest.mark.integration
STARTED = datetime.now(UTC) - timedelta(minutes=5)


def posted(name: str, service: str, pod: str, **more: str) -> dict[str, object]:
    labels = {"alertname": name, "namespace": "shop", "service": service, "pod": pod, **more}
    return {"labels": labels, "annotations": {"summary": "요약"}, "startsAt": STARTED.isoformat()}


@pytest.fixture(scope="module")
def alertmanager(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AlertmanagerBackend]:
    """A real Alertmanager holding five firing alerts in three groups (it notifies nobody)."""
    route = Route(url=f"http://127.0.0.1:{free_port()}/v1/alerts", group_wait="1h")
    backend = AlertmanagerBackend(tmp_path_factory.mktemp("pull-am"), free_port(), route)
    backend.start()
    try:
        alerts = [
            posted("OpslensPodRestarting", "cart", "cart-7d9f8b6c5d-aaaaa"),
            posted("OpslensPodRestarting", "cart", "cart-7d9f8b6c5d-bbbbb"),
            posted("OpslensPodRestarting", "checkout", "checkout-7d9f8b6c5d-ccccc"),
            posted("OpslensPodOOMKilled", "cart", "cart-7d9f8b6c5d-aaaaa", team="결제"),
            posted("OpslensPodOOMKilled", "cart", "cart-7d9f8b6c5d-bbbbb", team="결제"),
        ]
        httpx.post(f"{backend.url}/api/v2/alerts", json=alerts, timeout=10).raise_for_status()
        deadline = time.monotonic() + 20
        while len(httpx.get(f"{backend.url}/api/v2/alerts", timeout=10).json()) < 5:
            assert time.monotonic() < deadline
            time.sleep(0.2)
        yield backend
    finally:
        backend.stop()


async def test_firing_alerts_come_grouped_as_the_route_groups_them(
    alertmanager: AlertmanagerBackend,
) -> None:
    groups = await firing_groups(alertmanager.url)

    assert [(g.alertname(), g.groupLabels["service"], len(g.alerts)) for g in groups] == [
        ("OpslensPodOOMKilled", "cart", 2),
        ("OpslensPodRestarting", "cart", 2),
        ("OpslensPodRestarting", "checkout", 1),
    ]
    assert (
        groups[0].groupKey
        == '{}:{alertname="OpslensPodOOMKilled", namespace="shop", service="cart"}'
    )
    assert groups[0].commonLabels["team"] == "결제"
    assert "pod" not in groups[0].commonLabels
    assert all(a.fingerprint for g in groups for a in g.alerts)
    assert all(abs(a.startsAt - STARTED) < timedelta(seconds=1) for g in groups for a in g.alerts)


async def test_filters_are_exact_label_matches(alertmanager: AlertmanagerBackend) -> None:
    only = await firing_groups(alertmanager.url, "OpslensPodRestarting", {"service": "checkout"})
    assert [g.groupLabels["service"] for g in only] == ["checkout"]
    korean = await firing_groups(alertmanager.url, None, {"team": "결제"})
    assert [g.alertname() for g in korean] == ["OpslensPodOOMKilled"]
    hostile = await firing_groups(alertmanager.url, 'x"} or {alertname=~".+', {})
    assert hostile == []


async def test_an_unreachable_alertmanager_is_named() -> None:
    url = f"http://127.0.0.1:{free_port()}"
    with pytest.raises(AlertmanagerError, match="unreachable"):
        await firing_groups(url)


def test_the_cli_investigates_each_firing_group(
    alertmanager: AlertmanagerBackend, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    dead = f"http://127.0.0.1:{free_port()}"
    for name in ("PROMETHEUS", "OPENSEARCH", "KUBERNETES"):
        monkeypatch.setenv(f"OPSLENS_REPORTS_{name}_URL", dead)
    monkeypatch.setenv("OPSLENS_REPORTS_STORE_PATH", str(tmp_path / "reports.sqlite"))
    monkeypatch.setenv("OPSLENS_REPORTS_SEASONAL_DAYS", "0")
    monkeypatch.setenv("OPSLENS_DEVSTACK_DIR", str(tmp_path / "no-devstack"))

    result = CliRunner().invoke(
        app, ["investigate", "--alertmanager", alertmanager.url, "--label", "service=cart"]
    )

    assert result.exit_code == 0, result.output
    lines = [line for line in result.output.splitlines() if line.startswith("alertname=")]
    assert len(lines) == 2
    assert lines[0].startswith("alertname=OpslensPodOOMKilled, namespace=shop, service=cart: done")
    assert all(" report alert-" in line for line in lines)
    bad = CliRunner().invoke(
        app, ["investigate", "--alertmanager", alertmanager.url, "--label", "9x=1"]
    )
    assert bad.exit_code == 2 and "label name" in bad.output


@pytest.fixture()
def receiver(tmp_path: Path) -> Iterator[Receiver]:
    dead = f"http://127.0.0.1:{free_port()}"
    with running_receiver(settings_towards(tmp_path / "reports.sqlite", dead)) as running:
        yield running


async def test_the_tool_investigates_one_alert(receiver: Receiver) -> None:
    labels = {"namespace": "shop", "service": "cart"}
    async with RpcClient(receiver.url, name="reports", token=TOKEN, timeout_s=60) as reports:
        result = await reports.call(
            "investigate_alert",
            {
                "alertname": "OpslensPodRestarting",
                "labels": labels,
                "starts_at": STARTED.isoformat(),
            },
        )
        with pytest.raises(RpcError, match="invalid params"):
            await reports.call("investigate_alert", {"labels": labels})

    investigation = result["investigation"]
    assert investigation["state"] == "done"
    assert investigation["group_key"] == group_key({**labels, "alertname": "OpslensPodRestarting"})
    assert result["report"]["report_id"] == investigation["report_id"]
    assert receiver.get()["total"] == 1
