"""The healthy scenarios raise nothing whatever the hour: traffic follows the time of day, so
a quiet night and a busy afternoon give the detectors different noise to resist.

Each scenario is seeded again ending at several hours before the test's start (under its own
namespace, index prefix and node names), and the whole-history report and the last three hourly
reports of each must hold no incident. Run at one hour only, the suite would test one level of
traffic; false alarms found this way were a partly filled rate window at the start of the
history and background errors over-weighted by trace sampling.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from opslens.devstack.kubeapi import KubeApiBackend
from opslens.devstack.opensearch import OpenSearchBackend
from opslens.devstack.process import free_port
from opslens.devstack.prometheus import PrometheusBackend
from opslens.reports.pipeline import ReportClients, RunRequest, run_report
from opslens.scenarios.loaders.prometheus import PromtoolBackfill
from opslens.scenarios.model import load_scenario
from opslens.scenarios.seed import scenario_path, seed_scenario
from opslens.scenarios.writer import IndexLayout
from opslens_eval.testbed import ReportBackends, Seeded, serving
from tests.reports.conftest import TEST_SAMPLING

pytestmark = [pytest.mark.integration, pytest.mark.timeout(1800)]

HEALTHY = ("healthy-shop", "travel-healthy")
HOURS_BEFORE = (3, 9, 15, 21)  # night, morning, afternoon and evening seen from any start
CASES = [f"{name}@-{hours}h" for hours in HOURS_BEFORE for name in HEALTHY]


@pytest.fixture(scope="module")
def shifted(
    opensearch_backend: OpenSearchBackend,
    kube_backend: KubeApiBackend,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[ReportBackends]:
    # A Prometheus of its own: eight histories of blocks stay out of the session's TSDB.
    prometheus = PrometheusBackend(tmp_path_factory.mktemp("tod-prometheus"), free_port())
    blocks = PromtoolBackfill(prometheus.tsdb_dir)
    start = datetime.now(UTC).replace(second=0, microsecond=0)
    seeded = {}
    for hours in HOURS_BEFORE:
        for name in HEALTHY:
            spec = load_scenario(scenario_path(name))
            namespace = f"tod{hours}-{spec.namespace}"
            spec = spec.model_copy(
                update={
                    "namespace": namespace,
                    "sampling": TEST_SAMPLING,
                    "nodes": [f"{namespace}-node-{i}" for i in (1, 2, 3)],
                }
            )
            report = seed_scenario(
                spec,
                now=(start - timedelta(hours=hours)).isoformat(),
                opensearch_url=opensearch_backend.url,
                kubeconfig=kube_backend.kubeconfig_path,
                metrics=blocks,
                out_dir=tmp_path_factory.mktemp(namespace),
                layout=IndexLayout(prefix=f"{namespace}-"),
            )
            seeded[f"{name}@-{hours}h"] = Seeded(name, report.truth, f"{namespace}-")
    prometheus.start()  # the blocks are read at start
    try:
        with serving(
            seeded,
            None,
            prometheus.url,
            opensearch_backend.url,
            kube_backend.readonly_kubeconfig_path,
        ) as backends:
            yield backends
    finally:
        prometheus.stop()


@pytest.mark.parametrize("case", CASES)
async def test_no_incident_at_any_hour(shifted: ReportBackends, case: str, tmp_path: Path) -> None:
    seeded = shifted.scenarios[case]
    history = load_scenario(scenario_path(seeded.name)).history
    settings = shifted.scenario_settings(case, tmp_path / "reports.sqlite")
    found = []
    async with ReportClients.from_settings(settings) as clients:
        for window, hours_before_end in ((history, 0), ("1h", 0), ("1h", 1), ("1h", 2)):
            end = seeded.truth.now - timedelta(hours=hours_before_end)
            report = await run_report(settings, clients, RunRequest(window=window, end=end))
            found += [
                (window, f"{a.start:%H:%M}", a.kind, a.service, a.subject)
                for incident in report.incidents
                for a in incident.anomalies
            ]
    assert not found, f"{case} ending {seeded.truth.now:%H:%M}: {found}"
