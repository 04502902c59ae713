"""Latency of every OpenSearch tool on the default demo data (p50/p95 through ``/rpc``).

Starts a real OpenSearch (free port, temporary directory), seeds the default demo scenario
(``scenarios/checkout-incident.yaml``, 6 hours ending at the current minute) into it, and serves
the OpenSearch server as it is deployed (``opslens serve opensearch`` in its own process), once
with the answer cache off (every call reaches OpenSearch: the numbers that matter) and once
with it on (repeated identical calls: what a cache hit costs). Parameters come from the
scenario's ground truth (its services, failed trace ids and ``now``).

    .venv/bin/python bench/opensearch_tools.py [--calls 30]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

REPO_ROOT = Path(__file__).resolve().parents[1]

from opslens.devstack.opensearch import OpenSearchBackend  # noqa: E402
from opslens.devstack.process import ManagedProcess, free_port  # noqa: E402
from opslens.scenarios.seed import scenario_path, seed_scenario  # noqa: E402
from opslens.scenarios.truth import GroundTruth  # noqa: E402

WARMUP_CALLS = 3


@dataclass
class Case:
    tool: str
    params: dict[str, Any]
    label: str = ""

    @property
    def name(self) -> str:
        return self.label or self.tool


def cases(truth: GroundTruth) -> list[Case]:
    """One call per tool, shaped like the demo's questions, pinned to the scenario's ``now``."""
    now = {"now": truth.now.isoformat()}
    failed = truth.failed_trace_ids()
    return [
        Case(
            "search_logs", {"service": "order-service", "level": "error", "start": "now-3h", **now}
        ),
        Case(
            "count_logs", {"service": "payment-service", "level": "error", "start": "now-6h", **now}
        ),
        Case("log_histogram", {"level": "error", "split_by": "service", "start": "now-6h", **now}),
        Case("top_values", {"field": "service", "level": "error", "start": "now-6h", **now}),
        Case("log_patterns", {"service": "payment-service", "start": "now-1h", **now}),
        Case(
            "search_traces",
            {"service": "product-service", "min_duration_ms": 500, "start": "now-6h", **now},
        ),
        Case("get_trace", {"trace_id": failed[0]}),
        Case("get_traces", {"trace_ids": failed[:100]}, "get_traces (100 ids)"),
        Case("get_traces", {"trace_ids": failed[:1000]}, f"get_traces ({len(failed[:1000])} ids)"),
        Case("service_map", {"start": "now-1h", **now}),
        Case("latency_stats", {"start": "now-1h", "baseline_start": "now-2h", **now}),
        Case("list_services", {"start": "now-6h", **now}),
        Case("describe_schema", {}),
    ]


def timed_calls(server: str, case: Case, calls: int) -> list[float]:
    """Milliseconds of ``calls`` sequential calls (after a warm-up)."""
    samples: list[float] = []
    with httpx.Client(base_url=server, timeout=60) as client:
        for number in range(WARMUP_CALLS + calls):
            request = {"jsonrpc": "2.0", "id": number, "method": case.tool, "params": case.params}
            started = time.perf_counter()
            answer = client.post("/rpc", json=request).json()
            elapsed = (time.perf_counter() - started) * 1000
            if "error" in answer:
                raise RuntimeError(f"{case.name}: {answer['error']}")
            if number >= WARMUP_CALLS:
                samples.append(elapsed)
    return samples


def p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=20, method="inclusive")[-1]


def serve(
    workdir: Path, opensearch: str, name: str, cache_ttl_s: float
) -> tuple[ManagedProcess, str]:
    port = free_port()
    process = ManagedProcess(
        f"opslens-opensearch-{name}",
        [sys.executable, "-m", "opslens.cli", "serve", "opensearch", "--port", str(port)],
        workdir / f"server-{name}.log",
        env={
            "OPSLENS_OPENSEARCH_URL": opensearch,
            "OPSLENS_OPENSEARCH_CACHE_TTL_S": str(cache_ttl_s),
            "OPSLENS_LOG_LEVEL": "WARNING",
        },
        cwd=REPO_ROOT,
    )
    process.start()
    url = f"http://127.0.0.1:{port}"
    process.wait_ready(lambda: httpx.get(f"{url}/readyz", timeout=1).status_code == 200, 60)
    return process, url


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=30, help="Timed calls per tool.")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="opslens-bench-opensearch-") as temp:
        workdir = Path(temp)
        backend = OpenSearchBackend(workdir / "opensearch", free_port())
        backend.start()
        processes: list[ManagedProcess] = []
        try:
            started = time.perf_counter()
            report = seed_scenario(scenario_path(), opensearch_url=backend.url)
            documents = sum(report.truth.documents.values())
            print(
                f"seeded {report.truth.scenario}: {documents} documents in "
                f"{time.perf_counter() - started:.0f}s; {args.calls} calls per tool; "
                f"load average {os.getloadavg()[0]:.1f}"
            )
            cold, cold_url = serve(workdir, backend.url, "no-cache", 0)
            processes.append(cold)
            warm, warm_url = serve(workdir, backend.url, "cache", 300)
            processes.append(warm)
            print(f"{'tool':<28}{'p50 ms':>10}{'p95 ms':>10}{'cached p50':>12}")
            for case in cases(report.truth):
                samples = timed_calls(cold_url, case, args.calls)
                cached = timed_calls(warm_url, case, max(args.calls // 3, 5))
                print(
                    f"{case.name:<28}{statistics.median(samples):>10.1f}{p95(samples):>10.1f}"
                    f"{statistics.median(cached):>12.1f}"
                )
        finally:
            for process in processes:
                process.stop()
            backend.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
