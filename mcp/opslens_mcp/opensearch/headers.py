"""Log line headers learned from the lines of one source, without a list of known formats.

A log source writes every line with the same header: a timestamp, a level, a process id, a host,
a logger, a thread in brackets, in an order and layout of its own. :func:`learn_header` reads a
sample of a source's lines, splits each into fields (runs of text between spaces or ``|``, a
bracketed group counting as one field), and walks the columns from the left. A column belongs to
the header while its fields agree in kind across the sample:

* strong kinds, which a header ends on: fields with digits (timestamps, dates, pids, node ids),
  month or weekday names, levels (``INFO``, ``[warn]``, ``E``), bracketed fields (``[main]``),
  separators (``-``), dotted names (``org.apache.Foo``) and, on a sample of at least
  :data:`MIN_SAMPLE` lines, fields ending in ``:`` (``sshd[42]:``);
* weak kinds, which a header may pass through on the way to a strong column, on a sample of at
  least :data:`MIN_SAMPLE` lines: words that take few values (hosts, components), or names
  always followed by a number (``component|pid``).

The first column that is neither ends the header, and the header never takes the whole line.
What was learned is compiled into one regular expression per source, so that splitting a line
costs a single match; a line that does not fit is mined whole.

Example::

    >>> shape = learn_header(["2026-11-26 01:02:03 INFO [main] a.B - Started in 3 s"])
    >>> shape.message("2026-11-26 01:02:04 WARN [main] a.B - Slow start")
    'Slow start'
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum

from opslens_mcp.opensearch.masking import MONTHS, WEEKDAYS

MIN_SAMPLE = 20
"""Lines a source needs before weak, colon and dotted columns count: fewer lines agree by chance."""
AGREEMENT = 0.9
"""Share of the sample's fields a column's kind must hold."""
ALWAYS = 0.99
"""Share of fields with digits above which the first such column anchors the header: a line
without a digit there does not fit it."""
MAX_WEAK_VALUES = 16
MAX_WEAK_SHARE = 0.05
"""A weak column takes at most 16 distinct words, or 5% of the sample's lines if more: hosts and
components repeat, the first words of messages vary."""
MAX_HEADER_FIELDS = 12

_BRACKET = r"\[(?:[^\[\]\n]++|\[[^\[\]\n]*+\])*+\]"
_FIELD = re.compile(rf"(?:[^\s|\[]++|{_BRACKET}|\[)++")
_SEPARATOR = r"[\s|]+"
_LEVELS = (
    "TRACE|DEBUG|DBG|INFO|INF|NOTICE|WARN|WARNING|WRN|ERROR|ERR|FATAL|CRITICAL|CRIT|SEVERE|ALERT"
    "|EMERG|EMERGENCY|FAILURE|FINE|FINER|FINEST|CONFIG|VERBOSE"
)
_LEVEL = re.compile(rf"[\[(<]?(?i:{_LEVELS})[\])>]?:?|[VDIWEF]")
_LEVEL_PREFIX = re.compile(rf"(?i:{_LEVELS}):[\w.-]*:")
_CALENDAR = re.compile("(?i:" + "|".join(MONTHS + WEEKDAYS) + ")[a-z]*,?")
_DOTTED = re.compile(r"[A-Za-z_$][\w$-]*(?:[.$][\w$-]+)+(?:[#:@]\d+)?:?")
_EXCEPTION = re.compile(r"(?:Exception|Error)\b")
_TRACE = re.compile(
    r"(?i:trace[_-]?id)[\s\"']*[=:][\s\"']*(?P<trace>[0-9a-fA-F]{16,32})\b"
    r"(?:[\s,;]+(?i:span[_-]?id)[\s\"']*[=:][\s\"']*(?P<span>[0-9a-fA-F]{16})\b)?"
    r"|\[[\w-]*,(?P<btrace>[0-9a-fA-F]{16,32}),(?P<bspan>[0-9a-fA-F]{16})[\],]"
)


class Kind(Enum):
    """What the fields of one header column are."""

    LEVEL = "level"
    LEVEL_PREFIX = "level prefix"
    NUMERIC = "numeric"
    MOSTLY_NUMERIC = "mostly numeric"
    CALENDAR = "calendar"
    BRACKET = "bracket"
    SEPARATOR = "separator"
    COLON = "colon"
    DOTTED = "dotted"
    WEAK = "weak"

    @property
    def strong(self) -> bool:
        return self is not Kind.WEAK

    @property
    def pattern(self) -> str:
        """A regular expression for one field of this kind."""
        field = _FIELD.pattern
        if self is Kind.LEVEL:
            return rf"(?:{_LEVEL.pattern})(?![^\s|])"
        if self is Kind.LEVEL_PREFIX:
            return _LEVEL_PREFIX.pattern
        if self is Kind.NUMERIC:  # a field with a digit, in brackets or not
            return rf"(?=\[[^\]]*\d|[^\s|]*\d){field}"
        if self is Kind.BRACKET:
            return rf"{_BRACKET}[^\s|\[]*+"
        if self is Kind.COLON:  # "proc[1]:", or "proc[1] (detail):" with an optional detail
            return rf"(?:{field}\s+)??{field}(?<=:)"
        return field


@dataclass(frozen=True)
class Split:
    """A line cut into its header and its message; ``trace_id``/``span_id`` from the header."""

    header: str
    message: str
    trace_id: str | None = None
    span_id: str | None = None


class HeaderShape:
    """The header layout of one source: its column kinds, compiled into one expression."""

    def __init__(self, kinds: Sequence[Kind], has_trace: bool = False) -> None:
        self.kinds = tuple(kinds)
        self.has_trace = has_trace
        body = _SEPARATOR.join(f"(?:{kind.pattern})" for kind in self.kinds)
        after = r"[\s|]*" if self.kinds[-1:] == (Kind.LEVEL_PREFIX,) else _SEPARATOR
        self._regex = re.compile(rf"[\s|]*{body}{after}(?=\S)") if self.kinds else None

    def split(self, line: str) -> Split:
        """``line``'s header and message; a line that does not fit the shape is all message."""
        if self._regex is None or (match := self._regex.match(line)) is None:
            return Split("", line)
        header = line[: match.end()]
        if self.has_trace and (trace := _TRACE.search(header)):
            return Split(
                header,
                line[match.end() :],
                trace.group("trace") or trace.group("btrace"),
                trace.group("span") or trace.group("bspan"),
            )
        return Split(header, line[match.end() :])

    def message(self, line: str) -> str:
        """``line`` without its header."""
        if self._regex is None or (match := self._regex.match(line)) is None:
            return line
        return line[match.end() :]

    def __repr__(self) -> str:
        return f"HeaderShape({[kind.value for kind in self.kinds]})"


def learn_header(lines: Sequence[str]) -> HeaderShape:
    """The header layout shared by ``lines`` (a sample of one source; may be empty)."""
    rows = [_FIELD.findall(line) for line in lines if line.strip()]
    if not rows:
        return HeaderShape(())
    kinds: list[Kind] = []
    end = 0  # columns up to the last strong one
    for column in range(MAX_HEADER_FIELDS):
        # The header never takes a whole line: a column counts only where fields follow it.
        fields = [row[column] for row in rows if len(row) > column + 1]
        if len(fields) < AGREEMENT * len(rows):
            break
        if sum(1 for f in fields if _LEVEL_PREFIX.match(f)) >= AGREEMENT * len(fields):
            kinds.append(Kind.LEVEL_PREFIX)  # "INFO:root:message": the message starts inside
            end = len(kinds)
            break
        kind = _column_kind(fields, len(rows), _named_share(rows, column))
        kind = kind or _named_before_number(rows, column)
        if kind is None:
            break
        if kind is Kind.NUMERIC and Kind.NUMERIC in kinds:
            kind = Kind.MOSTLY_NUMERIC  # the first one anchors the header; the rest may vary
        kinds.append(kind)
        if kind.strong:
            end = len(kinds)
    shape = kinds[:end]
    sample = HeaderShape(shape)
    has_trace = any(_TRACE.search(sample.split(line).header) for line in lines[:50])
    return HeaderShape(shape, has_trace)


def _column_kind(fields: Sequence[str], lines: int, named: float) -> Kind | None:
    """The kind of a column's ``fields``; ``named``: the share of them that end in ``:``."""

    def share(pattern: re.Pattern[str]) -> float:
        return sum(1 for field in fields if pattern.fullmatch(field)) / len(fields)

    if share(_LEVEL) >= AGREEMENT:
        return Kind.LEVEL
    values = Counter(fields)
    no_exception = not any(_EXCEPTION.search(value) for value in values)
    if lines >= MIN_SAMPLE and no_exception and named >= AGREEMENT:
        return Kind.COLON
    digits = sum(count for value, count in values.items() if _has_digit(value)) / len(fields)
    if digits >= AGREEMENT:
        return Kind.NUMERIC if digits >= ALWAYS else Kind.MOSTLY_NUMERIC
    if share(_CALENDAR) >= AGREEMENT:
        return Kind.CALENDAR
    if share(_BRACKET_FIELD) >= AGREEMENT:
        return Kind.BRACKET
    top, top_count = values.most_common(1)[0]
    if top_count >= AGREEMENT * len(fields) and not any(c.isalnum() for c in top):
        return Kind.SEPARATOR
    if share(_DOTTED) >= AGREEMENT and no_exception:
        return Kind.DOTTED
    if lines < MIN_SAMPLE:
        return None
    if any(field.startswith(("'", '"')) for field in values):
        return None  # a quoted string is message text, not a header field
    if len(values) <= max(MAX_WEAK_VALUES, MAX_WEAK_SHARE * len(fields)):
        return Kind.WEAK
    return None


def _named_share(rows: Sequence[list[str]], column: int) -> float:
    """Share of rows whose field at ``column`` ends in ``:``, or whose next field does when it
    is a detail in brackets (``launchd[1] (com.apple.xpc):``)."""
    rows = [row for row in rows if len(row) > column + 1]
    named = sum(
        1
        for row in rows
        if row[column].endswith(":")
        or (len(row) > column + 2 and row[column + 1][:1] in "([" and row[column + 1][-1] == ":")
    )
    return named / len(rows) if rows else 0.0


def _named_before_number(rows: Sequence[list[str]], column: int) -> Kind | None:
    """A weak column of many names, when a column of numbers always follows it (``comp|pid|``)."""
    fields = [row[column] for row in rows if len(row) > column + 2]
    if len(rows) < MIN_SAMPLE or len(fields) < AGREEMENT * len(rows):
        return None
    numbers = sum(1 for row in rows if len(row) > column + 2 and row[column + 1].isdigit())
    if numbers >= ALWAYS * len(fields) and len(set(fields)) <= len(fields) / 2:
        return Kind.WEAK
    return None


_BRACKET_FIELD = re.compile(rf"{_BRACKET}[^\s|\[]*")
_DIGIT = re.compile(r"\d")


def _has_digit(field: str) -> bool:
    return _DIGIT.search(field) is not None
