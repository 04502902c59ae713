"""How values from the agent are shown: times, durations, ids, and Markdown-safe text.

Agent data (log lines, span names, event messages) is data, not markup: anything that goes
through a Markdown element (captions, alerts) passes :func:`escape_markdown` first, so a log
line holding ``**`` or ``[link](...)`` shows literally. Streamlit never renders HTML from
Markdown here.
"""

from __future__ import annotations

import re

import pandas as pd

MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~$:])")


def escape_markdown(text: str) -> str:
    """``text`` with every Markdown control character backslash-escaped."""
    return MARKDOWN_SPECIAL.sub(r"\\\1", text)


def parse_time(value: str) -> pd.Timestamp:
    """An ISO-8601 time (nanoseconds allowed, ``Z`` or an offset) as a UTC timestamp.

    A time without an offset is taken as UTC, as the backends store it.
    """
    stamp = pd.Timestamp(value)
    return stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")


def try_parse_time(value: str | None) -> pd.Timestamp | None:
    """Like :func:`parse_time`, but None for a missing or unreadable time."""
    if not value:
        return None
    try:
        return parse_time(value)
    except ValueError:
        return None


def format_time(value: str | None) -> str:
    """A compact UTC wall-clock time (``2026-11-26 01:02:03Z``), or ``-``."""
    stamp = try_parse_time(value)
    if stamp is None:
        return value or "-"
    return stamp.strftime("%Y-%m-%d %H:%M:%SZ")


def format_ms(value: float | None) -> str:
    """A duration in the unit a person reads fastest: ``850 ms``, ``1.52 s``."""
    if value is None:
        return "-"
    if value >= 1000:
        return f"{value / 1000:.2f} s"
    return f"{value:.0f} ms" if value >= 10 else f"{value:.1f} ms"


def short_id(value: str, length: int = 12) -> str:
    """The first characters of a trace or span id, enough to tell ids apart on screen."""
    return value if len(value) <= length else value[:length] + "…"


def first_line(text: str, limit: int = 240) -> str:
    """The first line of a message (stack traces follow it), cut to ``limit`` characters."""
    line = text.split("\n", 1)[0]
    return line if len(line) <= limit else line[: limit - 1] + "…"
