"""Does the agent's memory grow with the questions it answers? Measured in-process.

Starts the demo (real Prometheus, OpenSearch, kube-apiserver, the seeded default scenario), our
three MCP servers in their own processes and a real PostgreSQL as the conversations' store, as
``bench/load_test.py --target ask --sessions postgres`` does; then runs the agent *in this
process* (the service's own ``AgentRuntime``, no LLM) and asks the demo questions in rounds,
``--concurrency`` at a time (the agent's own admission limit by default), each question a new
conversation like the load test's.

After each round: a full collection, then what is alive: Python's allocated memory blocks
(``sys.getallocatedblocks``), the objects the collector tracks, by type, and the process' RSS.
Live objects that level off while RSS climbs are memory the C allocator keeps, not objects
held; objects that climb round after round are held, and the types that grew most between the
first (warm-up) round and the last say which. ``--trace-frames N`` also runs tracemalloc (the
Python heap in bytes, and the allocation sites that grew most; several times slower).

    PYTHONPATH=mcp:services:ui:evaluation:.:bench .venv/bin/python bench/agent_memory.py \\
        [--rounds 6] [--questions 150] [--concurrency 8] [--top 12] [--trace-frames 0]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import signal
import sys
import tempfile
import time
import tracemalloc
from collections import Counter
from contextlib import ExitStack
from pathlib import Path

from benchlib import DEMO_QUESTIONS, machine, rss_mib, serve_demo, start_demo

from opslens.agent.response import AskRequest
from opslens.agent.runtime import AgentRuntime
from opslens.agent.settings import AgentSettings
from opslens.devstack.postgres import PostgresBackend
from opslens.devstack.process import free_port


async def ask_round(runtime: AgentRuntime, now: str, questions: int, concurrency: int) -> int:
    """``questions`` questions, ``concurrency`` at a time; the number answered without error."""
    numbers = iter(range(questions))
    answered = 0

    async def worker() -> None:
        nonlocal answered
        for number in numbers:
            question = DEMO_QUESTIONS[number % len(DEMO_QUESTIONS)]
            response = await runtime.ask(
                AskRequest.model_validate({"question": question, "now": now})
            )
            answered += bool(response.answer)

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return answered


def live_types() -> Counter[str]:
    """The objects the collector tracks, by type name."""
    return Counter(type(thing).__qualname__ for thing in gc.get_objects())


async def measure(settings: AgentSettings, now: str, args: argparse.Namespace) -> None:
    runtime = AgentRuntime(settings, None)
    await runtime.open()
    heap = " Python heap MiB |" if args.trace_frames else ""
    print(f"\n| round | questions so far | answered | s | blocks | objects |{heap} RSS MiB |")
    print("|---" * (7 + bool(args.trace_frames)) + "|")
    types: list[Counter[str]] = []
    snapshots: list[tracemalloc.Snapshot] = []
    asked = 0
    try:
        for round_number in range(1, args.rounds + 1):
            started = time.perf_counter()
            answered = await ask_round(runtime, now, args.questions, args.concurrency)
            asked += args.questions
            gc.collect()
            types.append(live_types())
            cells = [
                round_number,
                asked,
                answered,
                f"{time.perf_counter() - started:.0f}",
                sys.getallocatedblocks(),
                sum(types[-1].values()),
            ]
            if args.trace_frames:
                snapshots.append(tracemalloc.take_snapshot())
                cells.append(f"{tracemalloc.get_traced_memory()[0] / 2**20:.1f}")
            cells.append(f"{rss_mib(os.getpid()):.0f}")
            print("| " + " | ".join(map(str, cells)) + " |", flush=True)
    finally:
        await runtime.close()
    grown = types[-1].copy()
    grown.subtract(types[0])
    print(f"\nTypes whose live objects grew most from round 1 to round {args.rounds}:\n")
    for name, count in grown.most_common(args.top):
        print(f"- {name}: {count:+d} (now {types[-1][name]})")
    if snapshots:
        print_sites(snapshots[0], snapshots[-1], args.top)


def print_sites(first: tracemalloc.Snapshot, last: tracemalloc.Snapshot, top: int) -> None:
    ignore = [tracemalloc.Filter(False, tracemalloc.__file__)]
    growth = last.filter_traces(ignore).compare_to(first.filter_traces(ignore), "traceback")
    print("\nAllocation sites that grew most (tracemalloc):\n")
    for stat in growth[:top]:
        frames = [f"{frame.filename}:{frame.lineno}" for frame in stat.traceback][-3:]
        print(
            f"- {stat.size_diff / 1024:+.1f} KiB ({stat.count_diff:+d} blocks), "
            f"now {stat.size / 1024:.1f} KiB: {' <- '.join(reversed(frames))}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=6, help="Rounds of questions.")
    parser.add_argument("--questions", type=int, default=150, help="Questions per round.")
    parser.add_argument("--concurrency", type=int, default=8, help="Questions at once.")
    parser.add_argument("--top", type=int, default=12, help="Types (and sites) listed.")
    parser.add_argument(
        "--trace-frames", type=int, default=0, help="Also run tracemalloc with N frames."
    )
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # clean up the backends
    print(machine())
    with (
        tempfile.TemporaryDirectory(prefix="opslens-bench-agent-mem-") as temp,
        ExitStack() as stack,
    ):
        workdir = Path(temp)
        demo = start_demo(stack, workdir)
        postgres = PostgresBackend(workdir / "postgres", free_port())
        postgres.start()
        stack.callback(postgres.remove)
        servers = serve_demo(stack, workdir, demo, ["opensearch", "prometheus", "kubernetes"])
        settings = AgentSettings(
            opensearch_url=servers["opensearch"].url,
            prometheus_url=servers["prometheus"].url,
            kubernetes_url=servers["kubernetes"].url,
            checkpoint_url=postgres.url,
            llm_mode="off",
            timezone="UTC",
            max_concurrent_questions=args.concurrency,
        )
        if args.trace_frames:
            tracemalloc.start(args.trace_frames)
        asyncio.run(measure(settings, demo.truth.now.isoformat(), args))


if __name__ == "__main__":
    main()
