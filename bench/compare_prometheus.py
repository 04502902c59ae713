"""Side by side, in one run on the same data: our Prometheus server, the Prometheus HTTP API
directly, and prometheus-mcp-server 1.6.2 (pab1it0, from PyPI) on the same PromQL.

Starts a real Prometheus (free port, temporary folder) with the mesh ``prometheus_tools.py``
backfills (30 minutes of 60 services, 3 callers each), then serves, each in its own process:

* our Prometheus server as deployed (``opslens serve prometheus``), called two ways: plain
  JSON-RPC at ``/rpc`` (``query`` / ``query_range``), and MCP ``tools/call`` at ``/mcp``;
* prometheus-mcp-server 1.6.2 from its own venv (``bench/.venvs/prometheus-mcp``, made by
  ``bench/install_competitors.sh`` when missing) over Streamable HTTP (``/mcp``), pointed at the
  same Prometheus with ``PROMETHEUS_URL`` (``PROMETHEUS_MCP_SERVER_TRANSPORT=http``,
  ``PROMETHEUS_MCP_BIND_HOST``, ``PROMETHEUS_MCP_BIND_PORT``); tools ``execute_query`` and
  ``execute_range_query``.

Both MCP servers are called with the same client, the official MCP Python SDK (``mcp.Client``;
``--mcp-mode legacy`` is the 2025-11-25 initialize handshake, one session per client). The
direct path sends the exact Prometheus API requests our tool's answer says it made (same
PromQL, same time, same step) with one httpx client per client.

For each query (instant ``rate``, instant ``histogram_quantile`` p95, range ``rate``; our
tools' answer bounds, ``limit`` and ``max_points``, raised so that they return whole answers
like the others) it checks that every path returned the same series and values, then prints
p50/p95 of ``--calls`` sequential calls per path (taking turns), their ratio to Prometheus' own
p50, and the throughput of ``--clients`` concurrent clients (default 10) for ``--seconds`` per
path, with the CPU the serving process used per answer.

With ``--before DIR`` (a source tree of opslens, e.g. ``git archive`` of an older commit) that
version is served too, from the same venv, and measured as two more paths in the same run, the
calls taking turns with the others: a before/after on the same Prometheus at the same load.

    .venv/bin/python bench/compare_prometheus.py [--calls 100] [--clients 10] [--seconds 10]
        [--before DIR]
"""

from __future__ import annotations

import argparse
import asyncio
import math
import signal
import statistics
import sys
import tempfile
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, ExitStack, asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import httpx
from benchlib import (
    VENVS_DIR,
    Contender,
    Served,
    Throughput,
    competitor_version,
    machine,
    mcp_client,
    mcp_structured,
    percentile,
    sequential,
    serve,
    start_prometheus_mcp,
    throughput,
)
from prometheus_tools import SPAN_S, Case, cases, direct_requests, start_mesh

import opslens_mcp

CASES = ("query (rate)", "query (p95)", "query_range")
FULL_ANSWER = {"query": {"limit": 2000}, "query_range": {"limit": 2000, "max_points": 500_000}}
DIRECT = "Prometheus HTTP API (direct)"
OURS_RPC = "opslens /rpc (JSON-RPC)"
OURS_MCP = "opslens /mcp (MCP)"
THEIRS = "prometheus-mcp-server /mcp (MCP)"
BEFORE_RPC = "opslens before /rpc (JSON-RPC)"
BEFORE_MCP = "opslens before /mcp (MCP)"
Series = dict[frozenset[tuple[str, str]], list[tuple[float, float]]]
Caller = Callable[[Any], Awaitable[Any]]


@dataclass
class Query:
    """One query as each path asks it."""

    case: Case  # our tool and its params
    requests: list[tuple[str, str, dict[str, Any]]]  # the Prometheus API requests it made
    their_tool: str
    their_args: dict[str, Any]

    @property
    def name(self) -> str:
        return self.case.name


def their_call(tool: str, request: tuple[str, str, dict[str, Any]]) -> tuple[str, dict[str, Any]]:
    """The same request as prometheus-mcp-server's tool and arguments."""
    _, _, params = request
    if tool == "query":
        return "execute_query", {"query": params["query"], "time": str(params["time"])}
    return "execute_range_query", {
        "query": params["query"],
        "start": str(params["start"]),
        "end": str(params["end"]),
        "step": str(params["step"]),
    }


# ---- answers, normalized to compare them -----------------------------------------------------


def _labels(labels: dict[str, str]) -> frozenset[tuple[str, str]]:
    return frozenset((k, v) for k, v in labels.items() if k != "__name__")


def from_prometheus(data: dict[str, Any]) -> Series:
    """Prometheus' own ``data`` (also what prometheus-mcp-server returns)."""
    series: Series = {}
    for item in data["result"]:
        points = [item["value"]] if "value" in item else item["values"]
        series[_labels(item["metric"])] = [(float(t), float(v)) for t, v in points]
    return series


def from_ours(result: dict[str, Any]) -> Series:
    if result.get("summarized"):
        raise ValueError("our answer is summarized: raise max_points to compare it")
    return {
        _labels(item["labels"]): [
            (float(t), float(v)) for t, v in zip(item["timestamps"], item["values"], strict=True)
        ]
        for item in result["series"]
    }


def same(a: Series, b: Series) -> bool:
    if a.keys() != b.keys():
        return False
    for key, points in a.items():
        other = b[key]
        if len(points) != len(other):
            return False
        for (t1, v1), (t2, v2) in zip(points, other, strict=True):
            if t1 != t2 or not (
                (math.isnan(v1) and math.isnan(v2)) or math.isclose(v1, v2, rel_tol=1e-9)
            ):
                return False
    return True


# ---- the four paths --------------------------------------------------------------------------


def contenders(
    prometheus: str,
    prometheus_pid: int | None,
    ours: Served,
    theirs: Served,
    mode: str,
    before: Served | None = None,
) -> list[Contender]:
    @asynccontextmanager
    async def direct() -> AsyncIterator[Caller]:
        async with httpx.AsyncClient(base_url=prometheus, timeout=60) as http:

            async def one(request: tuple[str, str, dict[str, Any]]) -> dict[str, Any]:
                method, path, params = request
                if method == "POST":
                    response = await http.post(path, data=params)
                else:
                    response = await http.get(path, params=params)
                response.raise_for_status()
                data: dict[str, Any] = response.json()["data"]
                return data

            async def call(query: Query) -> Any:
                answers = await asyncio.gather(*(one(r) for r in query.requests))
                return answers[0]

            yield call

    def rpc_of(server: Served) -> Callable[[], AbstractAsyncContextManager[Caller]]:
        @asynccontextmanager
        async def ours_rpc() -> AsyncIterator[Caller]:
            async with httpx.AsyncClient(base_url=server.url, timeout=60) as http:

                async def call(query: Query) -> Any:
                    body = {"jsonrpc": "2.0", "id": 1, "method": query.case.tool}
                    response = await http.post("/rpc", json={**body, "params": query.case.params})
                    answer = response.json()
                    if "error" in answer:
                        raise RuntimeError(str(answer["error"]))
                    return answer["result"]

                yield call

        return ours_rpc

    def mcp_of(server: Served) -> Callable[[], AbstractAsyncContextManager[Caller]]:
        @asynccontextmanager
        async def ours_mcp() -> AsyncIterator[Caller]:
            async with mcp_client(f"{server.url}/mcp", mode) as client:

                async def call(query: Query) -> Any:
                    result = await client.call_tool(query.case.tool, query.case.params)
                    return mcp_structured(result)

                yield call

        return ours_mcp

    @asynccontextmanager
    async def theirs_mcp() -> AsyncIterator[Caller]:
        async with mcp_client(f"{theirs.url}/mcp", mode) as client:

            async def call(query: Query) -> Any:
                return mcp_structured(await client.call_tool(query.their_tool, query.their_args))

            yield call

    paths = [
        Contender(DIRECT, direct, prometheus_pid),
        Contender(OURS_RPC, rpc_of(ours), ours.pid),
        Contender(OURS_MCP, mcp_of(ours), ours.pid),
        Contender(THEIRS, theirs_mcp, theirs.pid),
    ]
    if before is not None:
        paths.insert(3, Contender(BEFORE_RPC, rpc_of(before), before.pid))
        paths.insert(4, Contender(BEFORE_MCP, mcp_of(before), before.pid))
    return paths


NORMALIZE = {
    DIRECT: from_prometheus,
    OURS_RPC: from_ours,
    OURS_MCP: from_ours,
    BEFORE_RPC: from_ours,
    BEFORE_MCP: from_ours,
    THEIRS: from_prometheus,
}


# ---- the run ---------------------------------------------------------------------------------


async def prepare(ours: Served, chosen: list[Case]) -> list[Query]:
    """Ask our server once per case: the requests its answer says it sent are what the other
    paths send."""
    queries = []
    async with httpx.AsyncClient(base_url=ours.url, timeout=60) as http:
        for case in chosen:
            body = {"jsonrpc": "2.0", "id": 1, "method": case.tool, "params": case.params}
            result = (await http.post("/rpc", json=body)).json()["result"]
            requests = direct_requests(case.tool, result)
            tool, args = their_call(case.tool, requests[0])
            queries.append(Query(case, requests, tool, args))
    return queries


async def protocol_versions(ours: Served, theirs: Served, mode: str) -> str:
    async with mcp_client(f"{ours.url}/mcp", mode) as a, mcp_client(f"{theirs.url}/mcp", mode) as b:
        return (
            f"MCP revision negotiated: opslens {a.protocol_version}, "
            f"prometheus-mcp-server {b.protocol_version}"
        )


def print_latency(query: Query, samples: dict[str, list[float]], answers: dict[str, Any]) -> None:
    reference = NORMALIZE[DIRECT](answers[DIRECT])
    direct_p50 = statistics.median(samples[DIRECT])
    points = sum(len(p) for p in reference.values())
    print(f"\n#### {query.name}: {len(reference)} series, {points} points\n")
    print("| path | p50 ms | p95 ms | p50 / Prometheus p50 | same series and values |")
    print("|---|---|---|---|---|")
    for name, values in samples.items():
        try:
            equal = "yes" if same(NORMALIZE[name](answers[name]), reference) else "NO"
        except (ValueError, KeyError, TypeError) as exc:
            equal = f"cannot compare ({exc})"
        p50 = statistics.median(values)
        print(
            f"| {name} | {p50:.2f} | {percentile(values, 0.95):.2f} | "
            f"x{p50 / direct_p50:.2f} | {equal} |"
        )


def print_throughput(query: Query, results: dict[str, Throughput], clients: int) -> None:
    print(f"\n{query.name}, {clients} concurrent clients:\n")
    print("| path | answers/s | p50 ms | p95 ms | errors | CPU ms per answer (process) |")
    print("|---|---|---|---|---|---|")
    for name, result in results.items():
        errors = ", ".join(f"{k} {v}" for k, v in result.errors.items()) or "0"
        cpu = f"{result.cpu_ms_per_answer:.2f}" if result.cpu_ms_per_answer is not None else "-"
        who = "Prometheus" if name == DIRECT else name.split(" ")[0]
        p50 = percentile(result.latencies_ms, 0.5) if result.latencies_ms else float("nan")
        p95 = percentile(result.latencies_ms, 0.95) if result.latencies_ms else float("nan")
        print(
            f"| {name} | {result.per_second:.1f} | {p50:.1f} | {p95:.1f} | {errors} | "
            f"{cpu} ({who}) |"
        )


async def compare(
    paths: list[Contender], queries: list[Query], args: argparse.Namespace
) -> list[tuple[str, float, float]]:
    """Print the tables; return per query (name, latency ratio, throughput ratio) of
    prometheus-mcp-server against our MCP endpoint."""
    ratios = []
    print(f"\n### Latency, {args.calls} sequential calls per path (taking turns)")
    latency: dict[str, dict[str, list[float]]] = {}
    for query in queries:
        samples, answers = await sequential(paths, query, args.calls, max(5, args.calls // 10))
        latency[query.name] = samples
        print_latency(query, samples, answers)
    print(f"\n### Throughput, {args.clients} concurrent clients, {args.seconds:.0f} s per path")
    for query in queries:
        results = {p.name: await throughput(p, query, args.clients, args.seconds) for p in paths}
        print_throughput(query, results, args.clients)
        ours_p50 = statistics.median(latency[query.name][OURS_MCP])
        theirs_p50 = statistics.median(latency[query.name][THEIRS])
        ratios.append(
            (
                query.name,
                theirs_p50 / ours_p50,
                results[OURS_MCP].per_second / max(results[THEIRS].per_second, 1e-9),
            )
        )
    return ratios


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=100, help="Sequential calls per path.")
    parser.add_argument("--clients", type=int, default=10, help="Concurrent clients.")
    parser.add_argument("--seconds", type=float, default=10, help="Throughput run per path.")
    parser.add_argument("--mcp-mode", default="legacy", help="mcp.Client mode (legacy, auto).")
    parser.add_argument("--before", type=Path, help="Also serve this opslens source tree.")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    print(machine())
    with (
        tempfile.TemporaryDirectory(prefix="opslens-bench-cmp-prom-") as temp,
        ExitStack() as stack,
    ):
        workdir = Path(temp)
        backend, end, history = start_mesh(stack, workdir)
        ours = serve(stack, workdir, "prometheus", {"OPSLENS_PROMETHEUS_URL": backend.url})
        theirs = start_prometheus_mcp(stack, workdir, backend.url)
        before = None
        if args.before:
            tree = args.before.resolve()
            source = ":".join(str(tree / part) for part in ("mcp", "services", "ui", "."))
            before_env = {"OPSLENS_PROMETHEUS_URL": backend.url, "PYTHONPATH": source}
            before = serve(stack, workdir, "prometheus", before_env, "prometheus-before")
        version = httpx.get(f"{backend.url}/api/v1/status/buildinfo").json()["data"]["version"]
        theirs_version = competitor_version(VENVS_DIR / "prometheus-mcp", "prometheus-mcp-server")
        at = datetime.fromtimestamp(end, UTC).isoformat()
        start = datetime.fromtimestamp(end - SPAN_S, UTC).isoformat()
        # Our tools' answer bounds (series, points) raised: every path returns the whole answer.
        chosen = [
            Case(case.tool, {**case.params, **FULL_ANSWER[case.tool]}, case.name)
            for case in cases(at, start)
            if case.name in CASES
        ]
        queries = asyncio.run(prepare(ours, chosen))
        print(asyncio.run(protocol_versions(ours, theirs, args.mcp_mode)))
        print(
            f"Prometheus {version}; opslens {opslens_mcp.__version__}; prometheus-mcp-server "
            f"{theirs_version}; MCP client: mcp {metadata.version('mcp')}; "
            f"{sum(len(s) for s in history.samples.values())} series backfilled"
        )
        paths = contenders(backend.url, backend.pid, ours, theirs, args.mcp_mode, before)
        ratios = asyncio.run(compare(paths, queries, args))
    print("\n### prometheus-mcp-server vs opslens, both over MCP with the same client\n")
    print("| query | their p50 / our p50 | our answers/s / theirs |")
    print("|---|---|---|")
    for name, latency_ratio, throughput_ratio in ratios:
        print(f"| {name} | x{latency_ratio:.2f} | x{throughput_ratio:.2f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
