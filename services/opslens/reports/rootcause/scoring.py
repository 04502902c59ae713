"""Findings of one period: how far each service's signals moved from the baseline periods.

Each signal is scaled robustly (median and MAD over the baseline periods, as BARO does for
metrics), so a service whose numbers always swing does not outrank one that never moves:

* resources: per service and metric (whatever the caller passes: CPU, memory, ...), the
  highest robust z of the period's samples against the samples before it;
* network: per callee, the robust z of the log of its call gap, across the baseline periods;
* code path: per service and operation, events (log statements, span operations) that its
  requests wrote in most baseline periods (``USUALLY_PRESENT``) and none writes now (scored by
  the events expected), events that still run but far more or less often per request, beyond
  the periods' spread and their count's own noise (scored by the events missing or extra),
  plus new events repeated (Nezha's idea: compare the event patterns of normal and faulty
  periods). Events of a signal the period lacks (no logs) are not judged.

Scores are in the ranking's units (:data:`~opslens.reports.rootcause.ranking.STRONG` at the
level where that signal alone is convincing); :func:`~opslens.reports.rootcause.ranking.
rank_findings` ranks them with the services' dependency graph. One configuration for every
application: nothing here knows a service or a fault type.

Example::

    found = period_findings(period, baselines, resources, book)
    ranked = rank_findings(found, period.edges)
    ranked[0].cause  # CauseEvidence(area='resource', subject='cpu', ...)
"""

from __future__ import annotations

import math
from collections.abc import Callable, Hashable, Mapping, Sequence
from typing import Any, Literal, NamedTuple

import numpy as np

from opslens.reports.models import CauseEvidence
from opslens.reports.rootcause import order, ranking
from opslens.reports.rootcause.order import TransitionKey
from opslens.reports.rootcause.ranking import Finding
from opslens.reports.rootcause.signals import LOG_EVENT, SPAN_EVENT, PeriodSignals, TemplateBook

MAD_TO_SIGMA = 1.4826
GAP_LOG_FLOOR = 0.1
"""Smallest spread of a call gap's log across periods (about 10%)."""
RESOURCE_RELATIVE_FLOOR = 0.2
"""Smallest spread of a resource sample, relative to its median."""
CONVINCING = {
    "resource": 40.0,
    "network": 20.0,
    "code": 5.0,
    "order": 10.0,
}
"""Raw score at which each signal alone is convincing: resources are sampled every minute and
swing less than sampled spans; a lost statement counts its expected lines."""
MIN_REQUESTS = 2
USUALLY_PRESENT = 0.8
"""A statement that stops counts when it ran in this share of the baseline periods at least
(an earlier fault of the same kind may have stopped it once already)."""
NEW_LINE_WEIGHT = 0.5
RATE_Z = 5.0
RATE_RELATIVE_FLOOR = 0.1
"""A statement that still runs but far more or less often per request than in the baseline
periods counts when its rate's robust z passes ``RATE_Z``, with the spread floored at a tenth
of its usual rate (a statement's rate per request is often exactly steady: then a change of
half of it counts), and when its count is as many sigmas from the usual count in its own
Poisson noise (:func:`counting_z`: a few baseline periods that happen to agree do not make a
sample of a hundred requests exact)."""
MIN_RATE_BASELINES = 3
ORDER_SHIFT = 0.5
"""A transition that was already taken counts as unusual when it now follows in at least half
a request more than usual: two events racing (a log line and a span of one process) change
their order in a share of the requests, a changed path in most of them."""
SUBJECT_CHARS = 300


def robust_z(value: float, baseline: Sequence[float], floor: float) -> float:
    """(value - median) / max(MAD as sigma, floor)."""
    values = np.asarray(baseline, dtype=float)
    center = float(np.median(values))
    spread = float(np.median(np.abs(values - center))) * MAD_TO_SIGMA
    return (value - center) / max(spread, floor)


def _scaled(raw: float, signal: str) -> float:
    """A raw score in the ranking's units (``ranking.STRONG`` where it alone convinces), to
    three decimals: a signal that moved less than that is no finding."""
    return round(raw / CONVINCING[signal] * ranking.STRONG, 3)


ResourceSamples = Mapping[str, Mapping[str, tuple[Sequence[float], Sequence[float]]]]
"""service -> metric -> (baseline samples, period samples)."""


def resource_findings(resources: ResourceSamples) -> list[Finding]:
    """Each service's resources against their own baseline. The spread is floored at a fifth
    of the service's usual level and of the fleet's (the median service's, per metric): a
    near-idle pod that wakes up moves by thousands of its own spreads, and by nothing that
    matters to the rest of the system."""
    found = []
    fleet = _fleet_levels(resources)
    for service, metrics in resources.items():
        for metric, (before, now) in metrics.items():
            if len(before) < 3 or not now:
                continue
            center = float(np.median(before))
            level = max(abs(center), fleet.get(metric, 0.0))
            floor = max(RESOURCE_RELATIVE_FLOOR * level, 1e-9)
            peak = max(now)
            score = _scaled(robust_z(peak, before, floor), "resource")
            if score > 0:
                evidence = CauseEvidence(
                    signal="metrics",
                    kind="resource",
                    area="resource",
                    subject=metric,
                    value=peak,
                    baseline=center,
                    score=score,
                )
                found.append(Finding(service, evidence))
    return found


def _fleet_levels(resources: ResourceSamples) -> dict[str, float]:
    """Per metric, the median over services of their usual (baseline median) level."""
    levels: dict[str, list[float]] = {}
    for metrics in resources.values():
        for metric, (before, _) in metrics.items():
            if before:
                levels.setdefault(metric, []).append(abs(float(np.median(before))))
    return {metric: float(np.median(values)) for metric, values in levels.items()}


def network_findings(period: PeriodSignals, baselines: Sequence[PeriodSignals]) -> list[Finding]:
    found = []
    for (caller, callee), gap in period.gaps.items():
        before = [
            b.gaps[(caller, callee)]
            for b in clear_of(callee, baselines)
            if (caller, callee) in b.gaps
        ]
        if not before:
            continue
        z = robust_z(math.log1p(gap), [math.log1p(g) for g in before], GAP_LOG_FLOOR)
        score = _scaled(z, "network")
        if score > 0:
            evidence = CauseEvidence(
                signal="traces",
                kind="call_gap",
                area="network",
                subject=caller,
                value=round(gap, 3),
                baseline=round(float(np.median(before)), 3),
                unit="ms",
                score=score,
            )
            found.append(Finding(callee, evidence))
    return found


def clear_of(service: str, baselines: Sequence[PeriodSignals]) -> list[PeriodSignals]:
    """The baseline periods in which no earlier incident held ``service``."""
    return [b for b in baselines if service not in b.blamed]


def baseline_rates(
    baselines: Sequence[PeriodSignals],
    counts: Callable[[PeriodSignals], Mapping[Any, int]],
    key: Hashable,
    request: tuple[str, str],
    events: Sequence[str],
) -> list[float]:
    """Per baseline period that could show ``events``, served ``request`` at least
    ``MIN_REQUESTS`` times and was held by no earlier incident on its service: how often per
    request ``key`` of its ``counts`` happened."""
    return [
        counts(b).get(key, 0) / b.requests[request]
        for b in clear_of(request[0], baselines)
        if all(b.observed(e) for e in events) and b.requests.get(request, 0) >= MIN_REQUESTS
    ]


class Change(NamedTuple):
    """How an event's count moved: its kind, its raw score, and its usual rate per request."""

    kind: Literal["stopped", "new", "fewer", "more"]
    score: float
    usual: float


def counting_z(count: int, expected: float) -> float:
    """How many sigmas of Poisson noise ``count`` is from ``expected``, on the square-root
    scale, where that noise has a spread of about 1/2 whatever the count: 35 lines where 19.5
    were usual are 3.0 sigmas (noise), 2 lines are -6.0."""
    return 2.0 * (math.sqrt(count) - math.sqrt(expected))


def moved(count: int, requests: int, rates: Sequence[float]) -> Change | None:
    """How an event that happened ``count`` times in ``requests`` requests moved against its
    rates per request in the baseline periods: ``stopped`` (scored by the events expected),
    ``new`` (by half the events), ``fewer`` or ``more`` (by the events missing or extra);
    None when it did not move."""
    usual = float(np.median(rates))
    present = sum(rate > 0 for rate in rates) / len(rates)
    expected = usual * requests
    if count == 0 and present >= USUALLY_PRESENT:
        return Change("stopped", present * expected, usual)
    if usual == 0 and count >= MIN_REQUESTS and count / requests > max(rates):
        return Change("new", NEW_LINE_WEIGHT * count, usual)
    if (
        present >= USUALLY_PRESENT
        and len(rates) >= MIN_RATE_BASELINES
        and abs(robust_z(count / requests, rates, RATE_RELATIVE_FLOOR * usual)) >= RATE_Z
        and abs(counting_z(count, expected)) >= RATE_Z
    ):
        return Change("fewer" if count < expected else "more", abs(count - expected), usual)
    return None


def code_findings(
    period: PeriodSignals, baselines: Sequence[PeriodSignals], book: TemplateBook
) -> list[Finding]:
    """Statements lost (always written per request before, none now), run far more or less
    often, or new and repeated. Calls into another traced service are left out: how often a
    caller calls follows what its callee returns (a callee explains its callers)."""
    found = []
    keys = set(period.patterns) | {k for b in baselines for k in b.patterns}
    calls_out = period.calls_out.union(*(b.calls_out for b in baselines))
    for key in sorted(keys):
        service, operation, event = key
        requests = period.requests.get((service, operation), 0)
        if requests < MIN_REQUESTS or not period.observed(event):
            continue
        if (service, event) in calls_out:  # the callee's evidence (its network, its code)
            continue
        rates = baseline_rates(baselines, lambda b: b.patterns, key, (service, operation), [event])
        if not rates:
            continue
        lines = period.patterns.get(key, 0)
        change = moved(lines, requests, rates)
        if change is None:
            continue
        text, example = book.describe(event)
        from_logs = event.startswith(LOG_EVENT)
        evidence = CauseEvidence(
            signal="logs" if from_logs else "traces",
            kind=f"statement_{change.kind}",
            area="code",
            subject=text[:SUBJECT_CHARS],
            operation=operation,
            value=float(lines),
            baseline=round(change.usual * requests, 3),
            unit="lines" if from_logs else "spans",
            score=_scaled(change.score, "code"),
            example=example,
        )
        found.append(Finding(service, evidence))
    return found


def unusual_transitions(
    period: PeriodSignals, baselines: Sequence[PeriodSignals]
) -> set[TransitionKey]:
    """Transitions that follow far more often per request than in the baseline periods, or
    are new: where a request's events took another way (a drop shows as another way taken)."""
    found = set()
    for key, count in period.transitions.items():
        service, operation, before, after = key
        requests = period.requests.get((service, operation), 0)
        events = [e for e in (before, after) if e not in (order.START, order.END)]
        if requests < MIN_REQUESTS or not all(period.observed(e) for e in events):
            continue
        rates = baseline_rates(
            baselines, lambda b: b.transitions, key, (service, operation), events
        )
        change = moved(count, requests, rates) if rates else None
        if change is None or change.kind not in ("new", "more"):
            continue
        if change.kind == "new" or count / requests - change.usual >= ORDER_SHIFT:
            found.add(key)
    return found


def order_findings(
    period: PeriodSignals, baselines: Sequence[PeriodSignals], book: TemplateBook
) -> list[Finding]:
    """Per service, the traces whose events first took an unusual way in it (the first
    divergence of each trace, :func:`~opslens.reports.rootcause.order.votes`), with the two
    events around its most frequent divergence: the code region where the change started."""
    votes = order.votes(period.roots, unusual_transitions(period, baselines))
    by_service: dict[str, list[tuple[int, order.Divergence]]] = {}
    for divergence, count in votes.items():
        by_service.setdefault(divergence.service, []).append((count, divergence))
    found = []
    for service, counted in sorted(by_service.items()):
        traces = sum(count for count, _ in counted)
        score = _scaled(traces, "order")
        if traces < MIN_REQUESTS or score <= 0:
            continue
        _, top = max(counted, key=lambda item: (item[0], item[1].before, item[1].after))
        (before, before_example), (after, after_example) = (
            _event_text(e, book) for e in (top.before, top.after)
        )
        evidence = CauseEvidence(
            signal="traces",
            kind="order_changed",
            area="code",
            subject=f"{before} -> {after}"[:SUBJECT_CHARS],
            operation=top.operation,
            value=float(traces),
            unit="traces",
            score=score,
            example=f"{before_example} -> {after_example}",
        )
        found.append(Finding(service, evidence))
    return found


def _event_text(event: str, book: TemplateBook) -> tuple[str, str]:
    """(what an event of the order is, an example): a statement, a span's start, a mark."""
    if event in (order.START, order.END):
        return event, event
    if event.startswith(LOG_EVENT):
        return book.describe(event)
    name = event.removeprefix(SPAN_EVENT).removeprefix(order.CALL_EVENT)
    return f"{name} start", f"{name} start"


def period_findings(
    period: PeriodSignals,
    baselines: Sequence[PeriodSignals],
    resources: ResourceSamples,
    book: TemplateBook,
) -> list[Finding]:
    """Every moved signal of the period, per service, in the ranking's units."""
    return [
        *resource_findings(resources),
        *network_findings(period, baselines),
        *code_findings(period, baselines, book),
        *order_findings(period, baselines, book),
    ]
