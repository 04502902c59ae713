"""Agent latency without an LLM on the default demo data: p50/p95 per question and overall,
split into planning, backend and correlation time.

Starts its own backends (devstack on free ports, in a temporary folder), seeds the default demo
scenario, serves the three MCP servers as deployed (``opslens serve <server>``, each in its own
process), then runs the agent in this process, as the agent service does (its runtime: tool
clients, catalog cache, checkpointer, LangGraph graph), and asks every question ``--rounds``
times with "now" pinned to the scenario's now, after one warm-up round.

The split is measured, not estimated: the graph streams each node's update, which carries the
node's own duration (``timings``) and the running total of time spent waiting for tool calls
(``backend_ms``, parallel calls counted once), so backend time is attributed to the step that
waited for it:

* planning: the ``understand`` node (offline planner, service catalog);
* backend: waits for tool calls in ``execute`` plus those in ``correlate``;
* correlation: the ``correlate`` node minus its own tool waits (following error logs to traces,
  origins, links);
* the rest: agent work in ``execute`` besides waiting, rendering the answer, and the graph's
  own cost (the ``plan`` node, checkpoints).

Questions: ``--questions`` (a YAML file with ``questions: [{q: ...}]``; by default the public
sample next to the repository when it is there), else ``benchlib.DEMO_QUESTIONS``.

    .venv/bin/python bench/agent_questions.py --rounds 5
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import yaml
from benchlib import DEMO_QUESTIONS, machine, percentile, serve_demo, start_demo

from opslens.agent.agent import Agent
from opslens.agent.response import AskRequest
from opslens.agent.runtime import AgentRuntime
from opslens.agent.settings import AgentSettings

REPO = Path(__file__).resolve().parents[1]
PUBLIC_QUESTIONS = REPO.parent / "shared" / "eval" / "questions-public.yaml"
PARTS = {
    "planning": "understand node: offline planner + service catalog",
    "backend": "waiting for tool calls (execute + correlate)",
    "correlation": "correlate node minus its tool waits",
    "execute work": "execute node minus its tool waits",
    "answer": "answer node: rendering the text",
    "graph overhead": "plan node, checkpoints, state handling",
}


@dataclass
class Sample:
    question: str
    intent: str
    total_ms: float
    parts: dict[str, float]


async def ask(agent: Agent, question: str, now: datetime) -> Sample:
    """One question through the agent's graph, node by node (what ``Agent.ask`` runs)."""
    state, config = agent._input(AskRequest(question=question, now=now))
    backend_after: dict[str, float] = {}
    started = time.perf_counter()
    async for update in agent.graph.astream(state, config, stream_mode="updates"):
        for node, values in update.items():
            if values and "backend_ms" in values:
                backend_after[node] = float(values["backend_ms"])
    total_ms = (time.perf_counter() - started) * 1000
    final = (await agent.graph.aget_state(config)).values
    timings = final.get("timings") or {}
    execute_backend = backend_after.get("execute", 0.0)
    correlate_backend = backend_after.get("correlate", execute_backend) - execute_backend
    parts = {
        "planning": timings.get("understand_ms", 0.0),
        "backend": execute_backend + correlate_backend,
        "correlation": timings.get("correlate_ms", 0.0) - correlate_backend,
        "execute work": timings.get("execute_ms", 0.0) - execute_backend,
        "answer": timings.get("answer_ms", 0.0),
    }
    parts["graph overhead"] = total_ms - sum(parts.values())
    return Sample(question, final["plan"]["intent"], total_ms, parts)


async def ask_all(
    settings: AgentSettings, questions: list[str], now: datetime, rounds: int
) -> list[Sample]:
    runtime = AgentRuntime(settings, model=None)
    await runtime.open()
    try:
        agent = runtime.require()
        for question in questions:  # warm caches (catalog, connections) once
            await ask(agent, question, now)
        return [await ask(agent, q, now) for _ in range(rounds) for q in questions]
    finally:
        await runtime.close()


def load_questions(path: Path | None) -> list[str]:
    if path is not None and path.is_file():
        return [item["q"] for item in yaml.safe_load(path.read_text())["questions"]]
    return list(DEMO_QUESTIONS)


def report(samples: list[Sample], questions: int, rounds: int) -> None:
    totals = [s.total_ms for s in samples]
    print(f"\n{len(samples)} answers, {questions} questions x {rounds} rounds, no LLM\n")
    print("| part | p50 ms | p95 ms | mean ms | share of total time | what |")
    print("|---|---|---|---|---|---|")
    mean_total = statistics.fmean(totals)
    for part, what in PARTS.items():
        values = [s.parts[part] for s in samples]
        print(
            f"| {part} | {percentile(values, 0.5):.1f} | {percentile(values, 0.95):.1f} | "
            f"{statistics.fmean(values):.1f} | {statistics.fmean(values) / mean_total:.0%} | "
            f"{what} |"
        )
    print(
        f"| **total** | {percentile(totals, 0.5):.1f} | {percentile(totals, 0.95):.1f} | "
        f"{mean_total:.1f} | 100% | wall time of the graph run |"
    )
    by_question: dict[str, list[Sample]] = {}
    for sample in samples:
        by_question.setdefault(sample.question, []).append(sample)
    print("\nper question (p50 ms): total = planning + backend + correlation + rest\n")
    print("| total | planning | backend | correlation | rest | intent | question |")
    print("|---|---|---|---|---|---|---|")
    rows = sorted(
        by_question.values(), key=lambda group: -statistics.median(s.total_ms for s in group)
    )
    for group in rows:

        def p50(part: str, group: list[Sample] = group) -> float:
            return statistics.median(s.parts[part] for s in group)

        total = statistics.median(s.total_ms for s in group)
        rest = total - p50("planning") - p50("backend") - p50("correlation")
        print(
            f"| {total:.1f} | {p50('planning'):.1f} | {p50('backend'):.1f} | "
            f"{p50('correlation'):.1f} | {rest:.1f} | {group[0].intent} | {group[0].question} |"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--questions", type=Path, default=PUBLIC_QUESTIONS)
    args = parser.parse_args()
    questions = load_questions(args.questions)
    print(machine())
    with tempfile.TemporaryDirectory(prefix="opslens-bench-agent-") as tmp, ExitStack() as stack:
        workdir = Path(tmp)
        demo = start_demo(stack, workdir)
        servers = serve_demo(stack, workdir, demo, ["opensearch", "prometheus", "kubernetes"])
        settings = AgentSettings.model_validate(
            {
                **{f"{name}_url": served.url for name, served in servers.items()},
                "checkpoint_url": "memory://",
                "timezone": "UTC",
                "llm_mode": "off",
            }
        )
        samples = asyncio.run(ask_all(settings, questions, demo.truth.now, args.rounds))
    report(samples, len(questions), args.rounds)
    return 0


if __name__ == "__main__":
    sys.exit(main())
