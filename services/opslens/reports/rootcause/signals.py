"""What one period of spans and log lines says per service, in numbers a baseline can judge.

* Call gaps: per (caller, callee), the median time a caller's client span outlasts the callee's
  server span under it (:func:`opslens.reports.trace_analysis.call_gaps`): network delay to a
  pod shows here while its own spans look normal.
* Events per request: per service and entry operation (the operation of the service's span
  that received the request), how often each log template is written and each span operation
  runs under it (queries, internal steps, calls out). An exception or an altered return changes
  which statements run: a statement every request wrote stops, or a new one appears. Counting
  per request of the same operation keeps a change of traffic mix from looking like one.

Templates come from drain3 with the platform's masking, over a line's first words with the
masked ids dropped, or, when those words name the line's place in the code (``Class#123``,
``file.py:42``), from that place; one :class:`TemplateBook` is shared by every period
compared, so the same statement gets the same template id everywhere.

Example::

    book = TemplateBook()
    period = period_signals(traces, lines, book)
    period.gaps[("order", "payment")]  # median gap in ms
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from drain3 import TemplateMiner

from opslens.reports.rootcause.order import Segment, TimedEvent, TransitionKey, instant, segments
from opslens.reports.trace_analysis import Trace, call_gaps
from opslens_mcp.opensearch.masking import mask_parameters
from opslens_mcp.opensearch.patterns import drain_config

STATEMENT_WORDS = 8
STATEMENT_SIMILARITY = 0.7
"""Drain's similarity for statements: their heads are short, so two statements of one class
share most words; the platform's looser threshold would merge them."""
_MASK_ONLY = re.compile(r"<[A-Z_]+>[,;:.]?")
_SOURCE_LINE = re.compile(
    r"[A-Za-z_$][\w.$]*#\d+|[\w./-]+\.(?:java|kt|scala|py|go|rb|js|ts|cs|php|rs|cpp|cc|c):\d+"
)
"""A word naming where in the code a line was written (``Class#123``, ``file.py:42``): such a
line is that statement, whatever its words (drain would merge two statements of one class
that differ in their line number only)."""
_SOURCE_MARK = "SOURCELINE"


@dataclass(frozen=True)
class LogLine:
    """One log line with the span that wrote it (empty when the line carries none) and when
    (ISO-8601 or epoch seconds; None when unknown: the line then counts, but has no place in
    the order of events)."""

    service: str
    span_id: str
    message: str
    timestamp: str | float | None = None


class TemplateBook:
    """drain3 templates shared by every period compared; ids are stable across periods."""

    def __init__(self) -> None:
        config = drain_config()
        config.profiling_enabled = False
        config.drain_sim_th = STATEMENT_SIMILARITY
        self._miner = TemplateMiner(config=config)
        self.examples: dict[int, str] = {}
        self._located: dict[str, int] = {}
        self._heads: dict[int, str] = {}

    def template_id(self, message: str) -> int:
        """The template of a line's first ``STATEMENT_WORDS`` words: they name the statement
        that wrote it; what follows (lists, dumped objects) varies in length and would split
        one statement into many templates. A line whose first words name its place in the code
        is that statement's (one template per place)."""
        located = _SOURCE_LINE.search(
            " ".join(message.split(maxsplit=STATEMENT_WORDS)[:STATEMENT_WORDS])
        )
        if located is not None and (known := self._located.get(located.group(0))) is not None:
            return known  # a place seen before: its template and example are set (no masking)
        if located is not None:  # kept as written, not masked as a number
            message_head = message.replace(located.group(0), _SOURCE_MARK, 1)
        else:
            message_head = message
        words = [w for w in mask_parameters(message_head).split() if not _MASK_ONLY.fullmatch(w)]
        head = " ".join(words[:STATEMENT_WORDS])
        if located is not None:
            # the line names its statement: one template per place in the code
            cluster_id = self._located.setdefault(located.group(0), -len(self._located) - 1)
            self._heads.setdefault(cluster_id, head.replace(_SOURCE_MARK, located.group(0)))
        else:
            cluster_id = int(self._miner.add_log_message(head)["cluster_id"])
        self.examples.setdefault(cluster_id, message)
        return cluster_id

    def template(self, cluster_id: int) -> str:
        if cluster_id in self._heads:
            return self._heads[cluster_id]
        cluster = self._miner.drain.id_to_cluster.get(cluster_id)
        return cluster.get_template() if cluster is not None else ""

    def describe(self, event: str) -> tuple[str, str]:
        """(what the event is, an example of it) for an event key of :class:`PeriodSignals`."""
        if event.startswith(LOG_EVENT):
            cluster_id = int(event.removeprefix(LOG_EVENT))
            return self.template(cluster_id), self.examples.get(cluster_id, "")
        operation = event.removeprefix(SPAN_EVENT)
        return f"span {operation}", f"span {operation}"


LOG_EVENT = "log:"
SPAN_EVENT = "span:"
PatternKey = tuple[str, str, str]
"""(service, entry operation, event): ``log:<template id>`` or ``span:<operation>``."""


@dataclass
class PeriodSignals:
    """One period's numbers; empty parts mean the signal was not there (no logs, no spans)."""

    gaps: dict[tuple[str, str], float] = field(default_factory=dict)
    requests: Counter[tuple[str, str]] = field(default_factory=Counter)
    """Requests per (service, entry operation)."""
    patterns: Counter[PatternKey] = field(default_factory=Counter)
    """Events per (service, entry operation, event): the log lines of each template and the
    spans of each operation under the entry span (its queries, internal steps, calls out)."""
    services: set[str] = field(default_factory=set)
    edges: set[tuple[str, str]] = field(default_factory=set)
    """Caller -> callee services, from spans whose parent is in another service."""
    calls_out: set[tuple[str, str]] = field(default_factory=set)
    """(service, span event) of spans that call another traced service: how often they run
    follows what the callee returns, so they are the callee's evidence, not the caller's."""

    transitions: Counter[TransitionKey] = field(default_factory=Counter)
    """Consecutive events per (service, entry operation) (:mod:`~opslens.reports.rootcause.
    order`)."""
    roots: list[Segment] = field(default_factory=list)
    """Each trace's first segments, to find where a trace's events first diverged."""
    has_logs: bool = False
    blamed: frozenset[str] = frozenset()
    """Services an earlier report's incident in this period held: the period is not what
    normal looks like for them (a fault that repeats would hide in its own baseline)."""

    def observed(self, event: str) -> bool:
        """Whether this period could show ``event`` at all (it has that signal)."""
        return self.has_logs if event.startswith(LOG_EVENT) else self.has_spans

    @property
    def has_spans(self) -> bool:
        return bool(self.requests)


def entry_spans(spans: Sequence[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Each span's entry span: its nearest ancestor (or itself) whose parent is in another
    service or absent, i.e. the span that received the request in this service."""
    by_id = {str(s["span_id"]): s for s in spans}
    entry: dict[str, dict[str, Any]] = {}
    for span in spans:
        chain, current = [], span
        while str(current["span_id"]) not in entry:
            chain.append(str(current["span_id"]))
            parent = by_id.get(str(current.get("parent_span_id") or ""))
            if parent is None or parent["service"] != current["service"]:
                break
            current = parent
        found = entry.get(str(current["span_id"]), current)
        for span_id in chain:
            entry[span_id] = found
    return entry


def period_signals(
    traces: Iterable[Trace], lines: Iterable[LogLine], book: TemplateBook
) -> PeriodSignals:
    """The signals of one period from its traces (``get_traces`` shape, with spans) and lines."""
    listed = list(traces)
    signals = PeriodSignals(gaps={k: g.median_ms for k, g in call_gaps(listed).items()})
    operation_of: dict[str, tuple[str, str]] = {}
    entries: dict[str, dict[str, Any]] = {}
    event_of_span: dict[str, str] = {}
    for trace in listed:
        spans = trace.get("spans") or []
        found = entry_spans(spans)
        entries.update(found)
        by_id = {str(s["span_id"]): s for s in spans}
        for span in spans:
            parent = by_id.get(str(span.get("parent_span_id") or ""))
            if parent is not None and parent["service"] != span["service"]:
                signals.edges.add((str(parent["service"]), str(span["service"])))
                signals.calls_out.add(
                    (str(parent["service"]), SPAN_EVENT + str(parent["operation"]))
                )
            entry = found[str(span["span_id"])]
            key = (str(span["service"]), str(entry["operation"]))
            operation_of[str(span["span_id"])] = key
            signals.services.add(key[0])
            if entry is span:
                signals.requests[key] += 1
            else:
                event = SPAN_EVENT + str(span["operation"])
                event_of_span[str(span["span_id"])] = event
                signals.patterns[(*key, event)] += 1

    span_events: dict[str, list[TimedEvent]] = {}
    for line in lines:
        signals.has_logs = True
        signals.services.add(line.service)
        service, operation = operation_of.get(line.span_id, (line.service, ""))
        event = f"{LOG_EVENT}{book.template_id(line.message)}"
        if service != line.service:
            service, operation = line.service, ""
        elif (at := instant(line.timestamp)) is not None:
            span_events.setdefault(line.span_id, []).append((at, event))
        signals.patterns[(service, operation, event)] += 1
    signals.roots, signals.transitions = segments(listed, entries, span_events, event_of_span)
    return signals
