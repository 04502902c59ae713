"""Grouping accuracy and speed of the log template miner on the Loghub 2k samples.

For each system it prints the grouping accuracy (GA) of opslens' miner on the labelled
``Content``, and on the raw lines with their headers (learned by the miner, not configured), and
drain3 with its default configuration on both. It also prints the number of templates found
against the labelled number, and the throughput on the raw lines: a fresh miner per system (it
learns the header, masks each new word and builds its Drain tree), best of ``--repeat`` runs.

Last, a stream of ``--stream`` raw lines: the eight samples' lines over and over, each copy with
new numbers (as a log writes its templates again with new values), mined by one miner with one
source per system; throughput best of ``--repeat``, and the peak of Python memory (tracemalloc)
in a separate run.

    .venv/bin/python bench/log_patterns_loghub.py [--data ../shared/data] [--repeat 3]
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import re
import time
import tracemalloc
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from pathlib import Path
from statistics import mean

from drain3 import TemplateMiner
from drain3.template_miner_config import TemplateMinerConfig

from opslens_mcp.opensearch.patterns import LogPatternMiner, grouping_accuracy

Grouper = Callable[[Sequence[str]], list[Hashable]]


def opslens_stream(lines: Sequence[tuple[str, str]]) -> int:
    miner = LogPatternMiner()
    for source, line in lines:
        miner.add(None, line, source=source)
    return miner.summary(max_patterns=20).pattern_count


def fresh_numbers(lines: Sequence[tuple[str, str]], total: int) -> list[tuple[str, str]]:
    """``total`` lines cycling through ``lines``, the numbers of every copy after the first
    replaced by random ones of the same length."""
    rng = random.Random(7)

    def renumber(match: re.Match[str]) -> str:
        return str(rng.randrange(10 ** (len(match.group()) - 1), 10 ** len(match.group())))

    out = list(lines[:total])
    while len(out) < total:
        for source, line in lines[: total - len(out)]:
            out.append((source, re.sub(r"\d+", renumber, line)))
    return out


def opslens_groups(messages: Sequence[str]) -> list[Hashable]:
    miner = LogPatternMiner()
    lines = [miner.add(None, message) for message in messages]
    return [miner.template_of(line) for line in lines]


def drain3_default_groups(messages: Sequence[str]) -> list[Hashable]:
    miner = TemplateMiner(config=TemplateMinerConfig())
    return [miner.add_log_message(message)["cluster_id"] for message in messages]


@dataclass(frozen=True)
class Score:
    accuracy: float
    templates: int
    messages_per_s: float


def score(group: Grouper, messages: Sequence[str], truth: Sequence[str], repeat: int) -> Score:
    best = float("inf")
    groups: list[Hashable] = []
    for _ in range(repeat):
        started = time.perf_counter()
        groups = group(messages)
        best = min(best, time.perf_counter() - started)
    return Score(grouping_accuracy(truth, groups), len(set(groups)), len(messages) / best)


def default_data_dir() -> Path:
    configured = os.environ.get("OPSLENS_SHARED_DATA")
    return Path(configured) if configured else Path(__file__).resolve().parents[2] / "shared/data"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=default_data_dir(), help="shared data dir")
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement")
    parser.add_argument("--stream", type=int, default=100_000, help="lines of the stream")
    args = parser.parse_args()
    samples = sorted((args.data / "loghub").glob("*/*_2k.log_structured.csv"))
    if not samples:
        raise SystemExit(f"no Loghub samples under {args.data / 'loghub'}")

    header = (
        f"{'system':<10} {'GA':>6} {'GA raw':>7} {'drain3':>7} {'raw':>6}   "
        f"{'templates':>9} {'truth':>5} {'drain3':>6}   {'msg/s raw':>9} {'drain3':>7}"
    )
    print(header)
    print("-" * len(header))
    ours: list[Score] = []
    raw: list[Score] = []
    default: list[Score] = []
    default_raw: list[Score] = []
    stream: list[tuple[str, str]] = []
    for structured in samples:
        system = structured.parent.name
        with structured.open(newline="", encoding="utf-8") as f:
            rows = list(csv.DictReader(f))
        contents = [row["Content"] for row in rows]
        truth = [row["EventId"] for row in rows]
        raw_lines = (structured.parent / f"{system}_2k.log").read_text(encoding="utf-8")
        raw_lines = raw_lines.splitlines()
        stream += [(system, line) for line in raw_lines]
        ours.append(score(opslens_groups, contents, truth, 1))
        raw.append(score(opslens_groups, raw_lines, truth, args.repeat))
        default.append(score(drain3_default_groups, contents, truth, 1))
        default_raw.append(score(drain3_default_groups, raw_lines, truth, args.repeat))
        print(
            f"{system:<10} {ours[-1].accuracy:>6.3f} {raw[-1].accuracy:>7.3f} "
            f"{default[-1].accuracy:>7.3f} {default_raw[-1].accuracy:>6.3f}   "
            f"{raw[-1].templates:>9} {len(set(truth)):>5} {default_raw[-1].templates:>6}   "
            f"{raw[-1].messages_per_s:>9.0f} {default_raw[-1].messages_per_s:>7.0f}"
        )
    print("-" * len(header))
    print(
        f"{'average':<10} {mean(s.accuracy for s in ours):>6.3f} "
        f"{mean(s.accuracy for s in raw):>7.3f} {mean(s.accuracy for s in default):>7.3f} "
        f"{mean(s.accuracy for s in default_raw):>6.3f}   {'':>9} {'':>5} {'':>6}   "
        f"{mean(s.messages_per_s for s in raw):>9.0f} "
        f"{mean(s.messages_per_s for s in default_raw):>7.0f}"
    )
    print(
        "\nGA: grouping accuracy on Content; GA raw: on the raw lines, header included; drain3:"
        "\ndrain3's defaults on Content and on the raw lines."
    )
    lines = fresh_numbers(stream, args.stream)
    best = float("inf")
    for _ in range(args.repeat):
        started = time.perf_counter()
        patterns = opslens_stream(lines)
        best = min(best, time.perf_counter() - started)
    tracemalloc.start()
    opslens_stream(lines)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(
        f"\nstream of {len(lines):,} raw lines ({len(samples)} sources, {patterns} templates): "
        f"{len(lines) / best:,.0f} msg/s (best of {args.repeat}), {best:.2f} s; "
        f"peak Python memory while mining {peak / 2**20:.1f} MiB"
    )


if __name__ == "__main__":
    main()
