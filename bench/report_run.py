"""How long one report takes over 6 hours of the default demo (target: under 10 seconds).

Starts Prometheus, OpenSearch and kube-apiserver (free ports, a temporary directory), seeds the
default demo scenario as shipped (``scenarios/checkout-incident.yaml``: 6 hours ending at the
current minute), serves the three MCP servers as deployed (``opslens serve <server>``, each in
its own process), then runs the report pipeline in this process, as the reports service does,
over the 6 hours, ``--runs`` times. Prints each run's duration and tool calls, the incidents,
and whether each injected fault came out as an incident with its root cause first.

With ``--prometheus-url``, ``--opensearch-url``, ``--kubernetes-url``, ``--namespace`` and
``--end`` it times running servers instead (nothing is started or seeded).

    .venv/bin/python bench/report_run.py [--runs 3]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from contextlib import ExitStack
from datetime import datetime
from pathlib import Path

import benchlib

from opslens.devstack.kubeapi import KubeApiBackend, ensure_kube_binaries
from opslens.devstack.opensearch import OpenSearchBackend, ensure_opensearch_launcher
from opslens.devstack.process import free_port, progress
from opslens.devstack.prometheus import PrometheusBackend
from opslens.reports.models import Report
from opslens.reports.pipeline import ReportClients, RunRequest, run_report
from opslens.reports.settings import ReportSettings
from opslens.scenarios.seed import scenario_path, seed_scenario
from opslens.scenarios.truth import GroundTruth
from opslens_eval.scoring import root_cause_rank, scenario_faults

REPO_ROOT = Path(__file__).resolve().parents[1]
TARGET_S = 10.0
WINDOW = "6h"


def serve(stack: ExitStack, workdir: Path, server: str, env: dict[str, str]) -> str:
    """``opslens serve <server>`` in its own process; its URL once it is ready."""
    return benchlib.serve(stack, workdir, server, env).url


def start_demo(stack: ExitStack, workdir: Path) -> tuple[ReportSettings, GroundTruth]:
    """Backends, the default demo in them, the MCP servers in front: the settings to use."""
    ensure_opensearch_launcher(progress)
    ensure_kube_binaries()
    prometheus = PrometheusBackend(workdir / "prometheus", free_port())
    opensearch = OpenSearchBackend(workdir / "opensearch", free_port())
    kube = KubeApiBackend(workdir / "kube", free_port())
    for backend in (prometheus, opensearch, kube):
        backend.start()
        stack.callback(backend.stop)
    started = time.perf_counter()
    seeded = seed_scenario(
        scenario_path(),
        opensearch_url=opensearch.url,
        kubeconfig=kube.kubeconfig_path,
        metrics=prometheus,
        out_dir=workdir / "demo",
    )
    truth = seeded.truth
    print(
        f"seeded {truth.scenario}: {sum(truth.documents.values())} documents in "
        f"{time.perf_counter() - started:.0f}s"
    )
    settings = ReportSettings(
        prometheus_url=serve(
            stack, workdir, "prometheus", {"OPSLENS_PROMETHEUS_URL": prometheus.url}
        ),
        # The answer cache off: every run reaches OpenSearch, as a scheduled run an hour later does.
        opensearch_url=serve(
            stack,
            workdir,
            "opensearch",
            {"OPSLENS_OPENSEARCH_URL": opensearch.url, "OPSLENS_OPENSEARCH_CACHE_TTL_S": "0"},
        ),
        kubernetes_url=serve(
            stack,
            workdir,
            "kubernetes",
            {"OPSLENS_KUBE_KUBECONFIG": str(kube.readonly_kubeconfig_path)},
        ),
        namespaces=[truth.namespace],
        store_path=str(workdir / "reports.sqlite"),
    )
    return settings, truth


def describe(report: Report, truth: GroundTruth | None) -> None:
    calls = ", ".join(f"{name} {status.calls}" for name, status in sorted(report.signals.items()))
    print(f"  tool calls: {calls}")
    for incident in report.incidents:
        ranked = [c.service for c in incident.candidates[:3]]
        print(f"  incident {incident.start:%H:%M}-{incident.end:%H:%M}: {ranked}")
    for fault in scenario_faults(truth) if truth else []:
        rank = root_cause_rank(report, fault)
        print(f"  {fault.name}: {fault.root_cause} ranked {rank}")


async def timed_runs(
    settings: ReportSettings, end: datetime, runs: int
) -> list[tuple[float, Report]]:
    results = []
    async with ReportClients.from_settings(settings) as clients:
        for _ in range(runs):
            started = time.perf_counter()
            report = await run_report(settings, clients, RunRequest(window=WINDOW, end=end))
            results.append((time.perf_counter() - started, report))
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="Timed report runs.")
    for name in ("prometheus", "opensearch", "kubernetes"):
        parser.add_argument(f"--{name}-url", help=f"A running {name} MCP server.")
    parser.add_argument("--namespace", help="Namespace of the running demo.")
    parser.add_argument("--end", help="End of the demo's 6 hours (ISO-8601).")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="opslens-bench-reports-") as temp, ExitStack() as stack:
        truth: GroundTruth | None = None
        if args.prometheus_url:
            settings = ReportSettings(
                prometheus_url=args.prometheus_url,
                opensearch_url=args.opensearch_url,
                kubernetes_url=args.kubernetes_url,
                namespaces=[args.namespace],
                store_path=str(Path(temp) / "reports.sqlite"),
            )
            end = datetime.fromisoformat(args.end.replace("Z", "+00:00"))
        else:
            settings, truth = start_demo(stack, Path(temp))
            end = truth.now
        results = asyncio.run(timed_runs(settings, end, args.runs))
        load = os.getloadavg()[0]
        for number, (seconds, report) in enumerate(results, start=1):
            print(f"run {number}: {seconds:.2f}s, {len(report.incidents)} incident(s)")
        describe(results[-1][1], truth)
        median = statistics.median(seconds for seconds, _ in results)
        verdict = "under" if median < TARGET_S else "OVER"
        print(
            f"report over {WINDOW} of the default demo: median {median:.2f}s ({verdict} the "
            f"{TARGET_S:.0f}s target), load average {load:.1f} on {os.cpu_count()} cores"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
