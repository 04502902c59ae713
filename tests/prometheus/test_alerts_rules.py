"""``alerts`` and ``rules`` against a real Prometheus evaluating a rule file written here."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
import yaml

from opslens.devstack.asgi import serve
from opslens.devstack.process import free_port
from opslens.devstack.prometheus import PrometheusBackend
from opslens_mcp.core.app import create_app
from opslens_mcp.core.settings import ServerSettings
from opslens_mcp.core.times import parse_duration
from opslens_mcp.prometheus.server import create_service
from opslens_mcp.prometheus.settings import PrometheusSettings
from tests.prometheus.rpc import call

pytestmark = pytest.mark.integration

RULES: dict[str, Any] = {
    "groups": [
        {
            "name": "promtest",
            "interval": "1s",
            "rules": [
                {
                    "alert": "PromtestSelfScrapeUp",
                    "expr": 'up{job="prometheus"} == 1',
                    "labels": {"severity": "info"},
                    "annotations": {"summary": "프로메테우스가 자기 자신을 수집합니다"},
                },
                {
                    "alert": "PromtestNeverFires",
                    "expr": "vector(1) == 2",
                    "for": "5m",
                },
                {
                    "record": "promtest:http_requests:rate1m",
                    "expr": "sum(rate(prometheus_http_requests_total[1m]))",
                },
            ],
        }
    ]
}


@pytest.fixture(scope="module")
def ruled_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    rules = yaml.safe_dump(RULES, allow_unicode=True)
    backend = PrometheusBackend(tmp_path_factory.mktemp("ruled"), free_port(), rules=rules)
    backend.start()
    try:
        service = create_service(PrometheusSettings(url=backend.url))
        with serve(create_app(service, ServerSettings())) as url:
            yield url
    finally:
        backend.stop()


def rule_definitions() -> list[dict[str, Any]]:
    rules: list[dict[str, Any]] = RULES["groups"][0]["rules"]
    return rules


def test_rules_come_back_as_written(ruled_url: str) -> None:
    result = call(ruled_url, "rules", {})

    found = {rule["name"]: rule for rule in result["rules"]}
    for definition in rule_definitions():
        name = definition.get("alert") or definition["record"]
        rule = found[name]
        assert rule["query"] == definition["expr"]
        assert rule["type"] == ("alerting" if "alert" in definition else "recording")
        assert rule["group"] == "promtest"
        assert rule["annotations"] == definition.get("annotations", {})
    pending = next(definition for definition in rule_definitions() if "for" in definition)
    assert found[pending["alert"]]["duration_s"] == parse_duration(pending["for"])
    recording = call(ruled_url, "rules", {"type": "record"})
    assert [rule["name"] for rule in recording["rules"]] == ["promtest:http_requests:rate1m"]


def test_the_firing_alert_and_only_it(ruled_url: str) -> None:
    deadline = time.monotonic() + 60
    while True:
        result = call(ruled_url, "alerts", {})
        if result["alerts"] or time.monotonic() > deadline:
            break
        time.sleep(1)

    [alert] = result["alerts"]
    definition = rule_definitions()[0]
    assert (alert["name"], alert["state"]) == (definition["alert"], "firing")
    assert alert["annotations"] == definition["annotations"]
    assert alert["labels"]["severity"] == definition["labels"]["severity"]
    assert call(ruled_url, "alerts", {"state": "pending"})["alerts"] == []
    never = call(ruled_url, "rules", {"name_contains": "neverfires"})
    assert [rule["state"] for rule in never["rules"]] == ["inactive"]
