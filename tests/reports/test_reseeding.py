"""Seeding a scenario again replaces its metrics: no seam where two histories overlap.

The demo's story: seed, let the live tail run a few minutes, stop, seed again with a later
``now``. Before, the second backfill laid six hours of the same series, with other counter
totals, over the first one and the scraped tail, and the anomaly check read the seam as an
incident (a container's CPU rate jumping 80-fold). Here the tail's minutes pass in seconds (its
clock moves a minute per scrape, and Prometheus keeps the samples' own timestamps), in a
Prometheus of its own so no other test's backfill makes those samples too old.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from opslens.devstack.asgi import serve
from opslens.devstack.kubeapi import KubeApiBackend
from opslens.devstack.opensearch import OpenSearchBackend
from opslens.devstack.process import free_port
from opslens.devstack.prometheus import PrometheusBackend
from opslens.reports.pipeline import ReportClients, RunRequest, run_report
from opslens.scenarios.clock import MINUTE_MS, iso_seconds, resolve_now
from opslens.scenarios.live import LiveMetrics, create_live_app
from opslens.scenarios.model import Scenario, load_scenario
from opslens.scenarios.seed import SeedReport, scenario_path, seed_scenario
from opslens.scenarios.writer import IndexLayout
from opslens_eval.testbed import ReportBackends, Seeded, serving
from tests.reports.conftest import TEST_SAMPLING

pytestmark = [pytest.mark.integration, pytest.mark.timeout(900)]

NAMESPACE = "reseed-shop"
LIVE_MINUTES = 8
JOB = "reseed-live"


def _spec() -> Scenario:
    spec = load_scenario(scenario_path("healthy-shop"))
    nodes = [f"{NAMESPACE}-node-{i}" for i in (1, 2, 3)]
    update = {"namespace": NAMESPACE, "nodes": nodes, "history": "2h", "sampling": TEST_SAMPLING}
    return spec.model_copy(update=update)


def _query(prometheus: PrometheusBackend, promql: str) -> list[dict[str, object]]:
    response = httpx.get(f"{prometheus.url}/api/v1/query", params={"query": promql}, timeout=30)
    response.raise_for_status()
    result: list[dict[str, object]] = response.json()["data"]["result"]
    return result


def _latest_sample_s(prometheus: PrometheusBackend) -> float:
    """The newest stored sample's own timestamp (older than a lookback, so read raw)."""
    selector = f'istio_requests_total{{destination_workload_namespace="{NAMESPACE}"}}[1h]'
    stamps = [float(t) for s in _query(prometheus, selector) for t, _ in s["values"]]  # type: ignore[attr-defined]
    return max(stamps, default=0.0)


def _run_tail(spec: Scenario, now_ms: int, prometheus: PrometheusBackend) -> None:
    """The live tail, its clock a minute further at each scrape, for ``LIVE_MINUTES``."""
    minutes = itertools.count(1)
    tail = LiveMetrics(spec, now_ms)

    def clock() -> float:
        return (now_ms + min(next(minutes), LIVE_MINUTES) * MINUTE_MS) / 1000

    with serve(create_live_app(tail, clock=clock)) as url:
        prometheus.add_scrape_target(JOB, url.removeprefix("http://"))
        try:
            deadline = time.monotonic() + 180
            while _latest_sample_s(prometheus) < (now_ms + LIVE_MINUTES * MINUTE_MS) / 1000:
                assert time.monotonic() < deadline, "the tail's minutes were not scraped"
                time.sleep(1)
        finally:
            prometheus.remove_scrape_target(JOB)


@pytest.fixture(scope="module")
def reseeded(
    opensearch_backend: OpenSearchBackend,
    kube_backend: KubeApiBackend,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[ReportBackends, SeedReport, PrometheusBackend]]:
    prometheus = PrometheusBackend(tmp_path_factory.mktemp("reseed-prometheus"), free_port())
    prometheus.start()
    spec, current = _spec(), resolve_now()

    def seed(now_ms: int) -> SeedReport:
        return seed_scenario(
            spec,
            now=iso_seconds(now_ms),
            opensearch_url=opensearch_backend.url,
            kubeconfig=kube_backend.kubeconfig_path,
            metrics=prometheus,
            out_dir=tmp_path_factory.mktemp("reseed"),
            layout=IndexLayout(prefix=f"{NAMESPACE}-"),
        )

    try:
        first_now = current - (LIVE_MINUTES + 4) * MINUTE_MS
        seed(first_now)
        _run_tail(spec, first_now, prometheus)
        second = seed(current - 2 * MINUTE_MS)  # later than every minute the tail served
        seeded = {"healthy-shop": Seeded("healthy-shop", second.truth, f"{NAMESPACE}-")}
        with serving(
            seeded,
            None,
            prometheus.url,
            opensearch_backend.url,
            kube_backend.readonly_kubeconfig_path,
        ) as backends:
            yield backends, second, prometheus
    finally:
        prometheus.stop()


def test_the_counters_of_the_second_history_never_reset(
    reseeded: tuple[ReportBackends, SeedReport, PrometheusBackend],
) -> None:
    _, second, prometheus = reseeded
    at = second.truth.now.timestamp()
    for selector in (
        f'container_cpu_usage_seconds_total{{namespace="{NAMESPACE}"}}',
        f'istio_requests_total{{destination_workload_namespace="{NAMESPACE}"}}',
        f'node_cpu_seconds_total{{instance=~"{NAMESPACE}-node-.+"}}',
    ):
        response = httpx.get(
            f"{prometheus.url}/api/v1/query",
            params={"query": f"sum(resets({selector}[2h]))", "time": at},
            timeout=30,
        )
        [result] = response.json()["data"]["result"]
        assert float(result["value"][1]) == 0, selector


async def test_the_anomaly_check_over_the_seam_finds_nothing(
    reseeded: tuple[ReportBackends, SeedReport, PrometheusBackend], tmp_path: Path
) -> None:
    backends, second, _ = reseeded
    settings = backends.scenario_settings("healthy-shop", tmp_path / "reports.sqlite")
    end = second.truth.now
    async with ReportClients.from_settings(settings) as clients:
        # The hour holds the first history's end, the tail's minutes and the second's end.
        report = await run_report(settings, clients, RunRequest(window="1h", end=end))
    found = [(a.kind, a.service, a.subject) for i in report.incidents for a in i.anomalies]
    assert not found
