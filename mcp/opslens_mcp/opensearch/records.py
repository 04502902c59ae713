"""The log line a stored record holds: its first line, or the message of a structured line.

A multi-line record (a stack trace) is read by its first line. A JSON line stands for its ``msg``
(or ``message``, ``body``, ``log``) and a logfmt line (``time=… level=info msg="…"``) for its
``msg``; a ``trace_id`` beside the message is kept.
"""

from __future__ import annotations

import json
import re
from typing import Any

_JSON_MESSAGE_KEYS = ("msg", "message", "body", "log")
_JSON_TRACE_KEYS = ("trace_id", "traceId", "traceID", "trace.id")
_LOGFMT_VALUE = r"""(?:"(?P<{name}>(?:[^"\\]|\\.)*)"|(?P<{name}_bare>[^\s"]+))"""
_LOGFMT_START = re.compile(r"[\w.-]+=")
"""A logfmt line starts with a key: ``msg=`` further into free text is part of a message."""
_LOGFMT_MESSAGE = re.compile(r"(?:^|\s)(?:msg|message)=" + _LOGFMT_VALUE.format(name="text"))
_LOGFMT_TRACE = re.compile(r"(?:^|\s)(?i:trace[_.]?id)=" + _LOGFMT_VALUE.format(name="trace"))


def unwrap_record(record: str) -> tuple[str, str | None]:
    """The log line ``record`` holds, and a trace id it names beside the line."""
    line = record.strip()
    if "\n" in line:
        line = line.split("\n", 1)[0].rstrip("\r")
    if line.startswith("{") and line.endswith("}"):
        return _json_line(line)
    if ("msg=" in line or "message=" in line) and _LOGFMT_START.match(line):
        return _logfmt_line(line)
    return line, None


def _json_line(line: str) -> tuple[str, str | None]:
    try:
        document: Any = json.loads(line)
    except ValueError:
        return line, None
    if isinstance(document, dict):
        for key in _JSON_MESSAGE_KEYS:
            if isinstance(text := document.get(key), str):
                trace = next((str(document[k]) for k in _JSON_TRACE_KEYS if document.get(k)), None)
                return unwrap_record(text)[0], trace
    return line, None


def _logfmt_line(line: str) -> tuple[str, str | None]:
    message = _LOGFMT_MESSAGE.search(line)
    if message is None:
        return line, None
    text = message.group("text")
    text = text.replace('\\"', '"') if text is not None else message.group("text_bare")
    trace = _LOGFMT_TRACE.search(line)
    return text, (trace.group("trace") or trace.group("trace_bare")) if trace else None
