"""Where one ``/rpc`` (or ``/mcp``) call spends its time: py-spy samples ``opslens serve
prometheus`` while a client sends one query of ``compare_prometheus.py`` (default the small
instant one) over and over, as plain JSON-RPC or as MCP ``tools/call`` (``--path mcp``, the
official SDK client, ``--mcp-mode``).

Starts a real Prometheus with the mesh ``prometheus_tools.py`` backfills, our Prometheus server
in its own process (as deployed, log level WARNING), and a sequential client; then records
``--seconds`` of samples of the server (all threads, idle frames left out) with ``py-spy
record --format raw`` and prints the functions that most samples pass through (inclusive) and
that most samples sit in (self), as shares of the busy samples, plus the client's p50. Writes
the raw stacks to ``--out`` for a flame graph (``speedscope``, ``flamegraph.pl``).

    .venv/bin/python bench/profile_rpc.py [--seconds 20] [--top 30] [--out profile.txt]
        [--path rpc|mcp] [--case "query (rate)"|"query (p95)"|query_range]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path

import httpx
from benchlib import machine, mcp_client, mcp_structured, serve
from prometheus_tools import SPAN_S, Case, cases, start_mesh


async def hammer_rpc(url: str, case: Case, stop_at: float) -> list[float]:
    """Sequential ``/rpc`` calls until ``stop_at``; their latencies (ms)."""
    body = {"jsonrpc": "2.0", "id": 1, "method": case.tool, "params": case.params}
    latencies = []
    async with httpx.AsyncClient(base_url=url, timeout=60) as http:
        while time.monotonic() < stop_at:
            started = time.perf_counter()
            answer = (await http.post("/rpc", json=body)).json()
            latencies.append((time.perf_counter() - started) * 1000)
            if "error" in answer:
                raise RuntimeError(str(answer["error"]))
    return latencies


async def hammer_mcp(url: str, case: Case, stop_at: float, mode: str) -> list[float]:
    """Sequential MCP ``tools/call`` at ``/mcp`` until ``stop_at``; their latencies (ms)."""
    latencies = []
    async with mcp_client(f"{url}/mcp", mode) as client:
        while time.monotonic() < stop_at:
            started = time.perf_counter()
            mcp_structured(await client.call_tool(case.tool, case.params))
            latencies.append((time.perf_counter() - started) * 1000)
    return latencies


def hammer(url: str, case: Case, seconds: float, args: argparse.Namespace) -> list[float]:
    stop_at = time.monotonic() + seconds
    if args.path == "mcp":
        return asyncio.run(hammer_mcp(url, case, stop_at, args.mcp_mode))
    return asyncio.run(hammer_rpc(url, case, stop_at))


def summarize(raw: Path, top: int) -> None:
    """Inclusive and self shares per function from py-spy's collapsed stacks."""
    inclusive: Counter[str] = Counter()
    own: Counter[str] = Counter()
    total = 0
    for line in raw.read_text(encoding="utf-8").splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack:
            continue
        count = int(count_text)
        frames = [frame.split(" (")[0] + " " + _where(frame) for frame in stack.split(";")[1:]]
        total += count
        for frame in set(frames):
            inclusive[frame] += count
        if frames:
            own[frames[-1]] += count
    print(f"\n{total} busy samples\n")
    for title, counter in (("inclusive", inclusive), ("self", own)):
        print(f"| {title} % | function (file) |\n|---|---|")
        for frame, count in counter.most_common(top):
            print(f"| {100 * count / total:.1f} | `{frame}` |")
        print()


def _where(frame: str) -> str:
    if " (" not in frame:
        return ""
    location = frame.split(" (", 1)[1].rstrip(")")
    path, _, _line = location.rpartition(":")
    parts = Path(path).parts
    for anchor in ("site-packages", "opslens_mcp", "opslens"):
        if anchor in parts:
            return "(" + "/".join(parts[parts.index(anchor) :]) + ")"
    return f"({Path(path).name})"


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=20, help="How long to sample.")
    parser.add_argument("--top", type=int, default=30, help="Rows per table.")
    parser.add_argument("--out", type=Path, help="Keep py-spy's raw stacks here.")
    parser.add_argument("--path", choices=("rpc", "mcp"), default="rpc", help="Endpoint called.")
    parser.add_argument("--case", default="query (rate)", help="Query of compare_prometheus.py.")
    parser.add_argument("--mcp-mode", default="legacy", help="mcp.Client mode (legacy, auto).")
    args = parser.parse_args()
    print(machine())
    with tempfile.TemporaryDirectory(prefix="opslens-bench-profile-") as temp, ExitStack() as stack:
        workdir = Path(temp)
        backend, end, _ = start_mesh(stack, workdir)
        ours = serve(stack, workdir, "prometheus", {"OPSLENS_PROMETHEUS_URL": backend.url})
        at = datetime.fromtimestamp(end, UTC).isoformat()
        start = datetime.fromtimestamp(end - SPAN_S, UTC).isoformat()
        [case] = [c for c in cases(at, start) if c.name == args.case]
        hammer(ours.url, case, 3, args)  # warm up
        raw = args.out or workdir / "profile.txt"
        spy = subprocess.Popen(
            [
                str(Path(sys.executable).parent / "py-spy"),
                "record",
                "--pid",
                str(ours.pid),
                "--duration",
                str(int(args.seconds)),
                "--rate",
                "250",
                "--format",
                "raw",
                "--output",
                str(raw),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        latencies = hammer(ours.url, case, args.seconds, args)
        _, err = spy.communicate(timeout=60)
        if spy.returncode != 0:
            print(err.decode(errors="replace"), file=sys.stderr)
            return 1
        print(
            f"{args.case}: {len(latencies)} sequential /{args.path} calls, p50 "
            f"{statistics.median(latencies):.2f} ms"
        )
        summarize(raw, args.top)
    return 0


if __name__ == "__main__":
    sys.exit(main())
