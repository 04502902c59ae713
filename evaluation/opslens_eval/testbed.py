"""Shipped scenarios and the Nezha data in real backends, and the MCP servers reading them:
plain functions shared by the test fixtures and ``bench/rca_accuracy.py``.

Each scenario goes into its own namespace (``rep-<namespace>``) and its own indices (prefix
``rep-<namespace>-``): the trace tools do not filter by namespace, and other tests may seed the
same scenarios into the default ones.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import shutil
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path

from opslens.devstack.asgi import serve
from opslens.reports.settings import ReportSettings
from opslens.scenarios.loaders.prometheus import MetricsSink
from opslens.scenarios.model import Sampling, load_scenario
from opslens.scenarios.seed import SCENARIOS_DIR, seed_scenario
from opslens.scenarios.truth import GroundTruth
from opslens.scenarios.writer import IndexLayout
from opslens_eval.nezha.importer import NezhaImport, load_files, write_files
from opslens_eval.seasonal import SeasonalHistory
from opslens_mcp.core.app import create_app
from opslens_mcp.core.service import ServiceDefinition
from opslens_mcp.core.settings import ServerSettings
from opslens_mcp.kubernetes.server import create_service as kubernetes_service
from opslens_mcp.kubernetes.settings import KubernetesSettings
from opslens_mcp.opensearch.profiles import Profiles
from opslens_mcp.opensearch.server import create_service as opensearch_service
from opslens_mcp.opensearch.settings import OpenSearchSettings
from opslens_mcp.prometheus.server import create_service as prometheus_service
from opslens_mcp.prometheus.settings import PrometheusSettings

NEZHA_NAMESPACE = "rep-trainticket"
NEZHA_PREFIX = "rep-nezha-"
NOLOGS_NAMESPACE = "rep-nologs"
NOLOGS_PREFIX = "rep-nologs-"
"""The same faults with their log files emptied or removed (traces and metrics only)."""
SERVER_SETTINGS = ServerSettings(call_timeout_s=120)


@dataclass(frozen=True)
class Seeded:
    """One seeded scenario: its ground truth and the index prefix its data went to."""

    name: str
    truth: GroundTruth
    prefix: str


@dataclass(frozen=True)
class ReportBackends:
    """The seeded data and the servers reading it."""

    scenarios: dict[str, Seeded]
    nezha: NezhaImport | None
    prometheus_url: str
    kubernetes_url: str
    opensearch_urls: dict[str, str]
    """Per index prefix: an OpenSearch server reading those indices."""
    seasonal: SeasonalHistory | None = None
    nezha_without_logs: NezhaImport | None = None

    def settings(self, prefix: str, namespace: str, store: Path, **more: object) -> ReportSettings:
        values: dict[str, object] = {
            "prometheus_url": self.prometheus_url,
            "opensearch_url": self.opensearch_urls[prefix],
            "kubernetes_url": self.kubernetes_url,
            "namespaces": [namespace],
            "store_path": str(store),
            "tool_timeout_s": 120.0,
            "schedules": [],
        }
        values.update(more)
        return ReportSettings.model_validate(values)

    def scenario_settings(self, name: str, store: Path, **more: object) -> ReportSettings:
        seeded = self.scenarios[name]
        return self.settings(seeded.prefix, seeded.truth.namespace, store, **more)


def profiles(prefix: str) -> Profiles:
    """OpenSearch server profiles reading the indices written with ``prefix``."""
    return Profiles.model_validate(
        {
            "container_logs": {"index": f"{prefix}logs-*"},
            "otel_logs": {"index": f"{prefix}otel-logs-*"},
            "traces": {"index": f"{prefix}otel-v1-apm-span-*"},
            "service_map": {"index": f"{prefix}otel-v1-apm-service-map"},
        }
    )


def seed_all(
    opensearch_url: str,
    kubeconfig: Path,
    metrics: MetricsSink,
    workdir: Path,
    sampling: Sampling | None = None,
) -> dict[str, Seeded]:
    """Every shipped scenario, ending at the current minute (``sampling`` replaces theirs)."""
    seeded = {}
    for path in sorted(SCENARIOS_DIR.glob("*.yaml")):
        spec = load_scenario(path)
        namespace = f"rep-{spec.namespace}"
        update: dict[str, object] = {"namespace": namespace}
        if sampling is not None:
            update["sampling"] = sampling
        spec = spec.model_copy(update=update)
        report = seed_scenario(
            spec,
            opensearch_url=opensearch_url,
            kubeconfig=kubeconfig,
            metrics=metrics,
            out_dir=workdir / spec.name,
            layout=IndexLayout(prefix=f"{namespace}-"),
        )
        seeded[spec.name] = Seeded(spec.name, report.truth, f"{namespace}-")
    return seeded


def import_nezha_documents(
    root: Path,
    opensearch_url: str,
    workdir: Path,
    prefix: str = NEZHA_PREFIX,
    namespace: str = NEZHA_NAMESPACE,
) -> NezhaImport:
    """Nezha's logs and traces into OpenSearch; its metrics stay in ``workdir/metrics.om``."""
    layout = IndexLayout(prefix=prefix)
    imported = write_files(root, workdir, layout, namespace)
    asyncio.run(load_files(opensearch_url, layout, workdir, namespace))
    return imported


def without_logs(source: Path, target: Path) -> Path:
    """A copy of Nezha-format data whose log files are empty (one) or missing (the others)."""
    shutil.copytree(source, target)
    logs = sorted(target.glob("*/*/log/*_log.csv"))
    logs[0].write_text("", encoding="utf-8")
    for path in logs[1:]:
        path.unlink()
    return target


@contextmanager
def serving(
    scenarios: dict[str, Seeded],
    nezha: NezhaImport | None,
    prometheus: str,
    opensearch: str,
    readonly_kubeconfig: Path,
    seasonal: SeasonalHistory | None = None,
    nezha_without_logs: NezhaImport | None = None,
) -> Iterator[ReportBackends]:
    """The three MCP servers over real HTTP (one OpenSearch server per index prefix)."""
    prefixes = [s.prefix for s in scenarios.values()] + ([NEZHA_PREFIX] if nezha else [])
    prefixes += [NOLOGS_PREFIX] if nezha_without_logs else []
    with ExitStack() as stack:

        def app_url(service: ServiceDefinition) -> str:
            return stack.enter_context(serve(create_app(service, SERVER_SETTINGS)))

        prometheus_url = app_url(prometheus_service(PrometheusSettings(url=prometheus)))
        kubernetes_url = app_url(
            kubernetes_service(KubernetesSettings(kubeconfig=str(readonly_kubeconfig)))
        )
        opensearch_urls = {
            prefix: app_url(
                opensearch_service(OpenSearchSettings(url=opensearch, profiles=profiles(prefix)))
            )
            for prefix in prefixes
        }
        yield ReportBackends(
            scenarios,
            nezha,
            prometheus_url,
            kubernetes_url,
            opensearch_urls,
            seasonal,
            nezha_without_logs,
        )


SERVERS_START_S = 120.0


@contextmanager
def serving_apart(
    scenarios: dict[str, Seeded],
    nezha: NezhaImport | None,
    prometheus: str,
    opensearch: str,
    readonly_kubeconfig: Path,
) -> Iterator[tuple[ReportBackends, int]]:
    """:func:`serving` in a process of its own, as the servers are deployed (a process each,
    not threads of the reports' interpreter): the backends and the servers' process id."""
    context = multiprocessing.get_context("spawn")
    ours, theirs = context.Pipe()
    args = (theirs, scenarios, nezha, prometheus, opensearch, readonly_kubeconfig)
    process = context.Process(target=_serve_until_told, args=args, daemon=True)
    process.start()
    try:
        if not ours.poll(SERVERS_START_S):
            raise RuntimeError(f"the MCP servers did not start in {SERVERS_START_S:.0f}s")
        backends: ReportBackends = ours.recv()
        assert process.pid is not None, "started above"
        yield backends, process.pid
    finally:
        ours.send("stop")
        process.join(timeout=15)
        if process.is_alive():
            process.terminate()


def _serve_until_told(
    conn: Connection,
    scenarios: dict[str, Seeded],
    nezha: NezhaImport | None,
    prometheus: str,
    opensearch: str,
    readonly_kubeconfig: Path,
) -> None:
    with serving(scenarios, nezha, prometheus, opensearch, readonly_kubeconfig) as backends:
        conn.send(backends)
        conn.recv()
