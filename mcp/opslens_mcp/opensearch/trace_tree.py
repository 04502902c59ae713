"""Spans of one trace as a tree: depth, self time, the critical path and where errors start.

Pure functions over :class:`~opslens_mcp.opensearch.normalize.Span`. Real traces are often
partial: a span whose parent is not in the data is an *orphan* and becomes a root of its own
(flagged), and a parent loop in corrupt data is cut rather than followed forever.

The critical path follows Jaeger's definition: walking back from the end of the root span,
the child that finishes last is on the path, then the child that finishes last before that
child started, and so on; time no child covers is the parent's own.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from functools import cached_property

from opslens_mcp.opensearch.normalize import Span


@dataclass(frozen=True)
class PathSegment:
    """A stretch of time the trace spent in one span, on the critical path."""

    span: Span
    start_ns: int
    end_ns: int

    @property
    def duration_ns(self) -> int:
        return self.end_ns - self.start_ns


@dataclass(frozen=True)
class TreeNode:
    span: Span
    depth: int
    children: tuple[str, ...]
    self_ns: int
    orphan: bool


@dataclass
class TraceTree:
    """A trace's spans in depth-first order with what an investigation needs first (the
    critical path and where errors start are worked out when first read)."""

    trace_id: str
    nodes: list[TreeNode]
    root: Span | None
    orphans: list[str]
    error_spans: list[Span]
    start_ns: int
    end_ns: int
    services: list[str] = field(default_factory=list)
    children: dict[str, list[Span]] = field(default_factory=dict)
    """Each span's children, earliest first."""

    @cached_property
    def critical_path(self) -> list[PathSegment]:
        return critical_path(self.root, self.children) if self.root else []

    @cached_property
    def error_origins(self) -> list[Span]:
        """Error spans with no error below them: where failures start."""
        return [s for s in self.error_spans if not _has_error_below(s, self.children)]

    @property
    def duration_ns(self) -> int:
        return self.end_ns - self.start_ns


def _covered(intervals: list[tuple[int, int]]) -> int:
    """Length of the union of ``intervals``."""
    total, reach = 0, None
    for start, end in sorted(intervals):
        if reach is None or start > reach:
            total += end - start
            reach = end
        elif end > reach:
            total += end - reach
            reach = end
    return total


def self_time(span: Span, children: Sequence[Span]) -> int:
    """``span``'s duration minus the time its children cover inside it (overlaps counted once)."""
    inside = [
        (max(child.start_ns, span.start_ns), min(child.end_ns, span.end_ns)) for child in children
    ]
    return span.duration_ns - _covered([(s, e) for s, e in inside if e > s])


@dataclass
class _Frame:
    span: Span
    start_ns: int
    end_ns: int
    cursor: int
    kids: Iterator[Span]


def critical_path(root: Span, children: dict[str, list[Span]]) -> list[PathSegment]:
    """The critical path under ``root`` in time order (adjacent stretches of a span merged)."""
    segments: list[PathSegment] = []
    frames = [_Frame(root, root.start_ns, root.end_ns, root.end_ns, _latest_first(root, children))]
    seen = {root.span_id}
    while frames:
        frame = frames[-1]
        kid = next(frame.kids, None)
        if kid is None:
            if frame.cursor > frame.start_ns:
                segments.append(PathSegment(frame.span, frame.start_ns, frame.cursor))
            frames.pop()
            continue
        kid_start = max(kid.start_ns, frame.start_ns)
        kid_end = min(kid.end_ns, frame.end_ns, frame.cursor)
        if kid_start >= frame.cursor or kid_end <= kid_start or kid.span_id in seen:
            continue
        if kid_end < frame.cursor:
            segments.append(PathSegment(frame.span, kid_end, frame.cursor))
        frame.cursor = kid_start
        seen.add(kid.span_id)
        frames.append(_Frame(kid, kid_start, kid_end, kid_end, _latest_first(kid, children)))
    return _merged(sorted(segments, key=lambda s: s.start_ns))


def _latest_first(span: Span, children: dict[str, list[Span]]) -> Iterator[Span]:
    return iter(sorted(children.get(span.span_id, []), key=lambda s: s.end_ns, reverse=True))


def _merged(segments: list[PathSegment]) -> list[PathSegment]:
    merged: list[PathSegment] = []
    for segment in segments:
        last = merged[-1] if merged else None
        if last and last.span is segment.span and last.end_ns == segment.start_ns:
            merged[-1] = PathSegment(last.span, last.start_ns, segment.end_ns)
        else:
            merged.append(segment)
    return merged


def build_tree(trace_id: str, spans: Sequence[Span]) -> TraceTree:
    """Link ``spans`` (one trace, any order) into a :class:`TraceTree`."""
    by_id: dict[str, Span] = {}
    for span in spans:
        by_id.setdefault(span.span_id, span)
    unique = list(by_id.values())
    children: dict[str, list[Span]] = {}
    roots: list[Span] = []
    orphans: list[str] = []
    for span in unique:
        parent = span.parent_id
        if parent and parent != span.span_id and parent in by_id:
            children.setdefault(parent, []).append(span)
        else:
            roots.append(span)
            if parent:
                orphans.append(span.span_id)
    for kids in children.values():
        kids.sort(key=lambda s: (s.start_ns, s.span_id))
    roots.sort(key=lambda s: (bool(s.parent_id), s.start_ns, -s.duration_ns))

    nodes = _depth_first(roots, children)
    placed = {node.span.span_id for node in nodes}
    looped = [span for span in unique if span.span_id not in placed]  # parent cycles
    for span in looped:
        if span.span_id not in placed:
            orphans.append(span.span_id)
            extra = _depth_first([span], children, placed)
            placed.update(node.span.span_id for node in extra)
            nodes += extra
    orphan_set = set(orphans)
    nodes = [
        TreeNode(n.span, n.depth, n.children, n.self_ns, n.span.span_id in orphan_set)
        for n in nodes
    ]

    root = roots[0] if roots else None
    errors = [node.span for node in nodes if node.span.error]
    return TraceTree(
        trace_id=trace_id,
        nodes=nodes,
        root=root,
        orphans=orphans,
        error_spans=errors,
        start_ns=min((s.start_ns for s in unique), default=0),
        end_ns=max((s.end_ns for s in unique), default=0),
        services=sorted({s.service for s in unique}),
        children=children,
    )


def _depth_first(
    roots: Sequence[Span], children: dict[str, list[Span]], placed: set[str] | None = None
) -> list[TreeNode]:
    visited = set(placed or ())
    nodes: list[TreeNode] = []
    stack = [(root, 0) for root in reversed(roots)]
    while stack:
        span, depth = stack.pop()
        if span.span_id in visited:
            continue
        visited.add(span.span_id)
        kids = children.get(span.span_id, [])
        nodes.append(
            TreeNode(span, depth, tuple(k.span_id for k in kids), self_time(span, kids), False)
        )
        stack.extend((kid, depth + 1) for kid in reversed(kids))
    return nodes


def _has_error_below(span: Span, children: dict[str, list[Span]]) -> bool:
    stack = list(children.get(span.span_id, []))
    seen: set[str] = set()
    while stack:
        kid = stack.pop()
        if kid.span_id in seen:
            continue
        seen.add(kid.span_id)
        if kid.error:
            return True
        stack.extend(children.get(kid.span_id, []))
    return False
