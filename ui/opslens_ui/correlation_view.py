"""The correlation tab: how the evidence connects (log -> trace -> service -> pod) as a graph.

Nodes are the ``kind:name`` endpoints of the agent's links; every label is a quoted DOT string
with its quotes and backslashes escaped, so no name can change the graph's structure.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from opslens_ui.contract import Correlation, Link
from opslens_ui.formatting import escape_markdown, short_id
from opslens_ui.i18n import Language, text, text_or
from opslens_ui.tables import header, show_table

MAX_LINKS = 80  # beyond this a graph stops being readable; the tables below keep the rest
MAX_TRACE_NODES = 8  # more traces than this are drawn as groups of traces with the same neighbours
NODE_STYLES = {
    "log": 'shape=note, style=filled, fillcolor="#fff3bf"',
    "trace": 'shape=ellipse, style=filled, fillcolor="#e7f5ff"',
    "traces": 'shape=ellipse, style="filled,bold", fillcolor="#d0ebff"',
    "service": 'shape=box, style="rounded,filled", fillcolor="#f1f3f5"',
    "pod": 'shape=component, style=filled, fillcolor="#ebfbee"',
}
ROOT_CAUSE_STYLE = 'shape=box, style="rounded,filled,bold", fillcolor="#ffc9c9", color="#c92a2a"'
OTHER_STYLE = "shape=box"


def dot_string(text: str) -> str:
    """``text`` as a double-quoted DOT string (quotes, backslashes and newlines escaped)."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


def node_label(node: str, language: Language) -> str:
    """What a node shows: its kind on one line, a readable name on the next (a group of
    traces: how many)."""
    kind, _, name = node.partition(":")
    if not name:
        return node
    if kind == "traces":
        return text("correlation.group", language, count=int(name.split(" ", 1)[0]))
    shown = short_id(name, 16) if kind in ("trace", "log") else name
    return f"{text_or(f'node.{kind}', language, kind)}\n{shown}"


def grouped_traces(links: list[Link]) -> list[Link]:
    """``links`` with trace nodes merged into one ``traces:N`` node per set of neighbours.

    Forty failing traces that all run order-service -> payment-service read better as one
    node "40 traces" than as forty; with few traces the links come back unchanged.
    """
    traces = {end for link in links for end in (link.source, link.target) if _is_trace(end)}
    if len(traces) <= MAX_TRACE_NODES:
        return links
    neighbours: dict[str, set[str]] = {trace: set() for trace in traces}
    for link in links:
        if _is_trace(link.source):
            neighbours[link.source].add(f">{link.target}")
        if _is_trace(link.target):
            neighbours[link.target].add(f"<{link.source}")
    signature = {trace: "|".join(sorted(ends)) for trace, ends in neighbours.items()}
    sizes: dict[str, int] = {}
    for sig in signature.values():
        sizes[sig] = sizes.get(sig, 0) + 1
    group_names = {sig: f"traces:{size} traces #{n}" for n, (sig, size) in enumerate(sizes.items())}

    def grouped(end: str) -> str:
        return group_names[signature[end]] if end in signature else end

    merged = (
        Link(source=grouped(one.source), target=grouped(one.target), relation=one.relation)
        for one in links
    )
    return list({(link.source, link.target): link for link in merged}.values())


def correlation_dot(correlation: Correlation, language: Language) -> str:
    """The correlation links as a left-to-right DOT digraph, the root-cause service in red."""
    root = f"service:{correlation.root_cause}" if correlation.root_cause else None
    links = grouped_traces(correlation.links)[:MAX_LINKS]
    nodes = dict.fromkeys(end for link in links for end in (link.source, link.target))
    lines = [
        "digraph correlation {",
        "  rankdir=LR;",
        '  node [fontname="Noto Sans CJK KR, sans-serif", fontsize=11];',
        '  edge [fontname="Noto Sans CJK KR, sans-serif", fontsize=9, color="#868e96"];',
    ]
    for node in nodes:
        kind = node.partition(":")[0]
        style = ROOT_CAUSE_STYLE if node == root else NODE_STYLES.get(kind, OTHER_STYLE)
        lines.append(
            f"  {dot_string(node)} [label={dot_string(node_label(node, language))}, {style}];"
        )
    for link in links:
        relation = text_or(f"relation.{link.relation}", language, link.relation)
        label = f" [label={dot_string(relation)}]" if link.relation else ""
        lines.append(f"  {dot_string(link.source)} -> {dot_string(link.target)}{label};")
    lines.append("}")
    return "\n".join(lines)


def _is_trace(node: str) -> bool:
    return node.startswith("trace:")


def render_correlation(correlation: Correlation, key: str, language: Language) -> None:
    """Root cause, the link graph, where errors start and where time goes."""

    if correlation.root_cause:
        st.error(
            escape_markdown(
                text("correlation.root_cause", language, service=correlation.root_cause)
            )
        )
    ids = len(correlation.trace_ids_from_logs)
    if ids:
        missing = len(correlation.traces_missing)
        fetched = text("correlation.trace_ids", language, count=ids, found=correlation.traces_found)
        st.caption(
            escape_markdown(
                fetched
                + (text("correlation.not_found", language, count=missing) if missing else "")
            )
        )
    if correlation.links:
        st.graphviz_chart(correlation_dot(correlation, language), width="stretch")
        drawn = len(grouped_traces(correlation.links))
        if drawn > MAX_LINKS:
            st.caption(text("correlation.graph_cut", language, shown=MAX_LINKS, drawn=drawn))
    if correlation.origins:
        st.caption(text("correlation.origins", language))
        origins = pd.DataFrame([origin.model_dump() for origin in correlation.origins])
        show_table(origins, language, f"{key}-origins")
    if correlation.slow_services:
        st.caption(text("correlation.slow_services", language))
        show_table(
            pd.DataFrame([slow.model_dump() for slow in correlation.slow_services]),
            language,
            f"{key}-slow",
            column_config={
                "share": st.column_config.ProgressColumn(
                    header("share", language), format="percent", min_value=0.0, max_value=1.0
                )
            },
        )
    if correlation.traces_missing:
        st.caption(text("correlation.traces_missing", language))
        st.code("\n".join(correlation.traces_missing), language=None)
    if not (correlation.links or correlation.origins or correlation.slow_services or ids):
        st.info(text("correlation.nothing", language))
