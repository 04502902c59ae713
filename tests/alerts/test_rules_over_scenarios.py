"""The shipped rules over every shipped scenario's history in a real Prometheus: the healthy
ones fire nothing, each fault fires the alert its type calls for on the service (or pod) the
ground truth names.

Each alert's expression is evaluated as a range query over the scenario's history; it "fires"
where it holds for its ``for:`` duration at consecutive steps, as Prometheus's rule would.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
import pytest

from opslens.alerts.rules import rule_groups
from opslens.devstack.prometheus import PrometheusBackend
from opslens.reports.naming import service_of_pod
from opslens.reports.settings import ReportSettings
from opslens.scenarios.model import load_scenario
from opslens.scenarios.seed import SCENARIOS_DIR, seed_scenario
from opslens.scenarios.truth import FaultTruth, GroundTruth
from opslens_mcp.core.times import parse_duration

pytestmark = [pytest.mark.integration, pytest.mark.timeout(1800)]
STEP_S = 30
EXPECTED = {
    "error_burst": ("OpslensErrorBudgetBurn",),
    "dependency_down": ("OpslensErrorBudgetBurn",),
    "latency": ("OpslensLatencyP95AboveBaseline",),
    "memory_leak": ("OpslensPodOOMKilled",),
    "crashloop": ("OpslensPodCrashLooping", "OpslensPodRestarting"),
    "cpu_throttle": ("OpslensCPUThrottlingHigh",),
}
"""The alerts a fault of each type must fire (on its service or pod)."""


@dataclass(frozen=True)
class Fired:
    alert: str
    service: str
    pod: str | None


def alerts() -> list[dict[str, Any]]:
    return [
        rule
        for group in rule_groups(ReportSettings())
        for rule in group["rules"]
        if "alert" in rule
    ]


@pytest.fixture(scope="module")
def seeded(
    prometheus_backend: PrometheusBackend, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, GroundTruth]]:
    """Every shipped scenario's metrics, each in a namespace of its own."""
    truths = {}
    for path in sorted(SCENARIOS_DIR.glob("*.yaml")):
        spec = load_scenario(path)
        spec = spec.model_copy(update={"namespace": f"rules-{spec.namespace}"})
        report = seed_scenario(
            spec, metrics=prometheus_backend, out_dir=tmp_path_factory.mktemp(spec.name)
        )
        truths[spec.name] = report.truth
    yield truths


def fired(prometheus: PrometheusBackend, truth: GroundTruth) -> set[Fired]:
    """Every alert the rules raise over the scenario's history, in its namespace."""
    found = set()
    start = truth.start + timedelta(minutes=10)  # rate windows need a few samples
    for rule in alerts():
        answer = httpx.get(
            f"{prometheus.url}/api/v1/query_range",
            params={
                "query": rule["expr"],
                "start": start.timestamp(),
                "end": truth.now.timestamp(),
                "step": STEP_S,
            },
            timeout=120,
        ).json()
        assert answer["status"] == "success", answer
        needed = int(parse_duration(rule["for"]) // STEP_S) + 1 if "for" in rule else 1
        for series in answer["data"]["result"]:
            labels = series["metric"]
            namespace = labels.get("namespace") or labels.get("destination_service_namespace")
            if namespace != truth.namespace or longest_run(series["values"]) < needed:
                continue
            pod = labels.get("pod")
            service = labels.get("destination_service_name") or service_of_pod(pod or "")
            found.add(Fired(rule["alert"], service, pod))
    return found


def longest_run(values: list[list[Any]]) -> int:
    """The most consecutive steps in a range result (a rule holds only while it matches)."""
    best = run = 0
    previous = None
    for stamp, _ in values:
        run = run + 1 if previous is not None and stamp - previous == STEP_S else 1
        best, previous = max(best, run), stamp
    return best


def fault_fired(fault: FaultTruth, found: set[Fired]) -> set[str]:
    """The expected alerts that fired where the fault is."""
    places = {fault.root_cause_service, *fault.affected_services}
    return {
        item.alert
        for item in found
        if item.alert in EXPECTED[fault.type]
        and item.service in places
        and (fault.pod is None or item.pod in (None, fault.pod))
    }


@pytest.mark.parametrize("name", ["healthy-shop", "travel-healthy"])
def test_healthy_scenarios_fire_nothing(
    name: str, seeded: dict[str, GroundTruth], prometheus_backend: PrometheusBackend
) -> None:
    assert fired(prometheus_backend, seeded[name]) == set()


@pytest.mark.parametrize(
    "name",
    [p.stem for p in sorted(SCENARIOS_DIR.glob("*.yaml")) if load_scenario(p).faults],
)
def test_each_fault_fires_its_alert(
    name: str, seeded: dict[str, GroundTruth], prometheus_backend: PrometheusBackend
) -> None:
    truth = seeded[name]
    found = fired(prometheus_backend, truth)
    for fault in truth.faults:
        assert fault_fired(fault, found) == set(EXPECTED[fault.type]), (fault, found)
