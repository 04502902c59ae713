"""The Nezha TrainTicket RCA data: its fault cases (ground truth) and its files.

A case is one injected fault with its one minute of logs and traces (``rca_data/<date>/log``,
``trace``) and the labelled root cause from ``<date>-fault_list.json``. The label's
``inject_time`` is UTC wall-clock time, like the ``Timestamp``/``TimeStamp`` columns;
``inject_timestamp`` is not used (about 8 hours off, and duplicated in places). The fault-free
minute in ``construct_data`` is the reference of normal behaviour.

The file minute that belongs to an injection is the one Nezha itself analyses (injection + 2
minutes), so only injections whose minute is present in the data become cases.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from opslens.reports.naming import service_of_pod

ANALYSED_AFTER = timedelta(minutes=2)


@dataclass(frozen=True)
class MinuteFiles:
    """One minute of logs and traces: ``<dir>/log/HH_MM_log.csv`` and the trace file; either
    may be missing or empty (readers then see no rows)."""

    log: Path
    trace: Path


@dataclass(frozen=True)
class NezhaCase:
    date: str
    inject_time: datetime
    inject_pod: str
    fault_type: str
    files: MinuteFiles

    @property
    def root_cause_service(self) -> str:
        return service_of_pod(self.inject_pod)

    @property
    def name(self) -> str:
        return f"{self.date}T{self.inject_time:%H:%M} {self.root_cause_service} {self.fault_type}"


def _minute_files(directory: Path, minute: datetime) -> MinuteFiles | None:
    stem = f"{minute:%H_%M}"
    files = MinuteFiles(
        directory / "log" / f"{stem}_log.csv", directory / "trace" / f"{stem}_trace.csv"
    )
    return files if files.log.is_file() or files.trace.is_file() else None


def load_cases(root: Path) -> list[NezhaCase]:
    """Every labelled injection whose analysed minute is in the data, in time order."""
    cases = []
    for day_dir in sorted((root / "rca_data").iterdir()):
        labels = day_dir / f"{day_dir.name}-fault_list.json"
        if not labels.is_file():
            continue
        for entries in json.loads(labels.read_text(encoding="utf-8")).values():
            for entry in entries:
                injected = datetime.strptime(entry["inject_time"], "%Y-%m-%d %H:%M:%S").replace(
                    tzinfo=UTC
                )
                minute = (injected + ANALYSED_AFTER).replace(second=0)
                files = _minute_files(day_dir, minute)
                if files is not None:
                    cases.append(
                        NezhaCase(
                            day_dir.name, injected, entry["inject_pod"], entry["inject_type"], files
                        )
                    )
    return sorted(cases, key=lambda case: case.inject_time)


def reference_minutes(root: Path) -> list[MinuteFiles]:
    """The fault-free minutes of ``construct_data``."""
    found = []
    for day_dir in sorted((root / "construct_data").glob("*")):
        stems = {p.name.removesuffix("_log.csv") for p in (day_dir / "log").glob("*_log.csv")}
        stems |= {
            p.name.removesuffix("_trace.csv") for p in (day_dir / "trace").glob("*_trace.csv")
        }
        found += [
            MinuteFiles(
                day_dir / "log" / f"{stem}_log.csv", day_dir / "trace" / f"{stem}_trace.csv"
            )
            for stem in sorted(stems)
        ]
    return found


def metric_files(root: Path) -> list[Path]:
    """The per-pod metric files (``front_service.csv`` is not a pod)."""
    return sorted(path for path in (root / "rca_data").glob("*/metric/*_metric.csv"))
