"""Grouping accuracy and speed of the log template miner on the Loghub 2k samples.

For each system it prints the grouping accuracy (GA) of opslens' miner on the labelled
``Content``, and on the raw lines with their headers. It also prints the number of templates found
against the labelled number, and the throughput. drain3 with its default configuration is run on
the same messages for comparison. Throughput is the best of ``--repeat`` runs.

    .venv/bin/python bench/log_patterns_loghub.py [--data ../shared/data] [--repeat 3]
"""

from __future__ import annotations

import argparse
import csv
import os
import time
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from pathlib import Path
from statistics import mean

from drain3 import TemplateMiner
from drain3.template_miner_config import TemplateMinerConfig

from opslens_mcp.opensearch.patterns import LogPatternMiner, grouping_accuracy

Grouper = Callable[[Sequence[str]], list[Hashable]]


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
    args = parser.parse_args()
    samples = sorted((args.data / "loghub").glob("*/*_2k.log_structured.csv"))
    if not samples:
        raise SystemExit(f"no Loghub samples under {args.data / 'loghub'}")

    header = (
        f"{'system':<10} {'GA':>6} {'GA raw':>7} {'GA drain3':>9}   "
        f"{'templates':>9} {'truth':>5} {'drain3':>6}   {'msg/s':>7} {'drain3':>7}"
    )
    print(header)
    print("-" * len(header))
    ours: list[Score] = []
    raw: list[Score] = []
    default: list[Score] = []
    for structured in samples:
        system = structured.parent.name
        with structured.open(newline="", encoding="utf-8") as f:
            rows = list(csv.DictReader(f))
        contents = [row["Content"] for row in rows]
        truth = [row["EventId"] for row in rows]
        raw_lines = (structured.parent / f"{system}_2k.log").read_text(encoding="utf-8")
        ours.append(score(opslens_groups, contents, truth, args.repeat))
        raw.append(score(opslens_groups, raw_lines.splitlines(), truth, 1))
        default.append(score(drain3_default_groups, contents, truth, args.repeat))
        print(
            f"{system:<10} {ours[-1].accuracy:>6.3f} {raw[-1].accuracy:>7.3f} "
            f"{default[-1].accuracy:>9.3f}   {ours[-1].templates:>9} {len(set(truth)):>5} "
            f"{default[-1].templates:>6}   {ours[-1].messages_per_s:>7.0f} "
            f"{default[-1].messages_per_s:>7.0f}"
        )
    print("-" * len(header))
    print(
        f"{'average':<10} {mean(s.accuracy for s in ours):>6.3f} "
        f"{mean(s.accuracy for s in raw):>7.3f} {mean(s.accuracy for s in default):>9.3f}   "
        f"{'':>9} {'':>5} {'':>6}   {mean(s.messages_per_s for s in ours):>7.0f} "
        f"{mean(s.messages_per_s for s in default):>7.0f}"
    )
    print(
        "\nGA: grouping accuracy on Content; GA raw: on the raw lines, header included (BGL and"
        "\nOpenStack lines start with fields the benchmark added, so their header stays)."
    )


if __name__ == "__main__":
    main()
