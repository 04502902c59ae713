"""Root-cause accuracy of the reports (AC@1, AC@3, Avg@5) on every shipped scenario and on the
real Nezha TrainTicket faults.

Starts Prometheus, OpenSearch and kube-apiserver (free ports, a temporary directory), seeds
every scenario of ``scenarios/`` (each in its own namespace and indices, ending at the current
minute), imports ``../shared/data/nezha-trainticket-all`` (all 45 labelled faults; ``--nezha``
picks another folder in the same format) through the same backends, and serves the three MCP
servers. Then:

* scenarios: one report over each scenario's whole history; each injected fault's root-cause
  service (the scenario's ground truth) is looked up in the incident overlapping the fault;
* Nezha: one report per labelled fault, over the three minutes after the injection (against
  the two hours before and the fault-free reference minute), its window known to hold a fault
  as in Nezha's own evaluation and an alert's investigation (``--scheduled``: as a scheduled
  report, where only a detector's alarm or a finding convincing twice makes an incident).

Published anchors for comparable methods are around 0.8 Avg@5 (BARO on RCAEval). Also prints
how many incidents the healthy scenarios raised (false alarms), and the seconds and CPU per
fault: the MCP servers run in a process of their own, as deployed; the faults in sequence
reuse what they read of the slices they share, as consecutive reports do (``--cold``: each
fault reads everything, as the first report over a server would).

    .venv/bin/python bench/rca_accuracy.py [--test-sampling] [--scheduled] [--cold]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from collections.abc import Sequence
from contextlib import ExitStack
from pathlib import Path

from benchlib import cpu_seconds

from opslens.devstack.kubeapi import KubeApiBackend, ensure_kube_binaries
from opslens.devstack.opensearch import OpenSearchBackend, ensure_opensearch_launcher
from opslens.devstack.process import free_port, progress
from opslens.devstack.prometheus import PrometheusBackend
from opslens.reports.pipeline import ReportClients, RunRequest, run_report
from opslens.scenarios.loaders.prometheus import PromtoolBackfill
from opslens.scenarios.model import Sampling
from opslens_eval.nezha.evaluate import evaluate_cases
from opslens_eval.nezha.labels import InnerLabels, inner_at, inner_labels
from opslens_eval.scoring import (
    accuracy_at,
    average_at,
    root_cause_rank,
    scenario_faults,
)
from opslens_eval.testbed import (
    NEZHA_NAMESPACE,
    NEZHA_PREFIX,
    ReportBackends,
    import_nezha_documents,
    seed_all,
    serving,
    serving_apart,
)

REPO_ROOT = Path(__file__).resolve().parents[1]

SHARED_DATA = Path(os.environ.get("OPSLENS_SHARED_DATA", REPO_ROOT.parent / "shared" / "data"))
TEST_SAMPLING = Sampling(traces=0.01, info_logs=0.3)


def line(label: str, ranks: Sequence[int | None]) -> str:
    return (
        f"{label:<22} faults {len(ranks):>3}   AC@1 {accuracy_at(ranks, 1):.2f}   "
        f"AC@3 {accuracy_at(ranks, 3):.2f}   Avg@5 {average_at(ranks, 5):.2f}"
    )


async def measure(
    backends: ReportBackends,
    store: Path,
    labels: InnerLabels,
    known_problem: bool,
    servers_pid: int | None,
    cold: bool,
) -> None:
    scenario_ranks: list[int | None] = []
    false_alarms = 0
    for name, seeded in sorted(backends.scenarios.items()):
        settings = backends.scenario_settings(name, store)
        truth = seeded.truth
        async with ReportClients.from_settings(settings) as clients:
            started = time.perf_counter()
            report = await run_report(
                settings, clients, RunRequest(window=f"{truth.minutes}m", end=truth.now)
            )
        seconds = time.perf_counter() - started
        faults = scenario_faults(truth)
        if not faults:
            false_alarms += len(report.incidents)
            print(f"{name}: healthy, {len(report.incidents)} incident(s) ({seconds:.1f}s)")
        for fault in faults:
            rank = root_cause_rank(report, fault)
            scenario_ranks.append(rank)
            print(f"{fault.name}: {fault.root_cause} ranked {rank} ({seconds:.1f}s)")
    settings = backends.settings(NEZHA_PREFIX, NEZHA_NAMESPACE, store)
    assert backends.nezha is not None, "the Nezha data was imported above"
    cpu_before = time.process_time()  # the reports (and the servers when in this process)
    servers_before = cpu_seconds(servers_pid) if servers_pid else 0.0
    async with ReportClients.from_settings(settings) as clients:
        results = await evaluate_cases(
            settings, clients, backends.nezha, labels, known_problem, cold
        )
    cpu = (time.process_time() - cpu_before) / max(len(results), 1)
    servers = (cpu_seconds(servers_pid) - servers_before if servers_pid else 0.0) / max(
        len(results), 1
    )
    for result in results:
        top = ", ".join(c.service for c in result.candidates[:3])
        print(f"nezha {result.fault.name}: ranked {result.rank} ({result.seconds:.1f}s; {top})")
    nezha_ranks = [result.rank for result in results]
    print()
    print(line("shipped scenarios", scenario_ranks))
    print(line("Nezha TrainTicket", nezha_ranks))
    print(f"{'':<22} inner top-1 {inner_at(results, 1):.2f}   top-3 {inner_at(results, 3):.2f}")
    for fault_type in sorted({r.fault.name.rsplit(" ", 1)[-1] for r in results}):
        typed = [r for r in results if r.fault.name.endswith(f" {fault_type}")]
        print(
            line(f"  {fault_type}", [r.rank for r in typed])
            + f"   inner top-1 {inner_at(typed, 1):.2f}   top-3 {inner_at(typed, 3):.2f}"
        )
    took = sorted(r.seconds for r in results)
    p90 = took[round(0.9 * (len(took) - 1))]
    print(
        f"seconds per fault: median {took[len(took) // 2]:.1f}, p90 {p90:.1f}, "
        f"slowest {took[-1]:.1f}; CPU per fault: this process {cpu:.1f}, "
        f"the servers' process {servers:.1f} (load average {os.getloadavg()[0]:.1f})"
    )
    print(line("all", scenario_ranks + nezha_ranks))
    print(f"false alarms on the healthy scenarios: {false_alarms} incident(s)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--nezha",
        type=Path,
        default=SHARED_DATA / "nezha-trainticket-all",
        help="Nezha-format fault data to import (default: all 45 TrainTicket faults).",
    )
    parser.add_argument(
        "--nezha-only",
        action="store_true",
        help="Skip the shipped scenarios (measure the Nezha faults alone, faster).",
    )
    parser.add_argument(
        "--scheduled",
        action="store_true",
        help="Report each Nezha fault as a scheduled report would (an incident only where a "
        "detector alarms or a finding convinces twice); default: its window is known to hold a "
        "fault, as in Nezha's evaluation and an alert's investigation.",
    )
    parser.add_argument(
        "--cold",
        action="store_true",
        help="Each Nezha fault reads all its periods, as the first report over a server would "
        "(default: consecutive reports reuse what they read of the slices they share).",
    )
    parser.add_argument(
        "--servers-in-process",
        action="store_true",
        help="Serve the MCP servers from threads of this process, sharing its interpreter with "
        "the reports (default: a process of their own, as they are deployed).",
    )
    parser.add_argument(
        "--test-sampling",
        action="store_true",
        help="Seed with the tests' lower trace and INFO-log sampling (faster to load).",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="opslens-bench-rca-") as temp, ExitStack() as stack:
        workdir = Path(temp)
        ensure_opensearch_launcher(progress)
        ensure_kube_binaries()
        prometheus = PrometheusBackend(workdir / "prometheus", free_port())
        opensearch = OpenSearchBackend(workdir / "opensearch", free_port())
        kube = KubeApiBackend(workdir / "kube", free_port())
        for backend in (prometheus, opensearch, kube):
            backend.start()
            stack.callback(backend.stop)
        started = time.perf_counter()
        scenarios = (
            {}
            if args.nezha_only
            else seed_all(
                opensearch.url,
                kube.kubeconfig_path,
                PromtoolBackfill(prometheus.tsdb_dir),
                workdir / "scenarios",
                TEST_SAMPLING if args.test_sampling else None,
            )
        )
        nezha = import_nezha_documents(args.nezha, opensearch.url, workdir / "nezha")
        prometheus.backfill(workdir / "nezha" / "metrics.om")
        print(
            f"seeded {len(scenarios)} scenarios and {len(nezha.cases)} Nezha faults in "
            f"{time.perf_counter() - started:.0f}s"
        )
        served = (scenarios, nezha, prometheus.url, opensearch.url, kube.readonly_kubeconfig_path)
        if args.servers_in_process:
            backends, servers_pid = stack.enter_context(serving(*served)), None
        else:
            backends, servers_pid = stack.enter_context(serving_apart(*served))
        labels = inner_labels(args.nezha)
        store = workdir / "reports.sqlite"
        asyncio.run(measure(backends, store, labels, not args.scheduled, servers_pid, args.cold))
    return 0


if __name__ == "__main__":
    sys.exit(main())
