"""The whole alert path on real components, shared by the end-to-end test and
``bench/alert_investigation.py``.

A fault scenario is seeded (history ending now, the fault lasting up to now) into OpenSearch,
kube-apiserver and a Prometheus that evaluates the shipped rules; its live tail (healthy after
now) is scraped, so the alert fires and later resolves. Alertmanager routes the alerts to the
reports server's receiver, which investigates through the MCP servers and delivers to a local
webhook.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from opslens.alerts.files import rule_file_text, to_yaml
from opslens.alerts.rules import rule_file, rule_groups
from opslens.devstack.alertmanager import AlertmanagerBackend, Route
from opslens.devstack.asgi import serve
from opslens.devstack.process import free_port
from opslens.devstack.prometheus import PrometheusBackend
from opslens.reports.burnrate import RULES as BURN_RULES
from opslens.reports.settings import ReportSettings
from opslens.scenarios.live import SCRAPE_JOB, LiveMetrics, create_live_app
from opslens.scenarios.model import Scenario, load_scenario
from opslens.scenarios.seed import scenario_path, seed_scenario
from opslens.scenarios.truth import GroundTruth
from opslens.scenarios.writer import IndexLayout
from opslens_eval.alerts.receiver import TOKEN, Receiver, running_receiver
from opslens_eval.scoring import LabelledFault, scenario_faults
from opslens_eval.testbed import Seeded, serving

EVALUATION_INTERVAL = "5s"
"""The shipped rules, evaluated every 5 s instead of 30 s so the test waits less."""
NAMESPACE = "alert-e2e"


FAULT_LENGTH = timedelta(minutes=20)


def fault_until_now(
    name: str = "travel-error-burst",
    namespace: str = NAMESPACE,
    ended_ago: timedelta = timedelta(0),
) -> Scenario:
    """A shipped fault scenario in its own namespace, its faults starting twenty minutes
    before now and lasting until ``ended_ago`` before it, so an alert is due when Prometheus
    first evaluates."""
    spec = load_scenario(scenario_path(name))
    start = f"-{FAULT_LENGTH.total_seconds():g}s"
    duration = f"{(FAULT_LENGTH - ended_ago).total_seconds():g}s" if ended_ago else None
    faults = [
        fault.model_copy(update={"start": start, "duration": duration}) for fault in spec.faults
    ]
    return spec.model_copy(update={"namespace": namespace, "faults": faults})


def fast_burn_rules(max_for: str) -> str:
    """A rule file with only the shipped fast-burn alert (its shortest windows), pending at
    most ``max_for`` and evaluated every ``EVALUATION_INTERVAL``.

    Its short window empties minutes after a fault ends, so a test sees the alert fire and
    resolve without waiting for the rule's own ``for:``. The slower burn alerts share its
    Alertmanager group and their half-hour windows would keep the group firing."""
    fastest = BURN_RULES[0]
    groups = rule_groups(ReportSettings(), interval=EVALUATION_INTERVAL, max_for=max_for)
    rules = [
        rule
        for group in groups
        for rule in group["rules"]
        if rule["alert"] == "OpslensErrorBudgetBurn"
        and rule["labels"]["long_window"] == fastest.long
    ]
    return to_yaml(
        rule_file([{"name": "opslens-fast-burn", "interval": EVALUATION_INTERVAL, "rules": rules}])
    )


@dataclass
class AlertPath:
    truth: GroundTruth
    faults: list[LabelledFault]
    prometheus: PrometheusBackend
    alertmanager: AlertmanagerBackend
    receiver: Receiver
    store: Path

    def investigations(self) -> list[dict[str, Any]]:
        return list(self.receiver.get("?limit=500")["investigations"])

    def wait_for(self, predicate: Any, timeout: float, what: str) -> dict[str, Any]:
        """The first investigation ``predicate`` accepts, polling until ``timeout``."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for item in self.investigations():
                if predicate(item):
                    return item
            time.sleep(0.5)
        raise AssertionError(
            f"{what} within {timeout:.0f}s; investigations: {self.investigations()}"
        )


@contextmanager
def alert_path(
    workdir: Path,
    opensearch_url: str,
    kubeconfig: Path,
    readonly_kubeconfig: Path,
    spec: Scenario,
    *,
    now: datetime | None = None,
    rules: str | None = None,
) -> Iterator[AlertPath]:
    """Seed ``spec`` and run every part of the alert path until the block ends.

    ``now`` is the scenario's (default: the current minute); one in the future seeds a fault
    that has not started yet, which Prometheus' rules meet as the wall clock reaches it.
    ``rules`` is the rule file Prometheus evaluates (default: every shipped rule, evaluated
    every ``EVALUATION_INTERVAL``)."""
    alertmanager_port = free_port()
    prometheus = PrometheusBackend(
        workdir / "prometheus",
        free_port(),
        rules=rules or rule_file_text(interval=EVALUATION_INTERVAL),
        alertmanager=f"127.0.0.1:{alertmanager_port}",
    )
    with ExitStack() as stack:
        prometheus.start()
        stack.callback(prometheus.stop)
        prefix = f"{spec.namespace}-"
        seeded = seed_scenario(
            spec,
            now=now.isoformat() if now else None,
            opensearch_url=opensearch_url,
            kubeconfig=kubeconfig,
            metrics=prometheus,
            out_dir=workdir / "scenario",
            layout=IndexLayout(prefix=prefix),
        )
        truth = seeded.truth
        now_ms = int(truth.now.timestamp() * 1000)
        tail = LiveMetrics(spec, now_ms, started_ms=int(time.time() * 1000))
        tail_url = stack.enter_context(serve(create_live_app(tail)))
        prometheus.add_scrape_target(SCRAPE_JOB, tail_url.removeprefix("http://"))
        backends = stack.enter_context(
            serving(
                {spec.name: Seeded(spec.name, truth, prefix)},
                None,
                prometheus.url,
                opensearch_url,
                readonly_kubeconfig,
            )
        )
        store = workdir / "reports.sqlite"
        settings = backends.scenario_settings(spec.name, store, seasonal_days=0)
        receiver = stack.enter_context(running_receiver(settings))
        route = Route(
            url=f"{receiver.url}/v1/alerts", token=TOKEN, group_wait="1s", group_interval="5s"
        )
        alertmanager = AlertmanagerBackend(workdir / "alertmanager", alertmanager_port, route)
        alertmanager.start()
        stack.callback(alertmanager.stop)
        yield AlertPath(truth, scenario_faults(truth), prometheus, alertmanager, receiver, store)
