"""Root-cause ranking inside an incident, with the service dependency graph from the traces.

A failing callee explains its callers' errors and slowness, so a service with a strongly
anomalous service below it (directly or further down) ranks after the services nothing
explains: along a call path, the deepest anomalous service comes first. When traces show a
service's failures starting in its own spans (an error span with no error below it, such as a
connection it could not open), only a callee whose spans also start failures explains it: a
callee it cannot reach looks failing in the metrics but is not the cause. Services on separate
paths are not each other's cause, so among the unexplained ones the strength of the evidence
decides (the strongest score of each signal, capped, summed over signals: a failure seen in
metrics, logs and traces beats a blip in one), then the earliest onset, then log and
Kubernetes evidence and where trace errors start, then depth. A change of traffic alone
explains nothing (a callee sees less traffic because its caller fails).

Example::

    ranked = rank_candidates(incident.anomalies, edges={("order", "payment")})
    ranked[0].service  # 'payment' when both are anomalous
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from opslens.reports.models import Anomaly, Candidate

NON_CAUSAL_KINDS = frozenset({"request_rate"})
# Onsets read from these are coarse: a burn needs minutes of errors to show, span statistics
# come in buckets and error types from a sample of traces. Others time the onset when present.
COARSE_ONSET_KINDS = frozenset(
    {"slo_burn", "trace_p50", "trace_p95", "trace_error_ratio", "new_error_type", "call_gap"}
)
SIGNAL_CAP = 5.0
STRONG = 2.0
ONSET_RESOLUTION = timedelta(minutes=2)


@dataclass
class _Service:
    name: str
    anomalies: list[Anomaly] = field(default_factory=list)

    @property
    def causal(self) -> list[Anomaly]:
        return [a for a in self.anomalies if a.kind not in NON_CAUSAL_KINDS]

    @property
    def onset(self) -> datetime:
        timed = [a for a in self.anomalies if a.kind not in COARSE_ONSET_KINDS] or self.anomalies
        return min(a.start for a in timed)

    @property
    def strength(self) -> float:
        """Sum over signals of the strongest score in each (capped): multimodal evidence."""
        best: dict[str, float] = {}
        for anomaly in self.causal:
            best[anomaly.signal] = max(best.get(anomaly.signal, 0.0), anomaly.score)
        return sum(min(score, SIGNAL_CAP) for score in best.values())

    @property
    def strong(self) -> bool:
        signals = {a.signal for a in self.causal}
        return self.strength >= STRONG or len(signals) >= 2

    def has(self, signal: str) -> bool:
        return any(a.signal == signal for a in self.causal)

    @property
    def error_origin(self) -> bool:
        """Its spans are where failures start (an error with no error below it)."""
        return any(a.facts.get("origin_spans", 0) > 0 for a in self.causal)


def descendants(edges: Iterable[tuple[str, str]]) -> dict[str, set[str]]:
    """Every service reachable below each caller."""
    callees: dict[str, set[str]] = {}
    for caller, callee in edges:
        if caller != callee:
            callees.setdefault(caller, set()).add(callee)
    below: dict[str, set[str]] = {}
    for start in callees:
        seen: set[str] = set()
        stack = list(callees[start])
        while stack:
            current = stack.pop()
            if current in seen or current == start:
                continue
            seen.add(current)
            stack.extend(callees.get(current, ()))
        below[start] = seen
    return below


def depths(edges: Iterable[tuple[str, str]]) -> dict[str, int]:
    """Longest call path from an entry service (one no service calls) to each service."""
    listed = [(a, b) for a, b in edges if a != b]
    services = {s for edge in listed for s in edge}
    callers = {b for _, b in listed}
    depth = {s: 0 for s in services - callers}
    for _ in range(len(services)):  # relax along edges; a cycle stops after |V| rounds
        changed = False
        for caller, callee in listed:
            if caller in depth and depth[caller] + 1 > depth.get(callee, -1):
                depth[callee] = depth[caller] + 1
                changed = True
        if not changed:
            break
    return depth


def rank_candidates(
    anomalies: Sequence[Anomaly], edges: Iterable[tuple[str, str]]
) -> list[Candidate]:
    """The services of an incident's anomalies, most likely root cause first."""
    edge_list = list(edges)
    services: dict[str, _Service] = {}
    for anomaly in anomalies:
        if anomaly.service:
            services.setdefault(anomaly.service, _Service(anomaly.service)).anomalies.append(
                anomaly
            )
    below = descendants(edge_list)
    depth = depths(edge_list)
    faulty = {name for name, s in services.items() if s.causal and s.strong}
    first_onset = min((s.onset for s in services.values()), default=None)

    def explained_by(name: str) -> list[str]:
        culprits = below.get(name, set()) & faulty
        if services[name].error_origin:  # traces show its failures start in its own spans
            culprits = {c for c in culprits if c in services and services[c].error_origin}
        return sorted(culprits)

    def key(s: _Service) -> tuple[object, ...]:
        onset_slot = (
            int((s.onset - first_onset).total_seconds() // ONSET_RESOLUTION.seconds)
            if first_onset
            else 0
        )
        evidence = int(s.has("logs")) + int(s.has("kubernetes")) + int(s.error_origin)
        return (
            not s.causal,
            bool(explained_by(s.name)),
            -s.strength,
            onset_slot,
            -evidence,
            -depth.get(s.name, 0),
            s.name,
        )

    ordered = sorted(services.values(), key=key)
    return [
        Candidate(
            service=s.name,
            rank=rank,
            onset=s.onset,
            depth=depth.get(s.name, 0),
            explained_by=explained_by(s.name),
            reasons=_reasons(s, explained_by(s.name), depth.get(s.name, 0), first_onset),
            anomaly_ids=[a.id for a in s.anomalies],
            score=round(s.strength, 3),
        )
        for rank, s in enumerate(ordered, start=1)
    ]


def _reasons(
    s: _Service, explained: list[str], depth: int, first_onset: datetime | None
) -> list[str]:
    reasons = [f"explained_by:{','.join(explained)}"] if explained else ["no_anomalous_callee"]
    if not s.causal:
        reasons = ["traffic_only"]
    elif not s.strong:
        reasons.append("weak_evidence")
    reasons.append(f"depth:{depth}")
    if first_onset is not None and s.onset - first_onset < ONSET_RESOLUTION:
        reasons.append("earliest_onset")
    reasons += [
        f"signal:{signal}"
        for signal in ("metrics", "logs", "traces", "kubernetes")
        if s.has(signal)
    ]
    if s.error_origin:
        reasons.append("trace_error_origin")
    return reasons
