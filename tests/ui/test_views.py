"""The pure parts of the views: waterfall layout, DOT escaping, filters, labels, escaping."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from opslens_ui.contract import (
    AnomalyWindow,
    Correlation,
    Link,
    MetricSeries,
    SpanRecord,
    TraceTree,
)
from opslens_ui.correlation_view import MAX_TRACE_NODES, correlation_dot, grouped_traces
from opslens_ui.filters import ANY, CUSTOM, build_filters
from opslens_ui.formatting import escape_markdown, format_ms, parse_time
from opslens_ui.logs_view import trace_link
from opslens_ui.metrics_view import metric_chart, series_labels
from opslens_ui.traces_view import waterfall_rows

T0 = "2026-11-26T01:00:00.000000000Z"
QUOTED = re.compile(r'"(?:[^"\\]|\\.)*"')


def span(
    span_id: str, parent: str | None, offset_ms: float, duration_ms: float, **extra: object
) -> SpanRecord:
    start = parse_time(T0) + timedelta(milliseconds=offset_ms)
    return SpanRecord.model_validate(
        {
            "span_id": span_id,
            "parent_id": parent,
            "service": f"svc-{span_id}",
            "name": f"op-{span_id}",
            "start": start.isoformat(),
            "duration_ms": duration_ms,
            **extra,
        }
    )


def test_waterfall_puts_children_under_parents_in_start_order() -> None:
    tree = TraceTree(
        trace_id="t",
        spans=[
            span("late", "root", 50, 10),
            span("root", None, 0, 100),
            span("early", "root", 5, 40, error=True),
            span("grandchild", "early", 6, 30),
            span("orphan", "not-in-trace", 70, 5),
        ],
        critical_path=["root", "early"],
    )
    rows = waterfall_rows(tree)
    assert [(row.label.split(" · ")[0], row.depth) for row in rows] == [
        ("svc-root", 0),
        ("svc-early", 1),
        ("svc-grandchild", 2),
        ("svc-late", 1),
        ("svc-orphan", 0),
    ]
    kinds = {row.service: row.kind for row in rows}
    assert kinds == {
        "svc-root": "critical path",
        "svc-early": "error",  # an error wins over the critical path
        "svc-grandchild": "other",
        "svc-late": "other",
        "svc-orphan": "other",
    }
    late = next(row for row in rows if row.service == "svc-late")
    assert (late.start_ms, late.end_ms) == (50.0, 60.0)


def test_waterfall_keeps_nanosecond_starts_and_skips_unreadable_ones() -> None:
    tree = TraceTree(
        trace_id="t",
        spans=[
            SpanRecord(span_id="a", start="2026-11-26T01:00:00.000000000Z", duration_ms=1),
            SpanRecord(
                span_id="b", parent_id="a", start="2026-11-26T01:00:00.000250000Z", duration_ms=1
            ),
            SpanRecord(span_id="c", parent_id="a", start="not a time", duration_ms=1),
        ],
    )
    rows = waterfall_rows(tree)
    assert [row.start_ms for row in rows] == [0.0, 0.25]


def test_dot_labels_cannot_change_the_graph() -> None:
    hostile = 'evil"]; x -> y; "\\'
    dot = correlation_dot(
        Correlation(links=[Link(source=f"service:{hostile}", target="pod:p", relation='a"b')]),
        "ko",
    )
    assert hostile not in dot, "never unescaped"
    structure = QUOTED.sub("S", dot)  # what is left once every quoted string is taken out
    assert '"' not in structure, "no quote escaped its string"
    assert structure.count(" -> ") == 1, "one real edge"


def test_many_traces_are_grouped_by_their_neighbours() -> None:
    count = MAX_TRACE_NODES + 5
    links = [
        Link(source="service:order", target=f"trace:{n}", relation="logged") for n in range(count)
    ]
    links += [
        Link(source=f"trace:{n}", target="service:payment", relation="fails at")
        for n in range(count)
    ]
    grouped = grouped_traces(links)
    assert len(grouped) == 2
    assert {link.target for link in grouped if link.source == "service:order"} == {
        f"traces:{count} traces #0"
    }
    few = links[:2]
    assert grouped_traces(few) == few


def test_filters_quick_range_ends_now_and_custom_is_utc() -> None:
    now = datetime(2026, 11, 26, 1, 0, tzinfo=UTC)
    quick = build_filters([], "error", ANY, "last 3 hours", (None, None), now)
    assert quick.level == "error" and quick.services is None and quick.namespace is None
    assert quick.start == (now - timedelta(hours=3)).isoformat() and quick.end == now.isoformat()
    custom = build_filters(
        ["order-service"], ANY, "shop", CUSTOM, (datetime(2026, 11, 25, 22, 0), None), now
    )
    assert custom.level is None and custom.services == ["order-service"]
    assert custom.namespace == "shop"
    assert custom.start == "2026-11-25T22:00:00+00:00" and custom.end is None
    assert build_filters([], ANY, ANY, ANY, (None, None), now).is_empty


def test_series_are_told_apart_by_the_labels_that_differ() -> None:
    series = [
        MetricSeries(name="cpu", labels={"namespace": "shop", "pod": "a"}),
        MetricSeries(name="cpu", labels={"namespace": "shop", "pod": "b"}),
    ]
    assert series_labels(series) == ["pod=a", "pod=b"]
    assert series_labels(series[:1]) == ["namespace=shop, pod=a"]
    assert series_labels([MetricSeries(name="up")]) == ["up"]


def test_markdown_and_links() -> None:
    assert escape_markdown("**x** :red[y] <b>") == "\\*\\*x\\*\\* \\:red\\[y\\] \\<b\\>"
    assert trace_link("http://ui:8501/?trace=old", "abc") == "http://ui:8501/?trace=abc"
    assert format_ms(850) == "850 ms" and format_ms(1520) == "1.52 s"


def test_anomaly_windows_are_shaded_behind_the_lines() -> None:
    series = [MetricSeries(name="error_ratio", points=[(1795656840.0, 0.0), (1795656900.0, 0.5)])]
    window = AnomalyWindow(start="2026-11-26T01:34:30Z", end="2026-11-26T01:35:00Z", label="outage")
    spec = metric_chart("error_ratio", series, [window], "en").to_dict()
    assert [layer["mark"]["type"] for layer in spec["layer"]] == ["rect", "line"]
    assert "layer" not in metric_chart("error_ratio", series, [], "en").to_dict()
