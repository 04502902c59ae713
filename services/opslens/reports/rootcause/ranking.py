"""The one root-cause ranking: the reports' incidents, the agent's answers and the offline
evaluation on recorded faults all rank their findings here.

A finding is one number that moved in one service against its baseline (a detector's anomaly,
or a signal of :mod:`opslens.reports.rootcause.scoring`), with what in the service moved: its
fine-grained cause (:class:`~opslens.reports.models.CauseEvidence`).

A failing callee explains its callers' errors and slowness, so a service with a strongly
anomalous service below it (directly or further down), whose evidence is at least as strong as
its own, ranks after the services nothing explains: along a call path, the deepest anomalous
service comes first. A caller that moved far more than anything below it is not explained (on
real systems some service always moves a little: noise below does not excuse a caller). The
detectors' errors and latency of a service (its symptoms) say that its requests suffer, not
where: each weighs one convincing signal at most. When either service moved convincingly in
itself (a period finding at the level that alone convinces), what moved in the callee itself is
weighed against what moved in the caller itself, and the caller's symptoms must be explained
too: by a callee whose own requests suffer (a symptom, or its network or resources moved
convincingly), or that moved at least as much in all. When
traces show a service's failures starting in its own spans (an error span with no error below
it, such as a connection it could not open), only a callee whose spans also start failures
explains it: a callee it cannot reach looks failing in the metrics but is not the cause.
A callee whose calls from a caller spend convincingly longer on the way (its call gap from that
caller) explains what the caller does differently while it waits (statements that stop, calls
that time out), however much that weighs, unless the caller's own network or resources moved
convincingly too: a caller short of CPU, or whose own network is slow, lengthens its calls'
gaps itself.
Services on separate paths are not each other's cause, so among the unexplained ones the
strength of the evidence decides (the strongest score of each signal, capped, summed over
signals: a failure seen in metrics, logs and traces beats a blip in one), then the earliest
onset, then log and Kubernetes evidence and where trace errors start, then depth, then the
strongest single score.
A change of traffic alone explains nothing (a callee sees less traffic because its caller
fails).

Example::

    ranked = rank_findings([finding_of(a) for a in incident.anomalies], edges)
    ranked[0].service, ranked[0].cause  # 'payment', CauseEvidence(area='resource', ...)
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from opslens.reports.models import Anomaly, Candidate, CauseArea, CauseEvidence

NON_CAUSAL_KINDS = frozenset({"request_rate"})
# Onsets read from these are coarse: a burn needs minutes of errors to show, span statistics
# come in buckets and error types from a sample of traces. Others time the onset when present.
COARSE_ONSET_KINDS = frozenset(
    {"slo_burn", "trace_p50", "trace_p95", "trace_error_ratio", "new_error_type", "call_gap"}
)
SYMPTOM_KINDS = frozenset(
    {
        "error_ratio",
        "latency_p50",
        "latency_p95",
        "slo_burn",
        "error_logs",
        "trace_p50",
        "trace_p95",
        "trace_error_ratio",
    }
)
"""A detector's measures of how a service's requests fare: a failing callee passes its errors
and slowness up to every caller."""
SIGNAL_CAP = 5.0
STRONG = 2.0
SYMPTOM_CAP = STRONG
"""A symptom says that a service's requests suffer, not where: however far it moved, it weighs
as one convincing signal at most."""
ONSET_RESOLUTION = timedelta(minutes=2)
EVIDENCE_KEPT = 5
AREAS: dict[str, CauseArea] = {
    "cpu": "resource",
    "memory": "resource",
    "resource": "resource",
    "call_gap": "network",
    "new_log_template": "code",
    "new_error_type": "code",
    "statement_stopped": "code",
    "statement_new": "code",
    "statement_fewer": "code",
    "statement_more": "code",
    "order_changed": "code",
    "trace_p50": "operation",
    "trace_p95": "operation",
    "trace_error_ratio": "operation",
    "restarts": "kubernetes",
}
"""What in a service each kind of finding names; the rest are measures of the whole service."""


@dataclass(frozen=True)
class Finding:
    """One moved number of one service, with when it started (None: not timed) and whether
    failures start in the service's own spans."""

    service: str
    evidence: CauseEvidence
    onset: datetime | None = None
    origin: bool = False

    @property
    def kind(self) -> str:
        return self.evidence.kind

    @property
    def signal(self) -> str:
        return self.evidence.signal

    @property
    def score(self) -> float:
        return self.evidence.score

    @property
    def detected(self) -> bool:
        """A detector's anomaly (else a finding of the period's requests and resources)."""
        return self.evidence.anomaly_id is not None

    @property
    def symptom(self) -> bool:
        return self.detected and self.kind in SYMPTOM_KINDS

    @property
    def weight(self) -> float:
        """What it adds to its service's strength at most (its score, capped)."""
        return min(self.score, SYMPTOM_CAP if self.symptom else SIGNAL_CAP)


def finding_of(anomaly: Anomaly) -> Finding:
    """A detector's anomaly as a finding (its service must be set)."""
    area: CauseArea = (
        "kubernetes" if anomaly.signal == "kubernetes" else AREAS.get(anomaly.kind, "service")
    )
    subject, operation = anomaly.subject or "", ""
    if anomaly.kind == "call_gap":
        subject = anomaly.label.split(" -> ")[0]  # the calling service
    elif anomaly.kind == "new_error_type":
        subject, operation = anomaly.label, anomaly.subject or ""
    elif area == "resource":  # the measure first (as the period findings name it), then the pod
        subject = " ".join(part for part in (anomaly.kind, anomaly.subject) if part)
    elif area == "service":
        subject = ""
    evidence = CauseEvidence(
        signal=anomaly.signal,
        kind=anomaly.kind,
        area=area,
        subject=subject,
        operation=operation,
        value=anomaly.value,
        baseline=anomaly.baseline,
        unit=anomaly.unit,
        score=anomaly.score,
        anomaly_id=anomaly.id,
    )
    origin = anomaly.facts.get("origin_spans", 0) > 0
    return Finding(str(anomaly.service), evidence, anomaly.start, origin)


@dataclass
class _Service:
    name: str
    findings: list[Finding] = field(default_factory=list)

    @property
    def causal(self) -> list[Finding]:
        return [f for f in self.findings if f.kind not in NON_CAUSAL_KINDS]

    @property
    def onset(self) -> datetime | None:
        timed = [f for f in self.findings if f.onset is not None]
        fine = [f for f in timed if f.kind not in COARSE_ONSET_KINDS] or timed
        return min((f.onset for f in fine if f.onset is not None), default=None)

    @property
    def strength(self) -> float:
        """Sum over signals of the strongest score in each (capped): multimodal evidence."""
        return _strength(self.causal)

    @property
    def own_strength(self) -> float:
        """The strength of what moved in the service itself (its symptoms left out)."""
        return _strength([f for f in self.causal if not f.symptom])

    @property
    def symptoms(self) -> bool:
        return any(f.symptom for f in self.causal)

    @property
    def suffers(self) -> bool:
        """Its own requests fail or slow down (a symptom, or its network or resources moved
        convincingly): it passes errors and slowness up to its callers."""
        return self.symptoms or self.network_or_resources_moved

    @property
    def network_or_resources_moved(self) -> bool:
        """Its own network (the calls into it) or resources moved convincingly."""
        return any(
            f.evidence.area in ("network", "resource") and f.score >= STRONG for f in self.causal
        )

    def delays_calls_from(self, caller: str) -> bool:
        """The calls from ``caller`` into it spend convincingly longer on the way (its call
        gap from that caller): what the caller does differently while it waits follows."""
        return any(
            f.kind == "call_gap" and f.evidence.subject == caller and f.score >= STRONG
            for f in self.causal
        )

    @property
    def convincing(self) -> bool:
        """Its own requests or resources moved at a level that alone convinces."""
        return any(not f.detected and f.score >= STRONG for f in self.causal)

    @property
    def peak(self) -> float:
        return max((f.score for f in self.causal), default=0.0)

    @property
    def strong(self) -> bool:
        signals = {f.signal for f in self.causal}
        return self.strength >= STRONG or len(signals) >= 2

    def has(self, signal: str) -> bool:
        return any(f.signal == signal for f in self.causal)

    @property
    def error_origin(self) -> bool:
        """Its spans are where failures start (an error with no error below it)."""
        return any(f.origin for f in self.causal)

    def evidence(self) -> list[CauseEvidence]:
        """Its findings, causal first, by their weight in its strength, then strongest first
        (the first is the fine-grained cause: a symptom comes after what moved in it)."""
        ordered = sorted(
            self.findings,
            key=lambda f: (f.kind in NON_CAUSAL_KINDS, -f.weight, -f.score, f.evidence.subject),
        )
        return [f.evidence for f in ordered[:EVIDENCE_KEPT]]


def _strength(findings: Iterable[Finding]) -> float:
    best: dict[str, float] = {}
    for finding in findings:
        best[finding.signal] = max(best.get(finding.signal, 0.0), finding.weight)
    return sum(best.values())


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


def rank_findings(findings: Iterable[Finding], edges: Iterable[tuple[str, str]]) -> list[Candidate]:
    """The services of ``findings``, most likely root cause first, each with its evidence."""
    edge_list = list(edges)
    services: dict[str, _Service] = {}
    for finding in findings:
        services.setdefault(finding.service, _Service(finding.service)).findings.append(finding)
    below = descendants(edge_list)
    depth = depths(edge_list)
    faulty = {name for name, s in services.items() if s.causal and s.strong}
    first_onset = min((o for s in services.values() if (o := s.onset) is not None), default=None)

    strength = {name: s.strength for name, s in services.items()}

    def explains(culprit: str, name: str) -> bool:
        # A convincing change is weighed against what moved in the other service itself, and
        # a caller's errors and slowness are explained by a callee whose requests suffer too
        # (or that moved at least as much in all).
        below, above = services[culprit], services[name]
        # A callee that delays the caller's calls explains what the caller does while it
        # waits, unless the caller's own network or resources lengthened those calls.
        if below.delays_calls_from(name) and not above.network_or_resources_moved:
            return True
        if not (below.convincing or above.convincing):
            return strength[culprit] >= strength[name]
        symptoms = below.suffers or strength[culprit] >= strength[name] or not above.symptoms
        return below.own_strength >= above.own_strength and symptoms

    def explained_by(name: str) -> list[str]:
        culprits = {c for c in below.get(name, set()) & faulty if explains(c, name)}
        if services[name].error_origin:  # traces show its failures start in its own spans
            culprits = {
                c
                for c in culprits
                if services[c].error_origin or services[c].delays_calls_from(name)
            }
        return sorted(culprits)

    def onset_slot(s: _Service) -> int:
        onset = s.onset
        if first_onset is None or onset is None:
            return 0
        return int((onset - first_onset).total_seconds() // ONSET_RESOLUTION.seconds)

    def key(s: _Service) -> tuple[object, ...]:
        evidence = int(s.has("logs")) + int(s.has("kubernetes")) + int(s.error_origin)
        return (
            not s.causal,
            bool(explained_by(s.name)),
            -s.strength,
            onset_slot(s),
            -evidence,
            -depth.get(s.name, 0),
            -s.peak,
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
            anomaly_ids=[f.evidence.anomaly_id for f in s.findings if f.evidence.anomaly_id],
            score=round(s.strength, 3),
            evidence=s.evidence(),
        )
        for rank, s in enumerate(ordered, start=1)
    ]


def rank_candidates(
    anomalies: Sequence[Anomaly], edges: Iterable[tuple[str, str]]
) -> list[Candidate]:
    """An incident's anomalies (those of a service) ranked by :func:`rank_findings`."""
    return rank_findings((finding_of(a) for a in anomalies if a.service), edges)


def _reasons(
    s: _Service, explained: list[str], depth: int, first_onset: datetime | None
) -> list[str]:
    reasons = [f"explained_by:{','.join(explained)}"] if explained else ["no_anomalous_callee"]
    if not s.causal:
        reasons = ["traffic_only"]
    elif not s.strong:
        reasons.append("weak_evidence")
    reasons.append(f"depth:{depth}")
    onset = s.onset
    if first_onset is not None and onset is not None and onset - first_onset < ONSET_RESOLUTION:
        reasons.append("earliest_onset")
    reasons += [
        f"signal:{signal}"
        for signal in ("metrics", "logs", "traces", "kubernetes")
        if s.has(signal)
    ]
    if s.error_origin:
        reasons.append("trace_error_origin")
    return reasons
