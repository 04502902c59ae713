"""Load test: concurrent clients against the OpenSearch MCP server's ``search_logs`` tool and,
separately, the agent's ``POST /v1/ask``; zero errors expected, memory expected flat.

For each target it runs ``--clients`` concurrent clients (default 50) for ``--seconds``
(default 60), never more than ``--max-requests`` requests in all, on loopback only, then prints
the requests that failed counted by kind (the zero-error check), p50/p95/p99 latency, throughput
(answers per second), and the resident memory (RSS, from ``/proc``) of the server processes
sampled every second: before the load, in the middle, at the end and after it.

* ``search_logs`` is called as an MCP client calls it: JSON-RPC 2.0 ``tools/call`` over
  Streamable HTTP at ``/mcp``, one MCP session per client (``--transport rpc`` sends the plain
  JSON-RPC ``search_logs`` method to ``/rpc`` instead). The clients rotate over the demo's
  services and two levels (error, warn), 3 hours pinned to the scenario's ``now``.
* ``/v1/ask`` gets the demo questions in English and Korean (``benchlib.DEMO_QUESTIONS``, one
  per kind of answer), without an LLM; an answer that names backend data as missing counts as
  an error unless the same question reported it when the system was idle.

Two ways to run it:

1. Everything started here (default): Prometheus, OpenSearch and kube-apiserver on free ports in
   a temporary folder, the default demo scenario seeded (6 hours ending now), our three MCP
   servers and the agent each in its own process as deployed (``opslens serve <server>``; the
   OpenSearch answer cache off, so every call reaches OpenSearch; the agent with its default
   SQLite checkpointer in the temporary folder), all stopped at the end::

       .venv/bin/python bench/load_test.py [--clients 50] [--seconds 60] [--target both]

   ``--agent-replicas 2`` starts two agent processes sharing a PostgreSQL checkpointer (a real
   server started here; ``--sessions postgres`` uses it for one replica too, to compare like
   with like); the clients take turns: client i asks replica i mod N::

       .venv/bin/python bench/load_test.py --target ask --sessions postgres --agent-replicas 2

2. Servers that already run (e.g. after ``opslens devstack up``, ``opslens seed`` and
   ``opslens serve ...``): pass their base URLs, which must be loopback, and the seeded
   scenario's ``now`` (the ``now`` of its ground truth; default the current time). Memory is
   sampled from the processes listening on those ports, or from ``--pid NAME=PID``::

       .venv/bin/python bench/load_test.py --opensearch-server http://127.0.0.1:8101 \\
           --agent http://127.0.0.1:8100 --now 2026-11-26T04:18:00Z [--pid opensearch=1234]

Exit status 1 when any request failed.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
from benchlib import (
    DEMO_QUESTIONS,
    McpError,
    McpSession,
    cpu_seconds,
    latency_line,
    listening_pid,
    machine,
    rss_mib,
    serve_demo,
    start_demo,
)

from opslens.devstack.postgres import PostgresBackend
from opslens.devstack.process import free_port

LOOPBACK = {"127.0.0.1", "localhost", "::1"}
LEVELS = ("error", "warn")
DEMO_SERVICES = (
    "frontend",
    "order-service",
    "product-service",
    "payment-service",
    "inventory-service",
    "user-service",
    "notification-service",
)
Call = Callable[[int], Awaitable[dict[str, Any] | None]]


@dataclass
class Run:
    """What one target's load produced."""

    name: str
    clients: int
    latencies_ms: list[float] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)
    error_examples: dict[str, str] = field(default_factory=dict)
    server_ms: list[float] = field(default_factory=list)
    refused: int = 0  # 503 + Retry-After answers, retried as a client should (not errors)
    elapsed_s: float = 0.0
    memory: list[tuple[float, dict[str, float | None]]] = field(default_factory=list)
    answered_at: list[int] = field(default_factory=list)  # answers so far, at each sample
    cpu_s: dict[str, float] = field(default_factory=dict)
    client_cpu_s: float = 0.0

    @property
    def ok(self) -> int:
        return len(self.latencies_ms)

    @property
    def failed(self) -> int:
        return sum(self.errors.values())


class Budget:
    """At most ``limit`` requests, none after ``deadline``."""

    def __init__(self, limit: int, deadline: float) -> None:
        self.left = limit
        self.deadline = deadline

    def take(self) -> bool:
        if self.left <= 0 or time.monotonic() >= self.deadline:
            return False
        self.left -= 1
        return True


def loopback(url: str) -> str:
    host = urlsplit(url).hostname or ""
    if host not in LOOPBACK:
        raise SystemExit(f"{url}: the load test only talks to loopback servers")
    return url.rstrip("/")


# ---- the two targets -------------------------------------------------------------------------


def search_params(number: int, now: str) -> dict[str, Any]:
    service = DEMO_SERVICES[number % len(DEMO_SERVICES)]
    level = LEVELS[(number // len(DEMO_SERVICES)) % len(LEVELS)]
    return {"service": service, "level": level, "start": "now-3h", "now": now, "limit": 50}


def search_logs_client(
    http: httpx.AsyncClient, server: str, now: str, transport: str
) -> Callable[[], Awaitable[Call]]:
    """A factory of clients: each opens its own MCP session first (not timed)."""

    async def open_mcp() -> Call:
        session = McpSession(http, f"{server}/mcp")
        await session.open()

        async def call(number: int) -> dict[str, Any] | None:
            result = await session.call_tool("search_logs", search_params(number, now))
            if "records" not in result or "total" not in result:
                raise McpError("bad answer", str(result)[:200])
            return None

        return call

    async def open_rpc() -> Call:
        async def call(number: int) -> dict[str, Any] | None:
            body = {
                "jsonrpc": "2.0",
                "id": number,
                "method": "search_logs",
                "params": search_params(number, now),
            }
            response = await http.post(f"{server}/rpc", json=body)
            if response.status_code != 200:
                raise McpError(f"HTTP {response.status_code}", response.text[:200])
            answer = response.json()
            if "error" in answer:
                raise McpError(f"JSON-RPC {answer['error'].get('code')}", str(answer["error"]))
            return None

        return call

    return open_mcp if transport == "mcp" else open_rpc


def ask_client(
    http: httpx.AsyncClient, agents: list[str], now: str, baseline: dict[str, int], run: Run
) -> Callable[[], Awaitable[Call]]:
    """Clients of the agent replicas, each client bound to the next replica in turn."""
    turns = iter(range(10**9))

    async def open_client() -> Call:
        agent = agents[next(turns) % len(agents)]

        async def call(number: int) -> dict[str, Any] | None:
            question = DEMO_QUESTIONS[number % len(DEMO_QUESTIONS)]
            while True:  # a saturated replica says when to come back: wait, then ask again
                payload = {"question": question, "now": now}
                response = await http.post(f"{agent}/v1/ask", json=payload)
                retry_after = response.headers.get("retry-after", "")
                if response.status_code != 503 or not retry_after.isdigit():
                    break
                run.refused += 1
                await asyncio.sleep(int(retry_after))
            if response.status_code != 200:
                raise McpError(f"HTTP {response.status_code}", response.text[:200])
            body = response.json()
            if not body.get("answer"):
                raise McpError("empty answer", question)
            missing = body.get("missing") or []
            if len(missing) > baseline.get(question, 0):
                failed = [
                    f"{q.get('tool')}: {q.get('error')}"
                    for q in body.get("queries") or []
                    if not q.get("ok")
                ]
                raise McpError("backend data missing", f"{question}: {missing}, {failed}")
            run.server_ms.append(float(body.get("timings", {}).get("total_ms", 0.0)))
            return None

        return call

    return open_client


async def ask_baseline(http: httpx.AsyncClient, agent: str, now: str) -> dict[str, int]:
    """Each question once with no load (warms the agent up): what it already reports missing."""
    missing: dict[str, int] = {}
    for question in DEMO_QUESTIONS:
        response = await http.post(f"{agent}/v1/ask", json={"question": question, "now": now})
        response.raise_for_status()
        missing[question] = len(response.json().get("missing") or [])
    return missing


# ---- the load --------------------------------------------------------------------------------


def classify(exc: BaseException) -> str:
    if isinstance(exc, McpError):
        return exc.kind
    if isinstance(exc, httpx.TimeoutException):
        return f"timeout ({type(exc).__name__})"
    return type(exc).__name__


async def sample_memory(
    run: Run, pids: dict[str, int | None], started: float, stop: asyncio.Event, every_s: float
) -> None:
    while True:
        run.memory.append(
            (time.monotonic() - started, {n: rss_mib(p) if p else None for n, p in pids.items()})
        )
        run.answered_at.append(run.ok)
        try:
            await asyncio.wait_for(stop.wait(), every_s)
            return
        except TimeoutError:
            continue


async def load(
    run: Run,
    open_client: Callable[[], Awaitable[Call]],
    pids: dict[str, int | None],
    backends: dict[str, int | None],
    seconds: float,
    max_requests: int,
) -> None:
    """``run.clients`` clients calling as fast as answers come, until time or budget ends."""
    calls = await asyncio.gather(*(open_client() for _ in range(run.clients)))
    counter = iter(range(10**9))
    watched = {**pids, **backends}
    cpu_before = {name: cpu_seconds(pid) for name, pid in watched.items() if pid}
    client_cpu = time.process_time()
    started = time.monotonic()
    budget = Budget(max_requests, started + seconds)
    stop = asyncio.Event()
    sampler = asyncio.create_task(sample_memory(run, pids, started, stop, 1.0))

    async def client(call: Call) -> None:
        while budget.take():
            number = next(counter)
            began = time.perf_counter()
            try:
                await call(number)
            except Exception as exc:  # noqa: BLE001 - every failure is counted by kind
                kind = classify(exc)
                run.errors[kind] += 1
                run.error_examples.setdefault(kind, str(exc)[:300])
                continue
            run.latencies_ms.append((time.perf_counter() - began) * 1000)

    await asyncio.gather(*(client(call) for call in calls))
    run.elapsed_s = time.monotonic() - started
    run.client_cpu_s = time.process_time() - client_cpu
    run.cpu_s = {name: cpu_seconds(watched[name]) - before for name, before in cpu_before.items()}
    await asyncio.sleep(2)  # one more sample after the load, once in-flight work has settled
    stop.set()
    await sampler


def report(run: Run) -> None:
    total = run.ok + run.failed
    print(f"\n### {run.name}: {run.clients} clients, {run.elapsed_s:.1f} s\n")
    verdict = "PASS" if run.failed == 0 else "FAIL"
    kinds = ", ".join(f"{kind}: {count}" for kind, count in run.errors.most_common()) or "none"
    print(f"requests {total}, answered {run.ok}, errors {run.failed} ({kinds}): {verdict}")
    if run.refused:
        print(f"refused while saturated (503 + Retry-After, then retried): {run.refused}")
    for kind, example in run.error_examples.items():
        print(f"  e.g. {kind}: {example}")
    print(f"latency of answers: {latency_line(run.latencies_ms)}")
    if run.server_ms:
        print(f"  agent's own total_ms: {latency_line(run.server_ms)}")
    print(f"throughput: {run.ok / run.elapsed_s:.1f} answers/s")
    cpu = ", ".join(f"{n} {s / run.elapsed_s:.2f}" for n, s in run.cpu_s.items())
    print(
        f"CPU (cores busy on average): {cpu}; load generator {run.client_cpu_s / run.elapsed_s:.2f}"
    )
    print_memory(run)


def print_memory(run: Run) -> None:
    if not run.memory:
        return
    names = list(run.memory[0][1])
    during = [(t, m) for t, m in run.memory if t <= run.elapsed_s]
    middle = min(during, key=lambda item: abs(item[0] - run.elapsed_s / 2))
    points = [("start", run.memory[0]), ("middle", middle), ("end", during[-1])]
    points.append(("after", run.memory[-1]))
    header = " | ".join(f"{label} ({t:.0f} s)" for label, (t, _) in points)
    print(f"\n| RSS MiB | {header} | peak | end vs middle |")
    print("|---" * (len(points) + 3) + "|")
    for name in names:
        values = [m.get(name) for _, (_, m) in points]
        seen = [m[name] for _, m in run.memory if m.get(name) is not None]
        if not seen or values[1] is None or values[2] is None:
            print(f"| {name} | " + " | ".join("-" for _ in points) + " | - | - |")
            continue
        cells = " | ".join(f"{v:.0f}" if v is not None else "-" for v in values)
        growth = (values[2] - values[1]) / values[1]
        print(f"| {name} | {cells} | {max(seen):.0f} | {growth:+.1%} |")
    print_memory_timeline(run, names)


def print_memory_timeline(run: Run, names: list[str], rows: int = 10) -> None:
    """RSS at about ``rows`` even steps of the run, with the answers given by then."""
    during = [i for i, (t, _) in enumerate(run.memory) if t <= run.elapsed_s]
    if len(during) < 2:
        return
    picked = sorted({during[round(k * (len(during) - 1) / rows)] for k in range(rows + 1)})
    print(f"\n| s | answered | {' | '.join(f'{name} RSS MiB' for name in names)} |")
    print("|---" * (len(names) + 2) + "|")
    for i in picked:
        t, memory = run.memory[i]
        cells = " | ".join(f"{memory[n]:.0f}" if memory.get(n) is not None else "-" for n in names)
        print(f"| {t:.0f} | {run.answered_at[i]} | {cells} |")


# ---- main ------------------------------------------------------------------------------------


async def measure(
    args: argparse.Namespace,
    targets: dict[str, str],
    pids: dict[str, int | None],
    backends: dict[str, int | None],
    now: str,
) -> list[Run]:
    limits = httpx.Limits(
        max_connections=args.clients + 10, max_keepalive_connections=args.clients + 10
    )
    runs: list[Run] = []
    async with httpx.AsyncClient(timeout=args.request_timeout, limits=limits) as http:
        if "opensearch" in targets and args.target in ("search_logs", "both"):
            how = "MCP tools/call" if args.transport == "mcp" else "JSON-RPC /rpc"
            run = Run(f"search_logs via {how}", args.clients)
            factory = search_logs_client(http, targets["opensearch"], now, args.transport)
            try:  # every variant once, unmeasured; a failure here is a setup problem
                warm = await factory()
                for number in range(len(DEMO_SERVICES) * len(LEVELS)):
                    await warm(number)
            except (McpError, httpx.HTTPError) as exc:
                raise SystemExit(f"search_logs does not answer before the load: {exc}") from exc
            watched = {"opensearch server": pids.get("opensearch")}
            await load(run, factory, watched, backends, args.seconds, args.max_requests)
            report(run)
            runs.append(run)
        agents = [url for name, url in targets.items() if name.startswith("agent")]
        if agents and args.target in ("ask", "both"):
            replicas = f", {len(agents)} replicas" if len(agents) > 1 else ""
            run = Run(f"agent POST /v1/ask (no LLM{replicas})", args.clients)
            baseline: dict[str, int] = {}
            try:
                for agent in agents:  # warms every replica up
                    for question, count in (await ask_baseline(http, agent, now)).items():
                        baseline[question] = max(baseline.get(question, 0), count)
            except httpx.HTTPError as exc:
                raise SystemExit(f"the agent does not answer before the load: {exc}") from exc
            watched = {
                name if name.startswith("agent") else f"{name} server": pid
                for name, pid in pids.items()
            }
            factory = ask_client(http, agents, now, baseline, run)
            await load(run, factory, watched, backends, args.seconds, args.max_requests)
            report(run)
            runs.append(run)
    return runs


def parse_pids(values: list[str]) -> dict[str, int]:
    pids = {}
    for value in values:
        name, _, pid = value.partition("=")
        pids[name] = int(pid)
    return pids


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=50, help="Concurrent clients.")
    parser.add_argument("--seconds", type=float, default=60, help="Length of each target's run.")
    parser.add_argument(
        "--max-requests", type=int, default=100_000, help="Most requests per target, in all."
    )
    parser.add_argument("--target", choices=["search_logs", "ask", "both"], default="both")
    parser.add_argument(
        "--transport", choices=["mcp", "rpc"], default="mcp", help="How search_logs is called."
    )
    parser.add_argument("--request-timeout", type=float, default=60, help="Per request, seconds.")
    parser.add_argument("--opensearch-server", help="A running opslens OpenSearch server (URL).")
    parser.add_argument(
        "--agent",
        action="append",
        default=[],
        help="A running opslens agent (URL); repeat for replicas, which clients take in turn.",
    )
    parser.add_argument(
        "--agent-replicas", type=int, default=1, help="Agent processes to start (default 1)."
    )
    parser.add_argument(
        "--sessions",
        choices=["sqlite", "postgres"],
        default="sqlite",
        help="The started agents' checkpointer; several replicas need postgres (implied).",
    )
    parser.add_argument("--now", help="The seeded scenario's now (ISO-8601) for running servers.")
    parser.add_argument(
        "--pid",
        action="append",
        default=[],
        help="NAME=PID: the process of a target (opensearch, agent) when the port owner is not "
        "visible, or another process (e.g. the OpenSearch JVM) whose CPU to report.",
    )
    args = parser.parse_args()
    args.pids = parse_pids(args.pid)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # unwind: stop what was started
    print(machine())
    print(
        f"{args.clients} clients, {args.seconds:.0f} s per target, at most {args.max_requests} "
        f"requests per target, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC"
    )
    with tempfile.TemporaryDirectory(prefix="opslens-bench-load-") as temp, ExitStack() as stack:
        backends: dict[str, int | None] = {}
        if args.opensearch_server or args.agent:
            targets = {}
            if args.opensearch_server:
                targets["opensearch"] = loopback(args.opensearch_server)
            for number, url in enumerate(args.agent, start=1):
                targets["agent" if number == 1 else f"agent-{number}"] = loopback(url)
            pids = {name: listening_pid(urlsplit(url).port or 80) for name, url in targets.items()}
            for name, pid in args.pids.items():
                (pids if name in targets else backends)[name] = pid
            now = args.now or datetime.now(UTC).replace(microsecond=0).isoformat()
        else:
            workdir = Path(temp)
            demo = start_demo(stack, workdir, opensearch_only=args.target == "search_logs")
            wanted = ["opensearch"] if args.target == "search_logs" else ["opensearch", "agent"]
            checkpoint_url = None
            if "agent" in wanted and (args.sessions == "postgres" or args.agent_replicas > 1):
                postgres = PostgresBackend(workdir / "postgres", free_port())
                postgres.start()
                stack.callback(postgres.remove)
                checkpoint_url = postgres.url
                backends["postgres"] = postgres.pid
            servers = serve_demo(
                stack,
                workdir,
                demo,
                wanted,
                agent_replicas=args.agent_replicas,
                checkpoint_url=checkpoint_url,
            )
            targets = {name: served.url for name, served in servers.items()}
            pids = {name: served.pid for name, served in servers.items()}
            backends.update(demo.backend_pids)
            now = demo.truth.now.isoformat()
        runs = asyncio.run(measure(args, targets, pids, backends, now))
    return 0 if all(run.failed == 0 for run in runs) else 1


if __name__ == "__main__":
    sys.exit(main())
