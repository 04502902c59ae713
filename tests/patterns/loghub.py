"""Reads the Loghub 2k samples of the shared test data: messages and their labelled templates."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class LoghubSample:
    """One system's 2k sample: the labelled rows and its raw log lines."""

    system: str
    rows: list[dict[str, str]]
    raw_lines: list[str]

    @property
    def contents(self) -> list[str]:
        return [row["Content"] for row in self.rows]

    @property
    def event_ids(self) -> list[str]:
        return [row["EventId"] for row in self.rows]


def loghub_systems(shared_data: Path) -> list[str]:
    """The systems that have a labelled 2k sample under ``loghub/``."""
    root = shared_data / "loghub"
    return sorted(p.parent.name for p in root.glob("*/*_2k.log_structured.csv"))


def load_sample(shared_data: Path, system: str) -> LoghubSample:
    folder = shared_data / "loghub" / system
    with (folder / f"{system}_2k.log_structured.csv").open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    raw_lines = (folder / f"{system}_2k.log").read_text(encoding="utf-8").splitlines()
    return LoghubSample(system, rows, raw_lines)
