"""The traces tab: the traces found, and a waterfall of one trace's spans on a time axis.

The waterfall draws one row per span, children under their parent and indented by depth, each
bar from the span's start to its end relative to the trace's start. Spans that failed are red,
spans on the critical path (what the trace's duration waited on) are orange, so "where did
the time go" and "where did it break" read at a glance.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import altair as alt
import pandas as pd
import streamlit as st

from opslens_ui.contract import SpanRecord, TraceEvidence, TraceTree
from opslens_ui.formatting import escape_markdown, format_ms, format_time, short_id, try_parse_time
from opslens_ui.i18n import Language, text
from opslens_ui.tables import show_table

ROW_HEIGHT_PX = 22
INDENT_PX = 14
LABEL_WIDTH_PX = 280  # with the bars, fits the answer column of a 1280 px wide window
BARS_WIDTH_PX = 540
KIND_COLORS = {"error": "#d62728", "critical path": "#ff7f0e", "other": "#9ecae1"}


@dataclass(frozen=True)
class WaterfallRow:
    order: int
    label: str
    service: str
    name: str
    depth: int
    start_ms: float
    end_ms: float
    duration_ms: float
    self_ms: float | None
    kind: str
    status_message: str
    peer: str


def waterfall_rows(tree: TraceTree) -> list[WaterfallRow]:
    """The spans of ``tree`` in display order: depth-first from the roots, siblings by start.

    A span whose parent is not in the trace (a partial trace) is drawn as a root, so no span
    is hidden; only a span without a readable start time is left out.
    """
    parsed = {span.span_id: try_parse_time(span.start) for span in tree.spans}
    starts = {span_id: start for span_id, start in parsed.items() if start is not None}
    if not starts:
        return []
    trace_start = min(starts.values())
    children: dict[str | None, list[SpanRecord]] = {}
    for span in tree.spans:
        if span.span_id not in starts:
            continue  # no readable start time: it cannot be placed on the axis
        parent = span.parent_id if span.parent_id in starts else None
        children.setdefault(parent, []).append(span)
    for siblings in children.values():
        siblings.sort(key=lambda span: (starts[span.span_id], span.span_id))
    critical = set(tree.critical_path)
    rows: list[WaterfallRow] = []
    pending = [(root, 0) for root in reversed(children.get(None, []))]
    while pending:  # depth-first without recursion: traces can be thousands of spans deep
        span, depth = pending.pop()
        offset_ms = (starts[span.span_id] - trace_start).total_seconds() * 1000
        rows.append(
            WaterfallRow(
                order=len(rows),
                label=f"{span.service} · {span.name}",
                service=span.service,
                name=span.name,
                depth=depth,
                start_ms=round(offset_ms, 3),
                end_ms=round(offset_ms + span.duration_ms, 3),
                duration_ms=span.duration_ms,
                self_ms=span.self_ms,
                kind="error"
                if span.error
                else "critical path"
                if span.span_id in critical
                else "other",
                status_message=span.status_message or "",
                peer=span.peer or "",
            )
        )
        pending.extend((child, depth + 1) for child in reversed(children.get(span.span_id, [])))
    return rows


def waterfall_chart(rows: list[WaterfallRow], language: Language) -> alt.HConcatChart:
    """Span names (indented by depth) beside bars from each span's start to its end."""

    def tip(field: str, name: str, number_format: str | None = None) -> alt.Tooltip:
        title = text(f"traces.tip.{name}", language)
        if number_format is None:
            return alt.Tooltip(field, title=title)
        return alt.Tooltip(field, title=title, format=number_format)

    frame = pd.DataFrame([asdict(row) for row in rows])
    frame["indent_px"] = 4 + frame["depth"] * INDENT_PX
    frame["duration"] = [format_ms(value) for value in frame["duration_ms"]]
    base = alt.Chart(frame)
    row = alt.Y("order:O", axis=None)
    height = alt.Step(ROW_HEIGHT_PX)
    names = base.mark_text(align="left", baseline="middle", limit=LABEL_WIDTH_PX).encode(
        x=alt.X("indent_px:Q", scale=None, axis=None),
        y=row,
        text="label:N",
        tooltip=["service:N", tip("name:N", "operation")],
    )
    kinds = list(KIND_COLORS)
    bars = base.mark_bar(cornerRadius=2).encode(
        x=alt.X("start_ms:Q", title=text("traces.axis", language)),
        x2="end_ms:Q",
        y=row,
        color=alt.Color(
            "kind:N",
            scale=alt.Scale(domain=kinds, range=[KIND_COLORS[k] for k in kinds]),
            legend=None,  # the caption under the chart explains the colours
        ),
        tooltip=[
            alt.Tooltip("service:N"),
            tip("name:N", "operation"),
            tip("duration_ms:Q", "duration", ".1f"),
            tip("self_ms:Q", "self", ".1f"),
            tip("start_ms:Q", "start", ".1f"),
            tip("peer:N", "calls"),
            tip("status_message:N", "status"),
        ],
    )
    durations = base.mark_text(align="left", baseline="middle", dx=4, fontSize=10).encode(
        x="end_ms:Q", y=row, text="duration:N"
    )
    return alt.hconcat(
        names.properties(width=LABEL_WIDTH_PX, height=height),
        alt.layer(bars, durations).properties(width=BARS_WIDTH_PX, height=height),
        spacing=0,
    ).resolve_scale(y="shared")


def default_tree(trees: list[TraceTree], focus_service: str | None) -> int:
    """Which trace to draw first: one failing in ``focus_service`` (the root cause), else the
    first with a failed span, else the first."""
    for wanted in (focus_service, None):
        for index, tree in enumerate(trees):
            if any(span.error and wanted in (None, span.service) for span in tree.spans):
                return index
    return 0


def traces_note(evidence: TraceEvidence, language: Language) -> str:
    """``12 traces slower than 1.50 s`` (and that more exist when the list was cut)."""
    count = len(evidence.summaries)
    if evidence.threshold_ms:
        threshold = format_ms(evidence.threshold_ms)
        note = text("traces.count_slower", language, count=count, threshold=threshold)
    else:
        note = text("traces.count", language, count=count)
    return note + (text("traces.more", language) if evidence.truncated else "")


def render_traces(
    evidence: TraceEvidence, key: str, language: Language, focus_service: str | None = None
) -> None:
    """The waterfall of one trace, its failing spans, then the list of traces found.

    The trace drawn first is one that fails in ``focus_service`` when there is one.
    """
    st.caption(escape_markdown(traces_note(evidence, language)))
    if evidence.trees:
        _render_waterfall(evidence, key, language, focus_service)
    else:
        st.info(text("traces.no_tree", language))
    if evidence.summaries:
        show_table(_summaries_frame(evidence), language, f"{key}-summaries", height=250)


def _render_waterfall(
    evidence: TraceEvidence, key: str, language: Language, focus_service: str | None
) -> None:
    trees = {tree.trace_id: tree for tree in evidence.trees}
    chosen = st.selectbox(
        text("traces.choose", language),
        list(trees),
        index=default_tree(evidence.trees, focus_service),
        format_func=lambda trace_id: _tree_label(trees[trace_id], language),
        key=f"{key}-trace",
    )
    tree = trees[chosen]
    rows = waterfall_rows(tree)
    if not rows:
        st.info(text("traces.no_spans" if not tree.spans else "traces.no_start", language))
        return
    if len(rows) < len(tree.spans):
        st.caption(text("traces.undrawn", language, count=len(tree.spans) - len(rows)))
    st.altair_chart(waterfall_chart(rows, language), width="content", key=f"{key}-waterfall")
    st.caption(text("traces.legend", language))
    failed = [row for row in rows if row.kind == "error"]
    if failed:
        st.caption(text("traces.failing", language))
        show_table(
            pd.DataFrame(
                [
                    {
                        "service": r.service,
                        "operation": r.name,
                        "calls": r.peer,
                        "status": r.status_message,
                    }
                    for r in failed
                ]
            ),
            language,
            f"{key}-failed",
        )


def _summaries_frame(evidence: TraceEvidence) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "trace_id": summary.trace_id,
                "start": format_time(summary.start),
                "root": f"{summary.root_service or '?'} · {summary.root_operation or '?'}",
                "duration_ms": summary.duration_ms,
                "spans": summary.span_count,
                "errors": summary.error_count,
                "services": ", ".join(summary.services),
            }
            for summary in evidence.summaries
        ]
    )


def _tree_label(tree: TraceTree, language: Language) -> str:
    roots = [span for span in tree.spans if not span.parent_id]
    root = roots[0] if roots else (tree.spans[0] if tree.spans else None)
    errors = sum(span.error for span in tree.spans)
    what = (
        f"{root.service} · {root.name} · {format_ms(root.duration_ms)}"
        if root
        else text("traces.label_no_spans", language)
    )
    marked = text("traces.label_errors", language, count=errors) if errors else ""
    return f"{short_id(tree.trace_id, 16)} — {what}{marked}"
