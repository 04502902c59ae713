"""A metric history kept sample by sample, and written as OpenMetrics for ``promtool``.

:class:`History` keeps every sample it writes, so tests compute the values they expect from
exactly the numbers Prometheus holds.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

STEP_S = 30

LabelSet = tuple[tuple[str, str], ...]
Samples = list[tuple[int, float]]


@dataclass
class History:
    """Every sample written, by metric name and label set, plus the OpenMetrics types."""

    start: int
    end: int
    types: dict[str, str] = field(default_factory=dict)
    samples: dict[str, dict[LabelSet, Samples]] = field(default_factory=dict)

    def times(self) -> range:
        return range(self.start, self.end + 1, STEP_S)

    def add(
        self, family: str, kind: str, metric: str, labels: dict[str, str], t: int, v: float
    ) -> None:
        """One sample of ``metric`` (a member of ``family``, of OpenMetrics type ``kind``)."""
        self.types[family] = kind
        key = tuple(sorted(labels.items()))
        self.samples.setdefault(metric, {}).setdefault(key, []).append((t, v))

    def counter(self, metric: str, labels: dict[str, str], t: int, v: float) -> None:
        self.add(metric, "counter", metric, labels, t, v)

    def gauge(self, metric: str, labels: dict[str, str], t: int, v: float) -> None:
        self.add(metric, "gauge", metric, labels, t, v)

    def select(self, metric: str, **match: str) -> Iterator[tuple[dict[str, str], Samples]]:
        """Series of ``metric`` whose labels include ``match``."""
        for key, samples in self.samples.get(metric, {}).items():
            labels = dict(key)
            if all(labels.get(name) == value for name, value in match.items()):
                yield labels, samples

    def write_openmetrics(self, path: Path) -> None:
        with path.open("w", encoding="utf-8") as out:
            for family, kind in self.types.items():
                out.write(f"# TYPE {family} {kind}\n")
                metrics = [m for m in self.samples if m == family or _family_of(m) == family]
                for metric in metrics:
                    for key, samples in self.samples[metric].items():
                        rendered = ",".join(f'{k}="{_escape(v)}"' for k, v in key)
                        for t, v in samples:
                            out.write(f"{metric}{{{rendered}}} {v!r} {t}\n")
            out.write("# EOF\n")


def _family_of(metric: str) -> str:
    for suffix in ("_bucket", "_sum", "_count"):
        if metric.endswith(suffix):
            return metric[: -len(suffix)]
    return metric


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
