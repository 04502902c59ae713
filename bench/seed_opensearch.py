"""Seeding speed: bulk-load throughput into a local OpenSearch, and the default demo end to end.

Starts its own OpenSearch, Prometheus and kube-apiserver (the devstack), then prints:

* generation time and peak memory for 2 h and 6 h of the demo's history (memory stays flat:
  files are streamed, not built in memory);
* bulk loading in docs/s (the generated demo files into fresh indices, once on a cold JVM and
  once warm);
* seconds to seed the default demo end to end (generate + OpenSearch + Prometheus backfill +
  Kubernetes objects, the loads overlapping).

Usage: ``.venv/bin/python bench/seed_opensearch.py [--scenario checkout-incident]``
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from benchlib import cpu_seconds

from opslens.devstack.kubeapi import KubeApiBackend, ensure_kube_binaries
from opslens.devstack.opensearch import OpenSearchBackend, ensure_opensearch_launcher
from opslens.devstack.process import free_port, progress
from opslens.devstack.prometheus import PrometheusBackend
from opslens.scenarios.loaders.opensearch import OpenSearchLoader
from opslens.scenarios.seed import scenario_path, seed_scenario
from opslens.scenarios.writer import OPENSEARCH_DIR, IndexLayout, bulk_file_index

_MEASURE_GENERATION = """
import json, resource, sys, time
from pathlib import Path
from opslens.scenarios.clock import resolve_now
from opslens.scenarios.model import load_scenario
from opslens.scenarios.seed import scenario_path
from opslens.scenarios.writer import generate
spec = load_scenario(scenario_path(sys.argv[1])).model_copy(update={"history": sys.argv[2]})
started = time.process_time()
truth = generate(spec, resolve_now(), Path(sys.argv[3]))
print(json.dumps({"cpu_s": time.process_time() - started,
                  "docs": sum(truth.documents.values()),
                  "max_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def measure_generation(name: str, history: str, out: Path) -> dict[str, float]:
    """Generate in a fresh process, so its peak memory is the generator's own."""
    result = subprocess.run(
        [sys.executable, "-c", _MEASURE_GENERATION, name, history, str(out)],
        capture_output=True,
        text=True,
        check=True,
    )
    measured: dict[str, float] = json.loads(result.stdout)
    return measured


async def bulk_load(url: str, files: list[Path], layout: IndexLayout) -> tuple[int, float]:
    loader = OpenSearchLoader(url)
    try:
        await loader.ensure_templates(layout)
        stats = await loader.load_files(files)
    finally:
        await loader.close()
    return stats.documents, stats.seconds


def bulk_files(out_dir: Path) -> list[Path]:
    return sorted((out_dir / OPENSEARCH_DIR).glob("*.ndjson"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scenario", default="checkout-incident")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="opslens-bench-seed-"))
    ensure_opensearch_launcher(progress)
    ensure_kube_binaries(progress)
    opensearch = OpenSearchBackend(work / "opensearch", free_port())
    prometheus = PrometheusBackend(work / "prometheus", free_port())
    kube = KubeApiBackend(work / "kube", free_port())
    try:
        opensearch.start()
        prometheus.start()
        kube.start()
        print(f"scenario {args.scenario}")
        for history in ("2h", "6h"):
            gen = measure_generation(args.scenario, history, work / f"gen-{history}")
            print(
                f"generate {history:>3}: {gen['docs']:>8,.0f} docs  {gen['cpu_s']:6.1f} s cpu"
                f"  peak memory {gen['max_rss_mib']:6.0f} MiB"
            )
        # A fresh JVM indexes at a fraction of its warm speed (the JIT compiles the indexing
        # path as it goes): load the same 6 h files into fresh indices three times; the last
        # run is the warm figure.
        files = bulk_files(work / "gen-6h")
        indices = ",".join(sorted({bulk_file_index(path) for path in files}))
        size = sum(f.stat().st_size for f in files) / 2**20
        for attempt in ("cold", "warming", "warm"):
            httpx.delete(
                f"{opensearch.url}/{indices}", params={"ignore_unavailable": "true"}, timeout=60
            ).raise_for_status()
            cpu_before = cpu_seconds(opensearch.pid)
            docs, seconds = asyncio.run(bulk_load(opensearch.url, files, IndexLayout()))
            opensearch_cpu = cpu_seconds(opensearch.pid) - cpu_before
            print(
                f"bulk load ({attempt}): {docs:,} docs ({size:,.0f} MiB) in {seconds:.1f} s = "
                f"{docs / seconds:,.0f} docs/s; OpenSearch {docs / opensearch_cpu:,.0f} docs "
                f"per CPU-second; load average {os.getloadavg()[0]:.1f}"
            )
        started = time.perf_counter()
        report = seed_scenario(
            scenario_path(args.scenario),
            opensearch_url=opensearch.url,
            kubeconfig=kube.kubeconfig_path,
            metrics=prometheus,
            out_dir=work / "seed",
        )
        total = time.perf_counter() - started
        parts = ", ".join(f"{k} {v:.1f}" for k, v in report.seconds.items())
        print(f"seed end to end: {total:.1f} s ({parts})")
    finally:
        for backend in (kube, prometheus, opensearch):
            backend.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
