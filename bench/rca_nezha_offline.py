"""Root-cause accuracy of the method on every labelled Nezha TrainTicket fault, straight from
the files (no backends): AC@1, AC@3, Avg@5 per fault type and overall, the inner-service
(fine-grained) top-1 and top-3 beside Nezha's published figures, the time per fault, and the
misses with what ranked above the root cause.

    .venv/bin/python bench/rca_nezha_offline.py [--data ../shared/data/nezha-trainticket-all]
"""

from __future__ import annotations

import argparse
import os
import sys
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path

from opslens.reports import i18n
from opslens_eval.nezha.offline import OfflineResult, evaluate_offline, inner_at
from opslens_eval.scoring import accuracy_at, average_at

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("OPSLENS_SHARED_DATA", REPO_ROOT.parent / "shared" / "data"))
NEZHA_ANCHOR = "Nezha (FSE'23, its README): service AC@1 0.867, AC@3 0.978; inner the same"


def table(results: Sequence[OfflineResult]) -> list[str]:
    groups: dict[str, list[OfflineResult]] = defaultdict(list)
    for result in results:
        groups[result.case.fault_type].append(result)
    groups["all"] = list(results)
    out = [
        "| fault type | faults | AC@1 | AC@3 | Avg@5 | inner top-1 | inner top-3 |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, group in groups.items():
        ranks = [r.rank for r in group]
        out.append(
            f"| {name} | {len(group)} | {accuracy_at(ranks, 1):.2f} | {accuracy_at(ranks, 3):.2f}"
            f" | {average_at(ranks, 5):.2f} | {inner_at(group, 1):.2f} | {inner_at(group, 3):.2f} |"
        )
    return out


def misses(results: Sequence[OfflineResult]) -> list[str]:
    out = []
    for r in results:
        if r.rank == 1:
            continue
        above = "; ".join(i18n.cause(c, "en") for c in r.ranked[:2])
        out.append(f"- {r.case.name}: ranked {r.rank}; above it: {above}")
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=SHARED_DATA / "nezha-trainticket-all")
    args = parser.parse_args()
    results = evaluate_offline(args.data)
    print("\n".join(table(results)))
    print(NEZHA_ANCHOR)
    for label, values in (
        ("wall-clock", sorted(r.seconds for r in results)),
        ("CPU", sorted(r.cpu_seconds for r in results)),
    ):
        print(
            f"{label} seconds per fault (read and mine its minute, then rank): "
            f"median {values[len(values) // 2]:.2f}, slowest {values[-1]:.2f}"
        )
    print("\nmisses:")
    print("\n".join(misses(results)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
