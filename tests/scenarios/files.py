"""Reading generated scenario files back, for tests that check them against the truth."""

from __future__ import annotations

import datetime as dt
import fnmatch
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import orjson

from opslens.scenarios.truth import GroundTruth
from opslens.scenarios.writer import (
    KUBERNETES_FILE,
    METRICS_FILE,
    OPENSEARCH_DIR,
    bulk_file_index,
)

_SAMPLE = re.compile(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})? (\S+) (\d+)$")
_LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def parse_time(text: str) -> dt.datetime:
    """An ISO timestamp with up to nanoseconds (Python keeps microseconds)."""
    head, _, frac = text.rstrip("Z").partition(".")
    micros = (frac + "000000")[:6] if frac else "000000"
    return dt.datetime.fromisoformat(f"{head}.{micros}+00:00")


@dataclass
class Generated:
    """A generated scenario directory and its ground truth."""

    out: Path
    truth: GroundTruth
    _docs: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    def documents(self, kind: str) -> list[dict[str, Any]]:
        """All documents of ``spans``, ``service_map``, ``container_logs`` or ``otel_logs``."""
        if kind not in self._docs:
            pattern = self.truth.indices[kind]
            docs: list[dict[str, Any]] = []
            for path in sorted((self.out / OPENSEARCH_DIR).glob("*.ndjson")):
                if fnmatch.fnmatchcase(bulk_file_index(path), pattern):
                    lines = path.read_bytes().splitlines()
                    docs += [orjson.loads(line) for line in lines[1::2]]
            self._docs[kind] = docs
        return self._docs[kind]

    @cached_property
    def kubernetes(self) -> dict[str, Any]:
        loaded: dict[str, Any] = orjson.loads((self.out / KUBERNETES_FILE).read_bytes())
        return loaded

    def samples(self, metric: str) -> Iterator[tuple[dict[str, str], float, int]]:
        """``(labels, value, unix seconds)`` of every sample of ``metric`` in metrics.om."""
        prefix = metric + "{"
        with (self.out / METRICS_FILE).open(encoding="utf-8") as handle:
            for line in handle:
                if not line.startswith(prefix):
                    continue
                match = _SAMPLE.match(line.rstrip("\n"))
                assert match, line
                labels = dict(_LABEL.findall(match.group(2) or ""))
                yield labels, float(match.group(3)), int(match.group(4))

    def minute(self, moment: dt.datetime) -> int:
        return int((moment - self.truth.start).total_seconds() // 60)
