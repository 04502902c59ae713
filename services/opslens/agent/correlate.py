"""Deterministic correlation: where errors start, what makes traces slow, how evidence links.

Pure functions over the evidence records of :mod:`opslens.agent.response`. The agent's nodes
fetch the data; these decide what it means, the same way every time.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from opslens.agent.response import LogRecord, PodRecord, SpanRecord, TraceTreeRecord
from opslens_mcp.opensearch.models import is_trace_id


@dataclass(frozen=True)
class ErrorOrigin:
    """A service where failing traces start failing (their deepest erroring span)."""

    service: str
    traces: int
    operation: str
    message: str | None
    dependency: str | None


@dataclass(frozen=True)
class SlowService:
    service: str
    self_ms: float
    share: float  # of the critical-path time of the traces looked at


@dataclass(frozen=True)
class Link:
    source: str
    target: str
    relation: str


@dataclass
class Correlation:
    trace_ids_from_logs: list[str] = field(default_factory=list)
    traces_found: int = 0
    traces_missing: list[str] = field(default_factory=list)
    origins: list[ErrorOrigin] = field(default_factory=list)
    slow_services: list[SlowService] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)

    @property
    def root_cause(self) -> ErrorOrigin | None:
        return self.origins[0] if self.origins else None


def trace_ids_of(logs: Iterable[LogRecord], limit: int = 200) -> list[str]:
    """Distinct trace ids of ``logs``, most frequent first, at most ``limit``; values that are
    no trace id (a "-" some loggers write) are left out, as the trace tools would refuse them."""
    counts = Counter(
        entry.trace_id for entry in logs if entry.trace_id and is_trace_id(entry.trace_id)
    )
    return [trace_id for trace_id, _ in counts.most_common(limit)]


def _depths(spans: list[SpanRecord]) -> dict[str, int]:
    by_id = {span.span_id: span for span in spans}
    depths: dict[str, int] = {}

    def depth(span: SpanRecord) -> int:
        seen: set[str] = set()
        level = 0
        current = span
        while current.parent_id and current.parent_id in by_id and current.span_id not in seen:
            seen.add(current.span_id)
            current = by_id[current.parent_id]
            level += 1
        return level

    for span in spans:
        depths[span.span_id] = depth(span)
    return depths


def deepest_failing_span(trace: TraceTreeRecord) -> SpanRecord | None:
    """The erroring span with no erroring child, deepest first, then earliest."""
    failing = trace.error_spans
    if not failing:
        return None
    failing_parents = {span.parent_id for span in failing if span.parent_id}
    leaves = [span for span in failing if span.span_id not in failing_parents]
    depths = _depths(trace.spans)
    return min(leaves, key=lambda span: (-depths.get(span.span_id, 0), span.start))


def rank_origins(origins: Iterable[SpanRecord]) -> list[ErrorOrigin]:
    """Services where errors start, ranked by how many failing traces start there.

    ``origins`` holds one span per failing trace: the span its errors start at.
    """
    grouped: dict[tuple[str, str | None], list[SpanRecord]] = defaultdict(list)
    for span in origins:
        grouped[(span.service, span.peer)].append(span)
    ranked = []
    for (service, dependency), spans in grouped.items():
        operations = Counter(span.name for span in spans)
        messages = Counter(span.status_message for span in spans if span.status_message)
        ranked.append(
            ErrorOrigin(
                service=service,
                traces=len(spans),
                operation=operations.most_common(1)[0][0],
                message=messages.most_common(1)[0][0] if messages else None,
                dependency=dependency,
            )
        )
    return sorted(ranked, key=lambda origin: (-origin.traces, origin.service))


def error_origins(traces: Iterable[TraceTreeRecord]) -> list[ErrorOrigin]:
    """:func:`rank_origins` of whole traces (their deepest failing spans)."""
    spans = (deepest_failing_span(trace) for trace in traces)
    return rank_origins(span for span in spans if span is not None)


def slow_services(traces: Iterable[TraceTreeRecord]) -> list[SlowService]:
    """Services by the self time they spend on the traces' critical paths."""
    self_time: defaultdict[str, float] = defaultdict(float)
    for trace in traces:
        by_id = {span.span_id: span for span in trace.spans}
        path = trace.critical_path or [span.span_id for span in trace.spans]
        for span_id in path:
            span = by_id.get(span_id)
            if span is not None:
                self_time[span.service] += max(span.self_ms, 0.0)
    total = sum(self_time.values()) or 1.0
    return [
        SlowService(service=service, self_ms=round(ms, 1), share=round(ms / total, 3))
        for service, ms in sorted(self_time.items(), key=lambda item: -item[1])
    ]


def evidence_links(
    logs: Iterable[LogRecord], traces: Iterable[TraceTreeRecord], pods: Iterable[PodRecord]
) -> list[Link]:
    """Edges log -> trace -> service -> pod for the correlation graph (bounded)."""
    links: list[Link] = []
    seen: set[tuple[str, str]] = set()

    def add(source: str, target: str, relation: str) -> None:
        if (source, target) not in seen and len(links) < 200:
            seen.add((source, target))
            links.append(Link(source, target, relation))

    trace_list = list(traces)
    known_traces = {trace.trace_id for trace in trace_list}
    for entry in logs:
        if entry.trace_id and entry.trace_id in known_traces and entry.service:
            add(f"service:{entry.service}", f"trace:{entry.trace_id}", "logged error in")
    for trace in trace_list:
        origin = deepest_failing_span(trace)
        if origin is not None:
            add(f"trace:{trace.trace_id}", f"service:{origin.service}", "fails at")
            if origin.peer:
                add(f"service:{origin.service}", f"service:{origin.peer}", "depends on")
    for pod in pods:
        if pod.service:
            add(f"service:{pod.service}", f"pod:{pod.name}", "runs as")
    return links


def correlate(
    logs: list[LogRecord],
    trees: list[TraceTreeRecord],
    pods: list[PodRecord],
    requested_ids: list[str],
    found_ids: set[str],
    origin_spans: list[SpanRecord],
) -> Correlation:
    """Everything the answer needs from logs, the traces they point to, and the pods.

    ``origin_spans`` holds, per failing trace, the span its errors start at; ``trees`` the
    traces fetched whole (for critical paths and links).
    """
    return Correlation(
        trace_ids_from_logs=requested_ids,
        traces_found=len(found_ids & set(requested_ids)),
        traces_missing=[trace_id for trace_id in requested_ids if trace_id not in found_ids],
        origins=rank_origins(origin_spans),
        slow_services=slow_services(trees),
        links=evidence_links(logs, trees, pods),
    )
