"""A streaming OpenMetrics text writer for ``promtool tsdb create-blocks-from openmetrics``.

Samples are appended per metric family to a temporary file as time advances, so memory stays
flat however long the history is; :meth:`OpenMetricsWriter.finish` concatenates the families
(each under its ``# TYPE`` line) and ends the file with ``# EOF``. The families write to any
:class:`FamilyWriter`: the live tail (:mod:`opslens.scenarios.live`) keeps them in memory.
"""

from __future__ import annotations

import shutil
from collections.abc import Hashable, Mapping
from pathlib import Path
from typing import IO, Protocol


def render_labels(labels: Mapping[str, str]) -> str:
    """``{a="x",b="y"}`` with OpenMetrics escaping of backslash, quote and newline."""
    parts = []
    for key, value in labels.items():
        escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
        parts.append(f'{key}="{escaped}"')
    return "{" + ",".join(parts) + "}"


def number(value: float) -> str:
    """Integers without a decimal point, other values with up to 6 decimals."""
    if value == int(value):
        return str(int(value))
    return f"{value:.6f}".rstrip("0")


class FamilyWriter(Protocol):
    def family(self, name: str, kind: str) -> IO[str]:
        """Where the sample lines of family ``name`` go."""
        ...


class OpenMetricsWriter:
    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.workdir.mkdir(parents=True, exist_ok=True)
        self._files: dict[str, IO[str]] = {}
        self._types: dict[str, str] = {}

    def family(self, name: str, kind: str) -> IO[str]:
        """The open file of family ``name`` (``counter``, ``gauge`` or ``histogram``)."""
        handle = self._files.get(name)
        if handle is None:
            handle = (self.workdir / f"{name}.part").open("w", encoding="utf-8")
            self._files[name] = handle
            self._types[name] = kind
        return handle

    def finish(self, path: Path) -> None:
        with path.open("w", encoding="utf-8") as out:
            for name in sorted(self._files):
                handle = self._files[name]
                handle.close()
                out.write(f"# TYPE {name} {self._types[name]}\n")
                with (self.workdir / f"{name}.part").open(encoding="utf-8") as part:
                    shutil.copyfileobj(part, out, 1 << 20)
                (self.workdir / f"{name}.part").unlink()
            out.write("# EOF\n")
        self._files.clear()


class CounterFamily:
    """Cumulative counters of one family; a series starts (at 0) just before its first increment.

    :meth:`advance` takes one minute's increments per series key and writes the running totals
    at each sample step of that minute. Inside the minute a series declared ``whole`` (a
    count) shows the floor of its pro-rata share, so histogram buckets stay monotonic and
    integral; minute boundaries are exact.
    """

    def __init__(self, writer: FamilyWriter, family: str, kind: str = "counter") -> None:
        self._out = writer.family(family, kind)
        self._totals: dict[Hashable, float] = {}
        self._prefix: dict[Hashable, str] = {}
        self._live: dict[Hashable, None] = {}  # insertion-ordered: output is deterministic
        self._whole: dict[Hashable, bool] = {}

    def known(self, key: Hashable) -> bool:
        return key in self._prefix

    def declare(
        self, key: Hashable, metric: str, labels: Mapping[str, str], whole: bool = True
    ) -> None:
        self._prefix[key] = f"{metric}{render_labels(labels)} "
        self._totals[key] = 0.0
        self._whole[key] = whole

    def advance(
        self,
        increments: Mapping[Hashable, float],
        minute_start_s: int,
        step_s: int,
    ) -> None:
        """Write every live series at each step of the minute starting at ``minute_start_s``."""
        out, totals, live, whole = self._out, self._totals, self._live, self._whole
        for key in increments:
            if key not in live:
                live[key] = None
                out.write(f"{self._prefix[key]}{number(totals[key])} {minute_start_s}\n")
        steps = 60 // step_s
        for k in range(1, steps + 1):
            ts = minute_start_s + k * step_s
            for key in live:
                part = increments.get(key, 0.0) * k / steps
                if whole[key]:
                    part = float(int(part))
                out.write(f"{self._prefix[key]}{number(totals[key] + part)} {ts}\n")
        for key, inc in increments.items():
            totals[key] += inc

    def reset(self, key: Hashable) -> None:
        """A restarted process counts again from zero."""
        self._totals[key] = 0.0

    def retire(self, key: Hashable) -> None:
        """The series ends (its pod is gone); Prometheus marks it stale after 5 minutes."""
        self._live.pop(key, None)


class GaugeFamily:
    """Gauges of one family: the caller gives each value at each sample time."""

    def __init__(self, writer: FamilyWriter, family: str) -> None:
        self._out = writer.family(family, "gauge")
        self._prefix: dict[Hashable, str] = {}

    def write(
        self, key: Hashable, metric: str, labels: Mapping[str, str], value: float, ts: int
    ) -> None:
        prefix = self._prefix.get(key)
        if prefix is None:
            prefix = self._prefix[key] = f"{metric}{render_labels(labels)} "
        self._out.write(f"{prefix}{number(value)} {ts}\n")
