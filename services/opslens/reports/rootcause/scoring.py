"""Rank the services of a period by how far their signals moved from the baseline periods.

Each signal is scaled robustly (median and MAD over the baseline periods, as BARO does for
metrics), so a service whose numbers always swing does not outrank one that never moves:

* resources: per service and metric (whatever the caller passes: CPU, memory, ...), the
  highest robust z of the period's samples against the samples before it;
* network: per callee, the robust z of the log of its call gap, across the baseline periods;
* code path: per service and operation, events (log statements, span operations) that its
  requests wrote in most baseline periods (``USUALLY_PRESENT``) and none writes now (scored by
  the events expected), plus new events repeated (Nezha's idea: compare the event patterns of
  normal and faulty periods). Events of a signal the period lacks (no logs) are not judged.

A service's score is its strongest signal in units of ``STRONG`` (the level at which that
signal alone is convincing); the signal that gives it is the fine-grained cause. One
configuration for every application: nothing here knows a service or a fault type.

Example::

    ranked = rank_causes(period, baselines, resources, book)
    ranked[0].describe()  # 'payment: cpu', with ranked[0].evidence against the baseline
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from opslens.reports.rootcause.signals import PeriodSignals, TemplateBook

MAD_TO_SIGMA = 1.4826
GAP_LOG_FLOOR = 0.1
"""Smallest spread of a call gap's log across periods (about 10%)."""
RESOURCE_RELATIVE_FLOOR = 0.2
"""Smallest spread of a resource sample, relative to its median."""
STRONG = {"resource": 40.0, "network": 20.0, "code": 5.0}
"""Score at which each signal alone is convincing: resources are sampled every minute and
swing less than sampled spans; a lost statement counts its expected lines."""
MIN_REQUESTS = 2
USUALLY_PRESENT = 0.8
"""A statement that stops counts when it ran in this share of the baseline periods at least
(an earlier fault of the same kind may have stopped it once already)."""
NEW_LINE_WEIGHT = 0.5
TOP_EVIDENCE = 3
EXAMPLE_CHARS = 160


@dataclass(frozen=True)
class Evidence:
    """One number that ranked a service, against its baseline."""

    signal: str
    subject: str
    value: float
    baseline: float
    score: float
    example: str = ""


@dataclass
class RankedCause:
    service: str
    score: float
    evidence: list[Evidence] = field(default_factory=list)

    @property
    def cause(self) -> Evidence | None:
        return self.evidence[0] if self.evidence else None

    def describe(self) -> str:
        """'payment: CPU' or 'basic: the code around <statement>'."""
        cause = self.cause
        if cause is None:
            return self.service
        if cause.signal == "code":
            where = (cause.example or cause.subject)[:EXAMPLE_CHARS]
            return f"{self.service}: the code around {where}"
        return f"{self.service}: {cause.subject}"


def robust_z(value: float, baseline: Sequence[float], floor: float) -> float:
    """(value - median) / max(MAD as sigma, floor)."""
    values = np.asarray(baseline, dtype=float)
    center = float(np.median(values))
    spread = float(np.median(np.abs(values - center))) * MAD_TO_SIGMA
    return (value - center) / max(spread, floor)


ResourceSamples = Mapping[str, Mapping[str, tuple[Sequence[float], Sequence[float]]]]
"""service -> metric -> (baseline samples, period samples)."""


def resource_evidence(resources: ResourceSamples) -> list[tuple[str, Evidence]]:
    found = []
    for service, metrics in resources.items():
        for metric, (before, now) in metrics.items():
            if len(before) < 3 or not now:
                continue
            center = float(np.median(before))
            floor = max(RESOURCE_RELATIVE_FLOOR * abs(center), 1e-9)
            peak = max(now)
            score = robust_z(peak, before, floor)
            if score > 0:
                found.append((service, Evidence("resource", metric, peak, center, score)))
    return found


def network_evidence(
    period: PeriodSignals, baselines: Sequence[PeriodSignals]
) -> list[tuple[str, Evidence]]:
    found = []
    for (caller, callee), gap in period.gaps.items():
        before = [b.gaps[(caller, callee)] for b in baselines if (caller, callee) in b.gaps]
        if not before:
            continue
        score = robust_z(math.log1p(gap), [math.log1p(g) for g in before], GAP_LOG_FLOOR)
        if score > 0:
            subject = f"network latency (calls from {caller})"
            found.append(
                (callee, Evidence("network", subject, gap, float(np.median(before)), score))
            )
    return found


def code_evidence(
    period: PeriodSignals, baselines: Sequence[PeriodSignals], book: TemplateBook
) -> list[tuple[str, Evidence]]:
    """Statements lost (always written per request before, none now) and new ones repeated."""
    found = []
    keys = set(period.patterns) | {k for b in baselines for k in b.patterns}
    for key in keys:
        service, operation, event = key
        requests = period.requests.get((service, operation), 0)
        if requests < MIN_REQUESTS or not period.observed(event):
            continue
        rates = [
            b.patterns.get(key, 0) / b.requests[(service, operation)]
            for b in baselines
            if b.observed(event) and b.requests.get((service, operation), 0) >= MIN_REQUESTS
        ]
        if not rates:
            continue
        lines = period.patterns.get(key, 0)
        usual = float(np.median(rates))
        present = sum(rate > 0 for rate in rates) / len(rates)
        if lines == 0 and present >= USUALLY_PRESENT:
            score, what = present * usual * requests, "stopped"
        elif usual == 0 and lines >= MIN_REQUESTS and lines / requests > max(rates):
            score, what = NEW_LINE_WEIGHT * lines, "new"
        else:
            continue
        text, example = book.describe(event)
        subject = f"{operation}: {what}: {text}"[:300]
        found.append((service, Evidence("code", subject, lines, usual * requests, score, example)))
    return found


def rank_causes(
    period: PeriodSignals,
    baselines: Sequence[PeriodSignals],
    resources: ResourceSamples,
    book: TemplateBook,
) -> list[RankedCause]:
    """Every service with a moved signal, most likely root cause first."""
    per: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    items: dict[str, list[Evidence]] = defaultdict(list)
    for service, found in (
        *resource_evidence(resources),
        *network_evidence(period, baselines),
        *code_evidence(period, baselines, book),
    ):
        items[service].append(found)
        if found.signal == "code":  # lost and new statements add up
            per[service]["code"] += found.score
        else:
            per[service][found.signal] = max(per[service][found.signal], found.score)
    ranked = []
    for service, signals in per.items():
        strength = {signal: score / STRONG[signal] for signal, score in signals.items()}
        best = max(strength, key=lambda s: strength[s])
        strongest = sorted(
            items[service], key=lambda e: (e.signal != best, -e.score / STRONG[e.signal])
        )
        ranked.append(RankedCause(service, strength[best], strongest[:TOP_EVIDENCE]))
    ranked.sort(key=lambda r: (-r.score, r.service))
    return ranked
