"""Trace trees: self time, critical path, orphans and error origins, on the real sample app."""

from __future__ import annotations

import itertools
from collections import defaultdict
from pathlib import Path

import pytest

from opslens_mcp.opensearch.normalize import Span, span_of
from opslens_mcp.opensearch.profiles import TraceProfile
from opslens_mcp.opensearch.trace_tree import build_tree, self_time
from tests.opensearch.public_data import read_public_data

MS = 1_000_000


def span(span_id: str, parent: str | None, start: int, end: int, error: bool = False) -> Span:
    return Span(
        "t",
        span_id,
        parent,
        f"svc-{span_id}",
        f"op-{span_id}",
        None,
        start * MS,
        (end - start) * MS,
        error,
        None,
        None,
    )


def test_self_time_counts_overlapping_children_once() -> None:
    parent = span("a", None, 0, 100)
    children = [span("b", "a", 10, 50), span("c", "a", 30, 70), span("d", "a", 90, 120)]
    assert self_time(parent, children) == (100 - 60 - 10) * MS


def test_critical_path_follows_the_last_finishing_child() -> None:
    # a: 0-100; b: 5-40 (with b1 10-30); c: 20-90 (parallel with b, ends last); d: 92-95
    spans = [
        span("a", None, 0, 100),
        span("b", "a", 5, 40),
        span("b1", "b", 10, 30),
        span("c", "a", 20, 90),
        span("d", "a", 92, 95),
    ]
    tree = build_tree("t", spans)
    path = [(s.span.span_id, s.start_ns // MS, s.end_ns // MS) for s in tree.critical_path]
    assert path == [
        ("a", 0, 5),
        ("b", 5, 10),
        ("b1", 10, 20),
        ("c", 20, 90),
        ("a", 90, 92),
        ("d", 92, 95),
        ("a", 95, 100),
    ]
    assert sum(s.duration_ns for s in tree.critical_path) == 100 * MS


def test_orphans_loops_and_duplicates_do_not_break_the_tree() -> None:
    spans = [
        span("root", None, 0, 10),
        span("x", "gone", 2, 4),
        span("p", "q", 0, 1),
        span("q", "p", 0, 1),
        span("root", None, 0, 10),
    ]
    tree = build_tree("t", spans)
    assert tree.nodes[0].span.span_id == "root" and tree.nodes[0].depth == 0
    assert {n.span.span_id for n in tree.nodes} == {"root", "x", "p", "q"}
    assert "x" in tree.orphans and tree.root is not None and tree.root.span_id == "root"
    assert {n.span.span_id for n in tree.nodes if n.orphan} >= {"x"}


def test_error_origins_are_the_deepest_errors() -> None:
    spans = [
        span("a", None, 0, 10, error=True),
        span("b", "a", 1, 9, error=True),
        span("c", "b", 2, 8, error=True),
        span("d", "a", 1, 2, error=True),
    ]
    tree = build_tree("t", spans)
    assert {s.span_id for s in tree.error_origins} == {"c", "d"}


@pytest.fixture(scope="module")
def sample_traces(shared_data: Path) -> dict[str, list[Span]]:
    traces: dict[str, list[Span]] = defaultdict(list)
    for doc in read_public_data(shared_data).docs["dp_spans"]:
        traces[doc["traceId"]].append(span_of(doc, TraceProfile()))
    return traces


def test_sample_app_trees(sample_traces: dict[str, list[Span]]) -> None:
    orphans = 0
    for trace_id, spans in sample_traces.items():
        tree = build_tree(trace_id, spans)
        ids = {s.span_id for s in spans}
        expected_orphans = {s.span_id for s in spans if s.parent_id and s.parent_id not in ids}
        assert set(tree.orphans) == expected_orphans
        orphans += len(tree.orphans)
        assert len(tree.nodes) == len(ids)
        by_id = {n.span.span_id: n for n in tree.nodes}
        for node in tree.nodes:
            assert 0 <= node.self_ns <= node.span.duration_ns
            if node.span.parent_id in by_id:
                assert node.depth == by_id[node.span.parent_id].depth + 1
        assert tree.root is not None
        path = tree.critical_path
        assert path[0].start_ns == tree.root.start_ns and path[-1].end_ns == tree.root.end_ns
        assert all(a.end_ns == b.start_ns for a, b in itertools.pairwise(path))
        errors = {s.span_id for s in spans if s.error}
        assert {s.span_id for s in tree.error_spans} == errors
        assert {s.span_id for s in tree.error_origins} <= errors
        assert bool(errors) == bool(tree.error_origins)
    all_spans = [s for spans in sample_traces.values() for s in spans]
    every_id = {s.span_id for s in all_spans}
    assert orphans == sum(1 for s in all_spans if s.parent_id and s.parent_id not in every_id)
