"""What the load test and the side-by-side benchmarks share (not a benchmark itself).

* percentiles and a latency summary line;
* process figures from ``/proc`` (RSS, CPU time, which process listens on a port);
* starting the demo (backends on free ports in a temporary folder, the default scenario seeded)
  and ``opslens serve <server>`` processes in front of it;
* an MCP session over Streamable HTTP with plain httpx (``initialize`` then ``tools/call``), as
  any MCP client sends it, for load tests that must not measure an SDK;
* the other MCP servers the compare scripts measure: their venvs (``install_competitors.sh``)
  and their processes;
* side by side: contenders answering the same case, timed one call at a time taking turns,
  then with concurrent clients (answers/s, CPU of the serving process per answer), and the
  official MCP SDK client for MCP servers.
"""

from __future__ import annotations

import asyncio
import json
import os
import platform
import subprocess
import sys
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from contextlib import (
    AbstractAsyncContextManager,
    AsyncExitStack,
    ExitStack,
    asynccontextmanager,
)
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import httpx

from opslens.devstack.process import ManagedProcess, free_port

REPO_ROOT = Path(__file__).resolve().parents[1]
BENCH_DIR = REPO_ROOT / "bench"
VENVS_DIR = BENCH_DIR / ".venvs"
MCP_ACCEPT = "application/json, text/event-stream"
MCP_REVISION = "2025-11-25"

# Questions about the default demo (scenarios/checkout-incident.yaml) in both languages, one per
# kind of answer: logs, traces, correlation, metrics, Kubernetes, anomaly.
DEMO_QUESTIONS = (
    "show the error logs from order-service in the last 3 hours",
    "지난 3시간 동안 order-service에서 발생한 에러 로그 보여줘",
    "show traces of product-service with slow API calls",
    "find and analyse the traces related to order-service's error logs",
    "order-service의 에러 로그와 관련된 트레이스를 찾아서 분석해줘",
    "what is the p95 latency of product-service over the last hour?",
    "payment-service 에러율 지난 1시간",
    "which pods restarted in the last 6 hours?",
    "show warning events in namespace shop in the last 6 hours",
    "is anything wrong right now?",
)


# ---- numbers ---------------------------------------------------------------------------------


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (``q`` in 0..1) of a non-empty list."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def latency_line(values: list[float]) -> str:
    """``p50 .. p95 .. p99 .. max ..`` in milliseconds."""
    if not values:
        return "no samples"
    return (
        f"p50 {percentile(values, 0.5):8.1f}  p95 {percentile(values, 0.95):8.1f}  "
        f"p99 {percentile(values, 0.99):8.1f}  max {max(values):8.1f} ms"
    )


def machine() -> str:
    """Cores, memory, OS, Python and load average: the first line of every result."""
    mem_kib = 0
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            mem_kib = int(line.split()[1])
    os_name = platform.platform(terse=True)
    release = Path("/etc/os-release")
    if release.is_file():
        for line in release.read_text().splitlines():
            if line.startswith("PRETTY_NAME="):
                os_name = f"{line.split('=', 1)[1].strip(chr(34))} (Linux {platform.release()})"
    return (
        f"{os.cpu_count()} CPUs, {mem_kib / 2**20:.1f} GiB RAM, {os_name}, "
        f"Python {platform.python_version()}, load average {os.getloadavg()[0]:.1f}"
    )


# ---- processes -------------------------------------------------------------------------------


def cpu_seconds(pid: int | None) -> float:
    """User plus system CPU time of a process so far (Linux ``/proc``)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_mib(pid: int) -> float | None:
    """Resident memory of a process in MiB, None once it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def listening_pid(port: int) -> int | None:
    """The process listening on TCP ``port`` (visible processes only), from ``/proc``."""
    inodes: set[str] = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            rows = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for row in rows:
            fields = row.split()
            if fields[3] == "0A" and int(fields[1].rsplit(":", 1)[1], 16) == port:  # LISTEN
                inodes.add(fields[9])
    if not inodes:
        return None
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            for fd in (proc / "fd").iterdir():
                link = os.readlink(fd)
                if link.startswith("socket:[") and link[8:-1] in inodes:
                    return int(proc.name)
        except OSError:
            continue
    return None


@dataclass
class Served:
    """A server process of ours (or another project's) and its base URL."""

    name: str
    url: str
    pid: int | None


def start_process(
    stack: ExitStack,
    name: str,
    argv: list[str],
    log: Path,
    env: dict[str, str],
    ready_url: str,
    *,
    cwd: Path | None = None,
    timeout_s: float = 90,
) -> int | None:
    """Start ``argv`` in its own process group (stopped when ``stack`` closes); wait until
    ``ready_url`` answers 200; return its pid."""
    process = ManagedProcess(name, argv, log, env=env, cwd=cwd)
    process.start()
    stack.callback(process.stop)
    process.wait_ready(lambda: httpx.get(ready_url, timeout=2).status_code == 200, timeout_s)
    return process.pid


def serve(
    stack: ExitStack, workdir: Path, server: str, env: dict[str, str], name: str | None = None
) -> Served:
    """``opslens serve <server>`` in its own process, as deployed; ready once /readyz says so.
    ``name`` tells replicas of one server apart (logs, results)."""
    name = name or server
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    pid = start_process(
        stack,
        f"opslens-{name}",
        [sys.executable, "-m", "opslens.cli", "serve", server, "--port", str(port)],
        workdir / f"server-{name}.log",
        {"OPSLENS_LOG_LEVEL": "WARNING", **env},
        f"{url}/readyz",
        cwd=REPO_ROOT,
    )
    return Served(name, url, pid)


# ---- the demo --------------------------------------------------------------------------------


@dataclass
class Demo:
    """The default demo scenario seeded into backends of our own."""

    truth: Any  # opslens.scenarios.truth.GroundTruth
    opensearch_url: str
    prometheus_url: str | None = None
    kubeconfig: Path | None = None  # read-only, for the Kubernetes server
    backend_pids: dict[str, int | None] = field(default_factory=dict)


def start_demo(stack: ExitStack, workdir: Path, *, opensearch_only: bool = False) -> Demo:
    """Backends on free ports under ``workdir`` (stopped when ``stack`` closes) with the default
    demo scenario (6 hours ending at the current minute) in them."""
    from opslens.devstack.opensearch import OpenSearchBackend, ensure_opensearch_launcher
    from opslens.devstack.process import progress
    from opslens.devstack.stack import DevStack, StackPorts
    from opslens.scenarios.seed import scenario_path, seed_scenario

    started = time.perf_counter()
    if opensearch_only:
        ensure_opensearch_launcher(progress)
        backend = OpenSearchBackend(workdir / "opensearch", free_port())
        backend.start()
        stack.callback(backend.stop)
        report = seed_scenario(scenario_path(), opensearch_url=backend.url)
        demo = Demo(report.truth, backend.url, backend_pids={"OpenSearch": backend.pid})
    else:
        devstack = DevStack(workdir / "stack", StackPorts.free())
        devstack.up()
        stack.callback(devstack.down)
        report = seed_scenario(
            scenario_path(),
            opensearch_url=devstack.opensearch.url,
            kubeconfig=devstack.kubernetes.kubeconfig_path,
            metrics=devstack.prometheus,
            out_dir=workdir / "scenario",
        )
        demo = Demo(
            report.truth,
            devstack.opensearch.url,
            devstack.prometheus.url,
            devstack.kubernetes.readonly_kubeconfig_path,
            {
                "OpenSearch": devstack.opensearch.pid,
                "Prometheus": devstack.prometheus.pid,
                "kube-apiserver": (devstack.kubernetes.pids or [None])[-1],
            },
        )
    print(
        f"seeded {demo.truth.scenario} (now {demo.truth.now.isoformat()}): "
        f"{sum(demo.truth.documents.values())} documents, "
        f"{time.perf_counter() - started:.0f}s including backend start",
        flush=True,
    )
    return demo


def serve_demo(
    stack: ExitStack,
    workdir: Path,
    demo: Demo,
    servers: Iterable[str],
    *,
    agent_replicas: int = 1,
    checkpoint_url: str | None = None,
) -> dict[str, Served]:
    """Some of our servers in front of ``demo``, each in its own process: ``opensearch``,
    ``prometheus``, ``kubernetes`` and ``agent`` (no LLM, in front of the other three;
    ``agent_replicas`` of them, named ``agent``, ``agent-2``, ..., sharing ``checkpoint_url``,
    by default a SQLite file).

    The OpenSearch server runs with its answer cache off, so every call reaches OpenSearch.
    """
    wanted = set(servers)
    env = {
        "opensearch": {
            "OPSLENS_OPENSEARCH_URL": demo.opensearch_url,
            "OPSLENS_OPENSEARCH_CACHE_TTL_S": "0",
        },
        "prometheus": {"OPSLENS_PROMETHEUS_URL": str(demo.prometheus_url)},
        "kubernetes": {"OPSLENS_KUBE_KUBECONFIG": str(demo.kubeconfig)},
    }
    if "agent" in wanted:
        wanted |= set(env)
    if wanted - {"opensearch"}:
        assert demo.prometheus_url and demo.kubeconfig, "these servers need the full demo"
    served = {name: serve(stack, workdir, name, env[name]) for name in env if name in wanted}
    if "agent" in wanted:
        agent_env = {
            "OPSLENS_AGENT_OPENSEARCH_URL": served["opensearch"].url,
            "OPSLENS_AGENT_PROMETHEUS_URL": served["prometheus"].url,
            "OPSLENS_AGENT_KUBERNETES_URL": served["kubernetes"].url,
            "OPSLENS_AGENT_CHECKPOINT_URL": checkpoint_url
            or f"sqlite:///{workdir / 'sessions.sqlite'}",
            "OPSLENS_AGENT_LLM_MODE": "off",
            "OPSLENS_AGENT_TIMEZONE": "UTC",
        }
        for replica in range(1, agent_replicas + 1):
            name = "agent" if replica == 1 else f"agent-{replica}"
            served[name] = serve(stack, workdir, "agent", agent_env, name)
    return served


# ---- MCP over plain HTTP ---------------------------------------------------------------------


class McpError(Exception):
    """An MCP exchange that did not give a result; ``kind`` names it for error counts."""

    def __init__(self, kind: str, detail: str = "") -> None:
        super().__init__(f"{kind}: {detail}" if detail else kind)
        self.kind = kind


def _messages(response: httpx.Response) -> Iterable[dict[str, Any]]:
    """The JSON-RPC messages of a Streamable HTTP answer (plain JSON or an SSE stream)."""
    if response.headers.get("content-type", "").startswith("application/json"):
        yield response.json()
        return
    for line in response.text.splitlines():
        if line.startswith("data:") and line[5:].strip():
            yield json.loads(line[5:])


class McpSession:
    """One MCP session over Streamable HTTP, spoken with plain httpx: ``initialize``,
    ``notifications/initialized``, then ``tools/call`` requests (JSON-RPC 2.0)."""

    def __init__(self, http: httpx.AsyncClient, url: str) -> None:
        self.http = http
        self.url = url
        self.headers = {"Accept": MCP_ACCEPT}
        self._next_id = 0

    async def _request(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        self._next_id += 1
        request_id = self._next_id
        message = {"jsonrpc": "2.0", "id": request_id, "method": method, "params": params}
        response = await self.http.post(self.url, json=message, headers=self.headers)
        if response.status_code != 200:
            raise McpError(f"HTTP {response.status_code}", response.text[:200])
        if "mcp-session-id" in response.headers:
            self.headers["mcp-session-id"] = response.headers["mcp-session-id"]
        for answer in _messages(response):
            if answer.get("id") != request_id:
                continue  # progress or log notifications
            if "error" in answer:
                raise McpError(f"JSON-RPC {answer['error'].get('code')}", str(answer["error"]))
            result: dict[str, Any] = answer["result"]
            return result
        raise McpError("no answer", response.text[:200])

    async def open(self) -> None:
        """The handshake: ``initialize`` (keeping the session id) and ``initialized``."""
        result = await self._request(
            "initialize",
            {
                "protocolVersion": MCP_REVISION,
                "capabilities": {},
                "clientInfo": {"name": "opslens-bench", "version": "1"},
            },
        )
        self.headers["mcp-protocol-version"] = str(result.get("protocolVersion", MCP_REVISION))
        note = {"jsonrpc": "2.0", "method": "notifications/initialized"}
        response = await self.http.post(self.url, json=note, headers=self.headers)
        if response.status_code not in (200, 202):
            raise McpError(f"HTTP {response.status_code}", "notifications/initialized")

    async def close(self) -> None:
        """End the session on the server (DELETE), as a polite client does."""
        if "mcp-session-id" in self.headers:
            await self.http.delete(self.url, headers=self.headers)

    async def call_tool(self, name: str, arguments: dict[str, Any]) -> dict[str, Any]:
        """The tool's structured result; a result flagged ``isError`` raises ``tool error``."""
        result = await self._request("tools/call", {"name": name, "arguments": arguments})
        if result.get("isError"):
            text = " ".join(part.get("text", "") for part in result.get("content", []))
            raise McpError("tool error", text[:200])
        structured: dict[str, Any] = result.get("structuredContent") or {}
        return structured


# ---- the other MCP servers -------------------------------------------------------------------


def competitor_venv(name: str) -> Path:
    """``bench/.venvs/<name>`` with its pinned version (``install_competitors.sh`` installs it
    when it is missing or holds another version; it is a no-op otherwise)."""
    subprocess.run(["bash", str(BENCH_DIR / "install_competitors.sh"), name], check=True)
    return VENVS_DIR / name


def competitor_version(venv: Path, distribution: str) -> str:
    result = subprocess.run(
        [
            str(venv / "bin" / "python"),
            "-c",
            f"import importlib.metadata as m; print(m.version({distribution!r}))",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.strip()


def start_prometheus_mcp(stack: ExitStack, workdir: Path, prometheus_url: str) -> Served:
    """prometheus-mcp-server (pab1it0) over Streamable HTTP at ``/mcp``: it reads
    ``PROMETHEUS_URL`` and, for HTTP, ``PROMETHEUS_MCP_SERVER_TRANSPORT=http`` with
    ``PROMETHEUS_MCP_BIND_HOST`` / ``PROMETHEUS_MCP_BIND_PORT``."""
    venv = competitor_venv("prometheus-mcp")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    pid = start_process(
        stack,
        "prometheus-mcp-server",
        [str(venv / "bin" / "prometheus-mcp-server")],
        workdir / "prometheus-mcp-server.log",
        {
            "PYTHONPATH": "",
            "PROMETHEUS_URL": prometheus_url,
            "PROMETHEUS_MCP_SERVER_TRANSPORT": "http",
            "PROMETHEUS_MCP_BIND_HOST": "127.0.0.1",
            "PROMETHEUS_MCP_BIND_PORT": str(port),
        },
        f"{url}/health",
        cwd=workdir,
    )
    return Served("prometheus-mcp-server", url, pid)


def start_opensearch_mcp(stack: ExitStack, workdir: Path, opensearch_url: str) -> Served:
    """opensearch-mcp-server-py (opensearch-project) over Streamable HTTP at ``/mcp``
    (``--transport stream``), single mode: ``OPENSEARCH_URL``, ``OPENSEARCH_NO_AUTH=true``."""
    venv = competitor_venv("opensearch-mcp")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    pid = start_process(
        stack,
        "opensearch-mcp-server-py",
        [
            str(venv / "bin" / "opensearch-mcp-server-py"),
            "--transport",
            "stream",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        workdir / "opensearch-mcp-server-py.log",
        {"PYTHONPATH": "", "OPENSEARCH_URL": opensearch_url, "OPENSEARCH_NO_AUTH": "true"},
        f"{url}/health",
        cwd=workdir,
    )
    return Served("opensearch-mcp-server-py", url, pid)


# ---- side by side ----------------------------------------------------------------------------

Call = Callable[[], Awaitable[Any]]


@dataclass
class Contender:
    """One way of getting the same answer. ``connect`` opens what one client needs (an HTTP
    client, an MCP session) and yields ``call(case)``, which returns the answer normalized so
    that contenders can be compared; ``pid`` is the process whose CPU is charged to it."""

    name: str
    connect: Callable[[], AbstractAsyncContextManager[Callable[[Any], Awaitable[Any]]]]
    pid: int | None = None


@dataclass
class Throughput:
    answers: int
    errors: Counter[str]
    seconds: float
    latencies_ms: list[float]
    cpu_ms_per_answer: float | None

    @property
    def per_second(self) -> float:
        return self.answers / self.seconds if self.seconds else 0.0


async def timed(call: Call) -> float:
    started = time.perf_counter()
    await call()
    return (time.perf_counter() - started) * 1000


async def sequential(
    contenders: list[Contender], case: Any, calls: int, warmup: int
) -> tuple[dict[str, list[float]], dict[str, Any]]:
    """``calls`` calls per contender, one at a time, taking turns (so a change in the machine's
    load hits all alike); returns their latencies and each one's (normalized) first answer."""
    async with AsyncExitStack() as stack:
        callers = {c.name: await stack.enter_async_context(c.connect()) for c in contenders}
        answers = {name: await call(case) for name, call in callers.items()}
        for _ in range(warmup):
            for call in callers.values():
                await call(case)
        samples: dict[str, list[float]] = {name: [] for name in callers}
        names = list(callers)
        for turn in range(calls):
            shift = turn % len(names)
            for name in names[shift:] + names[:shift]:
                samples[name].append(await timed(partial(callers[name], case)))
    return samples, answers


async def throughput(contender: Contender, case: Any, clients: int, seconds: float) -> Throughput:
    """``clients`` concurrent clients (each with its own connection or session) calling as fast
    as answers come for ``seconds``."""
    errors: Counter[str] = Counter()
    latencies: list[float] = []
    async with AsyncExitStack() as stack:
        callers = [await stack.enter_async_context(contender.connect()) for _ in range(clients)]
        cpu_before = cpu_seconds(contender.pid) if contender.pid else None
        started = time.monotonic()
        deadline = started + seconds

        async def client(call: Callable[[Any], Awaitable[Any]]) -> None:
            while time.monotonic() < deadline:
                began = time.perf_counter()
                try:
                    await call(case)
                except Exception as exc:  # noqa: BLE001 - counted by kind
                    errors[type(exc).__name__] += 1
                    continue
                latencies.append((time.perf_counter() - began) * 1000)

        await asyncio.gather(*(client(call) for call in callers))
        elapsed = time.monotonic() - started
        cpu = None
        if cpu_before is not None and latencies:
            cpu = (cpu_seconds(contender.pid) - cpu_before) * 1000 / len(latencies)
    return Throughput(len(latencies), errors, elapsed, latencies, cpu)


@asynccontextmanager
async def mcp_client(url: str, mode: str) -> AsyncIterator[Any]:
    """The official MCP Python SDK client (``mcp.Client``) on a Streamable HTTP endpoint, with
    its response cache off."""
    from mcp import Client

    async with Client(url, mode=mode, cache=None) as client:
        yield client


def mcp_structured(result: Any) -> Any:
    """A ``tools/call`` result's structured content; a tool error raises."""
    if result.is_error:
        text = " ".join(getattr(part, "text", "") for part in result.content)
        raise McpError("tool error", text[:300])
    if result.structured_content is not None:
        return result.structured_content
    return json.loads(result.content[0].text)
