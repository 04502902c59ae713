"""Latency of the Prometheus server's tools, and what they add to Prometheus' own answer time.

Starts a real Prometheus (free port, temporary directory), backfills 30 minutes of a mid-size
mesh (60 services, 3 callers each: Istio requests and latency histograms, plus cAdvisor,
kube-state-metrics, node-exporter and OpenTelemetry series), and serves the Prometheus server
as it is deployed (``opslens serve prometheus``, its own process). Then, for each tool, it
alternates a call through ``/rpc`` with the same Prometheus API requests sent straight to
Prometheus (the PromQL each result says it ran, at the same time; concurrently when the tool
runs several), with the same HTTP client, and prints p50/p95 of both and what the tool adds.

Target: through ``/rpc``, ``query`` adds at most 50% to Prometheus' own p50.

Wall-clock figures need a quiet machine; the CPU columns (server process CPU per call, and
Prometheus CPU per API request) stay meaningful when other work shares the cores.

    .venv/bin/python bench/prometheus_tools.py [--calls 100]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from benchlib import cpu_seconds

from opslens.devstack.process import ManagedProcess, free_port
from opslens.devstack.prometheus import PrometheusBackend
from opslens_eval.prometheus.generate import NAMESPACE, Service, build_history
from opslens_eval.prometheus.history import STEP_S

REPO_ROOT = Path(__file__).resolve().parents[1]

QUERY_OVERHEAD_TARGET = 0.50
MESH_SERVICES = 60
CALLERS_PER_SERVICE = 3
SPAN_S = 1800
ApiRequest = tuple[str, str, dict[str, Any]]  # method, path, params


@dataclass
class Case:
    tool: str
    params: dict[str, Any]
    label: str = ""

    @property
    def name(self) -> str:
        return self.label or self.tool


@dataclass
class Measured:
    tool_ms: list[float]
    direct_ms: list[float]
    server_cpu_ms: float
    prometheus_cpu_ms: float

    @property
    def added(self) -> float:
        direct = statistics.median(self.direct_ms)
        return (statistics.median(self.tool_ms) - direct) / direct


def mesh() -> tuple[Service, ...]:
    """Istio traffic of the bench's mesh: one entry per (service, caller) pair."""
    return tuple(
        Service(
            name=f"svc-{index:02d}",
            namespace=NAMESPACE,
            caller=f"svc-{(index + offset + 1) % MESH_SERVICES:02d}",
            rps=1.0 + index % 5,
            median_ms=10.0 + (index % 7) * 15,
        )
        for index in range(MESH_SERVICES)
        for offset in range(CALLERS_PER_SERVICE)
    )


def cases(at: str, start: str) -> list[Case]:
    server_side = f'destination_service_namespace="{NAMESPACE}", reporter="destination"'
    rate = f"sum by (destination_service_name) (rate(istio_requests_total{{{server_side}}}[5m]))"
    p95 = (
        "histogram_quantile(0.95, sum by (destination_service_name, le) "
        f"(rate(istio_request_duration_milliseconds_bucket{{{server_side}}}[5m])))"
    )
    window = {"start": start, "end": at}
    return [
        Case("query", {"promql": rate, "at": at}, "query (rate)"),
        Case("query", {"promql": p95, "at": at}, "query (p95)"),
        Case("query_range", {"promql": rate, **window, "points": 120}),
        Case("red_summary", {"namespace": NAMESPACE, "window": "5m", "at": at}),
        Case("resource_usage", {"namespace": NAMESPACE, "window": "5m", "at": at}),
        Case(
            "compare_windows",
            {
                "metric": "istio_requests_total",
                "by": ["destination_service_name"],
                "window": "10m",
                "baseline_offset": "15m",
                "at": at,
            },
        ),
        Case("list_metrics", {"name_contains": "istio", **window}),
        Case("metric_metadata", {"metric": "prometheus_http_requests_total"}),
        Case("label_values", {"label": "pod", "labels": {"namespace": NAMESPACE}, **window}),
        Case("series", {"metric": "kube_pod_container_status_restarts_total", **window}),
        Case("targets", {}),
        Case("alerts", {}),
        Case("rules", {}),
    ]


def direct_requests(tool: str, result: dict[str, Any]) -> list[ApiRequest]:
    """The Prometheus API requests a tool's result says it made, to send them ourselves."""
    if tool == "query":
        return [("POST", "/api/v1/query", {"query": result["promql"], "time": _unix(result)})]
    if tool == "query_range":
        params = {
            "query": result["promql"],
            "start": datetime.fromisoformat(result["start"]).timestamp(),
            "end": datetime.fromisoformat(result["end"]).timestamp(),
            "step": result["step_seconds"],
        }
        return [("POST", "/api/v1/query_range", params)]
    if tool in ("red_summary", "resource_usage"):
        queries = list(result["queries"].values())
    elif tool == "compare_windows":
        queries = [result["promql_current"], result["promql_baseline"]]
    else:
        calls = result.get("requests") or [result["request"]]
        return [(call["method"], call["path"], call["params"]) for call in calls]
    return [("POST", "/api/v1/query", {"query": q, "time": _unix(result)}) for q in queries]


def _unix(result: dict[str, Any]) -> float:
    return datetime.fromisoformat(result["time"]).timestamp()


async def send(client: httpx.AsyncClient, request: ApiRequest) -> None:
    method, path, params = request
    if method == "POST":
        response = await client.post(path, data=params)
    else:
        response = await client.get(path, params=params)
    response.raise_for_status()
    response.json()


async def timed(action: Callable[[], Awaitable[None]]) -> float:
    started = time.perf_counter()
    await action()
    return (time.perf_counter() - started) * 1000


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20, method="inclusive")[-1]


async def measure(
    case: Case,
    rpc: httpx.AsyncClient,
    direct: httpx.AsyncClient,
    pids: tuple[int | None, int | None],
    calls: int,
) -> tuple[Measured, int]:
    body = {"jsonrpc": "2.0", "method": case.tool, "params": case.params, "id": 1}
    first = (await rpc.post("/rpc", json=body)).json()["result"]
    requests = direct_requests(case.tool, first)

    async def call_tool() -> None:
        answer = (await rpc.post("/rpc", json=body)).json()
        assert "result" in answer, answer

    async def call_direct() -> None:
        await asyncio.gather(*(send(direct, request) for request in requests))

    for _ in range(max(10, calls // 10)):  # warm both paths up
        await call_tool()
        await call_direct()
    server_pid, prometheus_pid = pids
    server_cpu, prometheus_cpu = cpu_seconds(server_pid), cpu_seconds(prometheus_pid)
    tool_ms: list[float] = []
    direct_ms: list[float] = []
    for index in range(calls):  # alternate, so changes in load hit both paths alike
        if index % 2:
            tool_ms.append(await timed(call_tool))
            direct_ms.append(await timed(call_direct))
        else:
            direct_ms.append(await timed(call_direct))
            tool_ms.append(await timed(call_tool))
    measured = Measured(
        tool_ms,
        direct_ms,
        server_cpu_ms=(cpu_seconds(server_pid) - server_cpu) * 1000 / calls,
        prometheus_cpu_ms=(cpu_seconds(prometheus_pid) - prometheus_cpu)
        * 1000
        / (2 * calls * len(requests)),
    )
    return measured, len(requests)


async def bench(
    server: str,
    prometheus: str,
    pids: tuple[int | None, int | None],
    cases_: list[Case],
    calls: int,
) -> float:
    """Print one line per case; return what ``query`` (the first case) adds."""
    print(
        f"{'tool':<16}{'rpc p50':>10}{'rpc p95':>10}{'direct p50':>12}{'direct p95':>12}"
        f"{'added':>8}{'server CPU':>12}{'prom CPU':>10}  requests"
    )
    added: list[float] = []
    async with (
        httpx.AsyncClient(base_url=server, timeout=60) as rpc,
        httpx.AsyncClient(base_url=prometheus, timeout=60) as direct,
    ):
        for case in cases_:
            m, requests = await measure(case, rpc, direct, pids, calls)
            added.append(m.added)
            print(
                f"{case.name:<16}{statistics.median(m.tool_ms):>8.2f}ms{p95(m.tool_ms):>8.2f}ms"
                f"{statistics.median(m.direct_ms):>10.2f}ms{p95(m.direct_ms):>10.2f}ms"
                f"{m.added:>+8.0%}{m.server_cpu_ms:>10.2f}ms{m.prometheus_cpu_ms:>8.2f}ms"
                f"  {requests}"
            )
    return added[0]


def user_stack_p50(prometheus: str, promql: str, at: str, calls: int) -> float:
    """The same instant query through prometheus-api-client (the user's Python stack)."""
    from prometheus_api_client import PrometheusConnect

    connection = PrometheusConnect(url=prometheus, disable_ssl=True)
    params = {"time": datetime.fromisoformat(at).timestamp()}
    samples = []
    for _ in range(calls):
        started = time.perf_counter()
        connection.custom_query(promql, params=params)
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def start_mesh(stack: ExitStack, workdir: Path) -> tuple[PrometheusBackend, int, Any]:
    """A real Prometheus with the mesh's history backfilled, stopped when ``stack`` closes;
    the backend, the history's end (epoch seconds) and the history."""
    backend = PrometheusBackend(workdir / "prometheus", free_port())
    end = (int(time.time()) - 600) // STEP_S * STEP_S
    history, _ = build_history(end, services=mesh(), span_s=SPAN_S)
    history.write_openmetrics(workdir / "history.om")
    backend.backfill(workdir / "history.om")
    backend.start()
    stack.callback(backend.stop)
    return backend, end, history


def run(workdir: Path, calls: int, tools: set[str] | None) -> float:
    backend = PrometheusBackend(workdir / "prometheus", free_port())
    end = (int(time.time()) - 600) // STEP_S * STEP_S
    history, _ = build_history(end, services=mesh(), span_s=SPAN_S)
    history.write_openmetrics(workdir / "history.om")
    series = sum(len(by_labels) for by_labels in history.samples.values())
    port = free_port()
    server = ManagedProcess(
        "opslens-prometheus",
        [sys.executable, "-m", "opslens.cli", "serve", "prometheus", "--port", str(port)],
        workdir / "server.log",
        env={"OPSLENS_PROMETHEUS_URL": backend.url},
        cwd=REPO_ROOT,
    )
    server_url = f"http://127.0.0.1:{port}"
    try:
        backend.backfill(workdir / "history.om")
        backend.start()
        server.start()
        server.wait_ready(lambda: httpx.get(f"{server_url}/readyz").status_code == 200, 60)
        at = datetime.fromtimestamp(end, UTC).isoformat()
        start = datetime.fromtimestamp(end - SPAN_S, UTC).isoformat()
        print(
            f"{series} series backfilled; {calls} timed calls per tool and path; "
            f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs"
        )
        chosen = [case for case in cases(at, start) if tools is None or case.tool in tools]
        added = asyncio.run(
            bench(server_url, backend.url, (server.pid, backend.pid), chosen, calls)
        )
        stack = user_stack_p50(backend.url, chosen[0].params["promql"], at, calls)
        print(f"query (rate) through prometheus-api-client (sync requests): p50 {stack:.2f}ms")
        return added
    finally:
        server.stop()
        backend.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=100, help="Timed calls per tool and path.")
    parser.add_argument(
        "--tools", help="Comma-separated tools to time (default: all; query always comes first)."
    )
    args = parser.parse_args()
    tools = {"query", *args.tools.split(",")} if args.tools else None
    # A SIGTERM (e.g. from `timeout`) unwinds like Ctrl-C, so Prometheus and the server stop.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    with tempfile.TemporaryDirectory(prefix="opslens-bench-prometheus-") as workdir:
        added = run(Path(workdir), args.calls, tools)
    verdict = "PASS" if added <= QUERY_OVERHEAD_TARGET else "FAIL"
    print(
        f"query adds {added:+.0%} to Prometheus' own p50 "
        f"(target at most +{QUERY_OVERHEAD_TARGET:.0%}): {verdict}"
    )
    return 0 if verdict == "PASS" else 1


if __name__ == "__main__":
    sys.exit(main())
