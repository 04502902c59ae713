"""What the log template miner sees of a log line: its free text, with parameters masked.

Three steps, the same for every log source:

1. :func:`extract_free_text` keeps the free-text part of a line. It strips a leading header
   (timestamp, level, klog or syslog prefix, thread, logger) and reads the ``msg`` of a JSON
   line. It also picks up a trace and span id printed in that header. Only the first line of a
   multi-line message is kept, because stack-trace lines follow it.
2. :data:`MASKING_INSTRUCTIONS` are drain3 masking instructions. They replace secrets and
   parameters (ids, UUIDs, IPs, hex, numbers, paths, durations, timestamps, pod names, trace and
   span ids) with ``<NAME>`` before Drain compares words, so "took 12ms" and "took 7ms" are one
   template.
3. :func:`redact_secrets` removes passwords, tokens and JWTs from the example messages that
   results show.

Example::

    >>> line = extract_free_text("2026-11-26T01:02:03Z ERROR c.s.Pay - took 12ms for 10.0.0.7:8080")
    >>> line.text
    'took 12ms for 10.0.0.7:8080'
    >>> mask_parameters(line.text)
    'took <DURATION> for <IP>'

Non-ASCII text, Korean included, passes through unchanged. Only parameters are replaced.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from drain3.masking import AbstractMaskingInstruction, LogMasker, MaskingInstruction

MASK_PREFIX = "<"
MASK_SUFFIX = ">"

_HEX = "[0-9a-fA-F]"
_MONTH = "(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)"
_WEEKDAY = "(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)"
_ISO_TIMESTAMP = r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:[.,]\d+)?(?:Z|[+-]\d{2}:?\d{2})?"
_SYSLOG_TIMESTAMP = _MONTH + r" +\d{1,2} \d{2}:\d{2}:\d{2}(?:\.\d+)?"
_TIME_OF_DAY = r"\d{2}:\d{2}:\d{2}(?:[.,]\d+)?"
_TRACE_KEY = r"(?i:trace[_-]?id)"
_SPAN_KEY = r"(?i:span[_-]?id)"
# Kubernetes names Deployment pods <name>-<ReplicaSet hash>-<suffix>, from this alphabet.
_K8S_SAFE = "[bcdfghjklmnpqrstvwxz2456789]"


class KeyedMask(AbstractMaskingInstruction):
    """Masks only the ``value`` group of a match and keeps its key, as in ``password=<SECRET>``."""

    def __init__(self, pattern: str, mask_with: str) -> None:
        super().__init__(mask_with)
        self.regex = re.compile(pattern)

    def mask(self, content: str, mask_prefix: str, mask_suffix: str) -> str:
        mask = mask_prefix + self.mask_with + mask_suffix

        def keep_key(match: re.Match[str]) -> str:
            start, end = match.span("value")
            whole = match.group(0)
            offset = match.start()
            return whole[: start - offset] + mask + whole[end - offset :]

        return self.regex.sub(keep_key, content)


class CollapseMaskedRuns(AbstractMaskingInstruction):
    """Turns a list of masked values (``<IP>,<IP>`` or ``blk_<NUM> blk_<NUM> ...``) into one.

    A list of ids is one parameter, whatever its length. Without this, each list length
    would be a template of its own.
    """

    _RUN = re.compile(r"(?<!\S)(\S*<[A-Z_]+>\S*?)(?:(?:, ?| )\1)+(?![^\s,])")

    def __init__(self) -> None:
        super().__init__("LIST")

    def mask(self, content: str, mask_prefix: str, mask_suffix: str) -> str:
        return self._RUN.sub(r"\1", content)


_H4 = _HEX + "{1,4}"
_IPV6 = f"(?:(?:{_H4}:){{7}}{_H4}|(?:{_H4}:){{0,6}}{_HEX}{{0,4}}::(?:{_H4}:){{0,6}}{_HEX}{{0,4}})"
_UUID = f"{_HEX}{{8}}-{_HEX}{{4}}-{_HEX}{{4}}-{_HEX}{{4}}-{_HEX}{{12}}"
_LOG_DATE = rf"\b(?:{_WEEKDAY},? )?{_MONTH} +\d{{1,2}},? (?:\d{{4}} )?{_TIME_OF_DAY}(?: \d{{4}}\b)?"
_ACCESS_LOG_DATE = rf"\b\d{{2}}/{_MONTH}/\d{{4}}:{_TIME_OF_DAY}(?: [+-]\d{{4}})?"
_KEY_VALUE = r"[\"']?\s*[=:]\s*[\"']?"

SECRET_INSTRUCTIONS: tuple[AbstractMaskingInstruction, ...] = (
    MaskingInstruction(r"\beyJ[\w-]{4,}(?:\.[\w-]*){0,2}", "TOKEN"),
    KeyedMask(r"(?i)\bbearer\s+(?P<value>[\w.~+/=-]{8,})", "SECRET"),
    KeyedMask(
        r"(?i)\b(?:password|passwd|pwd|secret|api[_-]?key|access[_-]?key|token)"
        + _KEY_VALUE
        + r"(?P<value>[^\s\"',;&]+)",
        "SECRET",
    ),
)
"""Secrets: masked in templates and redacted from examples (ordered: JWTs before ``token=``)."""

PARAMETER_INSTRUCTIONS: tuple[AbstractMaskingInstruction, ...] = (
    MaskingInstruction(r"\b[a-zA-Z][a-zA-Z0-9+.-]*://[^\s\"'<>]+", "URL"),
    KeyedMask(f"{_TRACE_KEY}{_KEY_VALUE}(?P<value>{_HEX}{{16,32}})\\b", "TRACE_ID"),
    KeyedMask(f"{_SPAN_KEY}{_KEY_VALUE}(?P<value>{_HEX}{{16}})\\b", "SPAN_ID"),
    MaskingInstruction(r"\b" + _ISO_TIMESTAMP, "TIMESTAMP"),
    MaskingInstruction(_LOG_DATE, "TIMESTAMP"),
    MaskingInstruction(_ACCESS_LOG_DATE, "TIMESTAMP"),
    MaskingInstruction(r"(?<![\w.])(?:~|\.{1,2})?(?:/[\w.@%+~-]+){2,}/?", "PATH"),
    MaskingInstruction(r"\b\d{4}-\d{2}-\d{2}\b", "TIMESTAMP"),
    MaskingInstruction(r"\b\d{1,2}:\d{2}:\d{2}(?:[.,]\d+)?\b", "TIMESTAMP"),
    MaskingInstruction(_UUID, "UUID"),
    MaskingInstruction(
        rf"\b[a-z0-9](?:[a-z0-9-]*[a-z0-9])?-{_K8S_SAFE}{{6,10}}-{_K8S_SAFE}{{5}}\b", "POD"
    ),
    MaskingInstruction(r"(?<![\w.])\d{1,3}(?:\.\d{1,3}){3}(?::\d{1,5})?(?![\w.])", "IP"),
    MaskingInstruction(rf"(?<![\w:])\[?{_IPV6}(?:\](?::\d{{1,5}})?)?(?![\w:])", "IP"),
    MaskingInstruction(rf"\b0[xX]{_HEX}+\b", "HEX"),
    MaskingInstruction(rf"\b(?={_HEX}*\d)(?={_HEX}*[a-fA-F]){_HEX}{{8,}}\b", "HEX"),
    MaskingInstruction(r"(?<![\w.])\d+(?:\.\d+)? ?(?:[KMGTPE]i?B|B|bytes)\b", "SIZE"),
    MaskingInstruction(r"(?<![\w.])(?:\d+(?:\.\d+)?(?:ns|us|µs|ms|s|m|h|d))+(?![\w.])", "DURATION"),
    MaskingInstruction(  # identifiers mixing letters and digits: blk_-42, attempt_1445_0020_m_0
        r"(?<![\w.:-])(?=[\w.:-]*\d)(?=[\w.:-]*[A-Za-z_])[A-Za-z0-9_][\w.:-]*[A-Za-z0-9_]"
        r"(?![\w.:-])",
        "ID",
    ),
    MaskingInstruction(r"(?<![A-Za-z0-9])[-+]?\d+(?:\.\d+)?(?![A-Za-z0-9])", "NUM"),
    CollapseMaskedRuns(),
)
"""Parameters, most specific first: a URL holds paths and IPs, a timestamp holds numbers."""

MASKING_INSTRUCTIONS: tuple[AbstractMaskingInstruction, ...] = (
    SECRET_INSTRUCTIONS + PARAMETER_INSTRUCTIONS
)
"""Everything the template miner masks, in the order it is applied."""

_parameter_masker = LogMasker(MASKING_INSTRUCTIONS, MASK_PREFIX, MASK_SUFFIX)
_secret_masker = LogMasker(SECRET_INSTRUCTIONS, MASK_PREFIX, MASK_SUFFIX)


def mask_parameters(text: str) -> str:
    """``text`` with secrets and parameters replaced by ``<NAME>`` masks."""
    return _parameter_masker.mask(text)


def redact_secrets(text: str) -> str:
    """``text`` with passwords, bearer tokens, API keys and JWTs replaced by masks."""
    return _secret_masker.mask(text)


@dataclass(frozen=True)
class FreeText:
    """The free-text part of a log line, and the trace context its header carried."""

    text: str
    trace_id: str | None = None
    span_id: str | None = None


_LEVEL = r"(?:TRACE|DEBUG|INFO|NOTICE|WARN|WARNING|ERROR|FATAL|CRITICAL|SEVERE)"
_HEADER_TIMESTAMP = re.compile(
    r"\[?(?:"
    + "|".join(
        (
            _ISO_TIMESTAMP,
            _WEEKDAY + " " + _MONTH + r" +\d{1,2} " + _TIME_OF_DAY + r" \d{4}",  # ctime
            r"\d{2}/\d{2}/\d{2} " + _TIME_OF_DAY,  # yy/MM/dd HH:mm:ss
            r"\d{6} \d{6}",  # yyMMdd HHmmss
            _TIME_OF_DAY,
        )
    )
    + r")\]?\s+(?:\d+\s+)?(?:-\s+)?"  # then maybe a process id and a " - "
)
_SYSLOG_HEADER = re.compile(_SYSLOG_TIMESTAMP + r" [\w.-]+ [^\s:\[]+(?:\[\d+\])?: ")
_KLOG_HEADER = re.compile(r"[IWEF]\d{4} " + _TIME_OF_DAY + r"\s+\d+ [\w.-]+:\d+\] ")
_LEVEL_HEADER = re.compile(r"(?:" + _LEVEL + r"|\[(?i:" + _LEVEL + r")\]):?\s*")
# Without a timestamp, a bare level is a header only when marked as one: "[warn] …", "ERROR: …".
_MARKED_LEVEL_HEADER = re.compile(r"(?:" + _LEVEL + r":|\[(?i:" + _LEVEL + r")\]:?)\s*")
_THREAD_HEADER = re.compile(r"\[(?P<inside>(?:[^\[\]]|\[[^\[\]]*\]){1,200})\]\s*(?:-\s+)?")
_LOGGER_HEADER = re.compile(
    r"(?![\w$.]*(?:Exception|Error)\b)"  # an exception class starts the message itself
    r"(?:[A-Za-z_$][\w$]*(?:\.[\w$\[\]/]+)+(?:[#:@]\d+)?(?:\s+-\s+|:\s*|\s+)"
    r"|[\w$.#@-]+(?:\s+-\s+|:(?=\S)))"
)
_TRACE_HEADER = re.compile(
    _TRACE_KEY + r"\s*[=:]\s*(?P<trace>" + _HEX + r"{16,32})[\s,;]+"
    r"(?:" + _SPAN_KEY + r"\s*[=:]\s*(?P<span>" + _HEX + r"{16})[\s,;]+)?"
)
_BRACKET_TRACE = re.compile(r"[\w-]*,(?P<trace>" + _HEX + r"{16,32}),(?P<span>" + _HEX + "{16})")
_JSON_MESSAGE_KEYS = ("msg", "message", "body", "log")
_JSON_TRACE_KEYS = ("trace_id", "traceId", "traceID", "trace.id")
_JSON_SPAN_KEYS = ("span_id", "spanId", "spanID", "span.id")


def extract_free_text(raw: str) -> FreeText:
    """The free text of ``raw``, with a leading log header stripped.

    The header is a timestamp (ISO 8601, syslog, ctime or time of day) or a level, then an
    optional thread in brackets, a logger name and a trace context; klog and syslog headers are
    known too. A line with neither a timestamp nor a level has no header, so a message such as
    ``[instance: 42] VM Started`` is kept whole.
    """
    first_line = raw.strip().split("\n", 1)[0].rstrip("\r")
    structured = _parse_json_line(first_line)
    if structured is not None:
        return structured
    position, has_header = 0, False
    if match := _SYSLOG_HEADER.match(first_line) or _HEADER_TIMESTAMP.match(first_line):
        position, has_header = match.end(), True
    if match := _KLOG_HEADER.match(first_line, position):
        return _header_trace(first_line[match.end() :] or first_line, None, None)
    level_header = _LEVEL_HEADER if has_header else _MARKED_LEVEL_HEADER
    if match := level_header.match(first_line, position):
        position, has_header = match.end(), True
    if not has_header:
        return FreeText(first_line)
    trace_id = span_id = None
    if match := _THREAD_HEADER.match(first_line, position):
        position = match.end()
        if bracket := _BRACKET_TRACE.fullmatch(match.group("inside")):
            trace_id, span_id = bracket.group("trace"), bracket.group("span")
    if match := _LOGGER_HEADER.match(first_line, position):
        position = match.end()
    return _header_trace(first_line[position:] or first_line, trace_id, span_id)


def _header_trace(text: str, trace_id: str | None, span_id: str | None) -> FreeText:
    """Moves a leading ``TraceID: … SpanID: …`` out of the text into the trace context."""
    if match := _TRACE_HEADER.match(text):
        trace_id, span_id = match.group("trace"), match.group("span") or span_id
        text = text[match.end() :] or text
    return FreeText(text, trace_id, span_id)


def _parse_json_line(line: str) -> FreeText | None:
    if not (line.startswith("{") and line.endswith("}")):
        return None
    try:
        document: Any = json.loads(line)
    except ValueError:
        return None
    if not isinstance(document, dict):
        return None
    text = next((document[k] for k in _JSON_MESSAGE_KEYS if isinstance(document.get(k), str)), None)
    if text is None:
        return None
    nested = extract_free_text(text)
    trace_id = next((str(document[k]) for k in _JSON_TRACE_KEYS if document.get(k)), None)
    span_id = next((str(document[k]) for k in _JSON_SPAN_KEYS if document.get(k)), None)
    return FreeText(nested.text, trace_id or nested.trace_id, span_id or nested.span_id)
