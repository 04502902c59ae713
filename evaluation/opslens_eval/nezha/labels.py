"""The inner-service labels of ``construct_data/root_cause_ts.json`` and how an answer is scored
against them (Nezha's inner-service top-k).

A label is a resource (a metric column such as ``CpuUsageRate(%)``), the network
(``NetworkP90(ms)``) or a code region between two log statements (``Class#100_Class#119``). A
piece of evidence names it when it is that resource (the column, or the measure it comes from:
``cpu`` for ``CpuUsageRate(%)``), the network, or code whose example quotes either end.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

from opslens.reports.models import CauseEvidence

NETWORK_LABEL = "NetworkP90(ms)"
InnerLabels = dict[str, dict[str, str]]
"""service -> fault type -> label."""


def inner_labels(root: Path) -> InnerLabels:
    """The labels of a Nezha-format folder (none when it has no label file)."""
    path = root / "construct_data" / "root_cause_ts.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}


def inner_matches(label: str, evidence: CauseEvidence) -> bool:
    """Whether a piece of evidence names the labelled resource, network or code region."""
    if label == NETWORK_LABEL:
        return evidence.area == "network"
    if evidence.area == "resource":
        measure = evidence.subject.split(" ")[0].lower()
        return evidence.subject == label or (bool(measure) and label.lower().startswith(measure))
    if evidence.area == "code":
        return any(end and end in evidence.example for end in label.split("_"))
    return False


def inner_position(label: str | None, evidence: Sequence[CauseEvidence]) -> int | None:
    """Position (from 1) of the first evidence naming the label."""
    if not label:
        return None
    return next((i for i, e in enumerate(evidence, start=1) if inner_matches(label, e)), None)


class InnerScored(Protocol):
    @property
    def rank(self) -> int | None: ...
    @property
    def inner_label(self) -> str | None: ...
    @property
    def inner_rank(self) -> int | None: ...


def inner_at(results: Sequence[InnerScored], k: int) -> float:
    """Inner-service top-k over the faults with an inner label: the root-cause service within
    the top ``k`` and, among its evidence, the labelled resource or code within the top ``k``."""
    hits = [
        r.rank is not None and r.rank <= k and r.inner_rank is not None and r.inner_rank <= k
        for r in results
        if r.inner_label
    ]
    return sum(hits) / len(hits) if hits else 0.0
