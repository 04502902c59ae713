"""Pure builders of OpenSearch query DSL: filters, full-text, levels, time, histograms.

User text only ever becomes a *value* inside ``match``, ``match_phrase``, ``term(s)`` or
``prefix`` clauses; no ``query_string`` or ``simple_query_string`` is built, so characters
like ``*``, ``"``, ``:``, ``\\`` or ``OR`` never change the structure of a query.
Field names come from the profiles, never from the caller.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any, Literal

from opslens_mcp.opensearch.mapping import Variant
from opslens_mcp.opensearch.timerange import TimeRange, iso

Clause = dict[str, Any]
LogLevel = Literal["fatal", "error", "warn", "info", "debug", "trace"]
LEVELS: tuple[LogLevel, ...] = ("fatal", "error", "warn", "info", "debug", "trace")

_LEVEL_WORDS: dict[LogLevel, tuple[str, ...]] = {
    "fatal": ("FATAL", "CRITICAL", "CRIT", "EMERGENCY", "EMERG", "ALERT", "PANIC"),
    "error": ("ERROR", "ERR", "SEVERE"),
    "warn": ("WARN", "WARNING"),
    "info": ("INFO", "INFORMATION", "NOTICE"),
    "debug": ("DEBUG", "DBG", "FINE"),
    "trace": ("TRACE", "FINEST", "VERBOSE"),
}
# OpenTelemetry severity numbers: TRACE 1-4, DEBUG 5-8, INFO 9-12, WARN 13-16, ERROR 17-20,
# FATAL 21-24 (logs data model, "Field: SeverityNumber").
_SEVERITY_NUMBERS: dict[LogLevel, tuple[int, int]] = {
    "trace": (1, 4),
    "debug": (5, 8),
    "info": (9, 12),
    "warn": (13, 16),
    "error": (17, 20),
    "fatal": (21, 24),
}
_WORD_TO_LEVEL = {word: level for level, words in _LEVEL_WORDS.items() for word in words}

# Fixed intervals a histogram may use, smallest first.
INTERVALS: tuple[tuple[str, timedelta], ...] = tuple(
    (name, timedelta(seconds=seconds))
    for name, seconds in (
        ("1s", 1), ("5s", 5), ("10s", 10), ("30s", 30), ("1m", 60), ("5m", 300),
        ("10m", 600), ("15m", 900), ("30m", 1800), ("1h", 3600), ("3h", 10800),
        ("6h", 21600), ("12h", 43200), ("1d", 86400), ("7d", 604800),
    )
)  # fmt: skip


def level_words(level: LogLevel) -> list[str]:
    """Every spelling of ``level`` seen in the wild: ``ERROR``, ``error``, ``Error``, ``ERR``..."""
    words = _LEVEL_WORDS[level]
    return [form for word in words for form in (word, word.lower(), word.capitalize())]


def canonical_level(text: Any, number: Any = None) -> str | None:
    """``ERROR``/``err``/severity 17 -> ``error``; unknown words come back lower-cased."""
    if isinstance(number, int) and not isinstance(number, bool):
        for level, (low, high) in _SEVERITY_NUMBERS.items():
            if low <= number <= high:
                return level
    if text is None or text == "":
        return None
    word = str(text).strip()
    return _WORD_TO_LEVEL.get(word.upper(), word.lower())


def split_quoted(text: str) -> tuple[list[str], list[str]]:
    """Split ``text`` into quoted phrases and loose words; an unclosed quote runs to the end."""
    phrases: list[str] = []
    words: list[str] = []
    parts = text.split('"')
    for position, part in enumerate(parts):
        if position % 2 == 1:
            if part.strip():
                phrases.append(part.strip())
        else:
            words.extend(part.split())
    return phrases, words


def full_text(field: str, text: str) -> list[Clause]:
    """Full-text clauses: every loose word must match; ``"quoted parts"`` match as phrases.

    Text made of quote marks only (``"`` or ``""``) is searched as it stands, so it matches
    what the analyzer finds in it (nothing), not every line."""
    phrases, words = split_quoted(text)
    clauses: list[Clause] = [{"match_phrase": {field: {"query": phrase}}} for phrase in phrases]
    if words:
        clauses.append({"match": {field: {"query": " ".join(words), "operator": "and"}}})
    if not clauses and text.strip():
        clauses.append({"match_phrase": {field: {"query": text}}})
    return clauses


def _either(clauses: list[Clause]) -> Clause:
    if len(clauses) == 1:
        return clauses[0]
    return {"bool": {"should": clauses, "minimum_should_match": 1}}


def exact(variants: Sequence[Variant], values: Sequence[str | int | bool]) -> Clause:
    """Match any of ``values`` exactly, in every mapping variant of the field."""
    clauses: list[Clause] = []
    for variant in variants:
        if variant.mode == "term":
            clauses.append({"terms": {variant.path: list(values)}})
        else:
            clauses.extend({"match_phrase": {variant.path: {"query": v}}} for v in values)
    return _either(clauses)


def prefix(variants: Sequence[Variant], value: str) -> Clause:
    """Values starting with ``value`` (e.g. pods ``payment-service-*``)."""
    clauses: list[Clause] = []
    for variant in variants:
        if variant.mode == "term":
            clauses.append({"prefix": {variant.path: {"value": value}}})
        else:
            clauses.append({"match_phrase_prefix": {variant.path: {"query": value}}})
    return _either(clauses)


def names(variants: Sequence[Variant], values: Sequence[str]) -> Clause:
    """Exact names, where a trailing ``*`` asks for a prefix (``payment-service-*``)."""
    plain = [value for value in values if not value.endswith("*")]
    clauses = [exact(variants, plain)] if plain else []
    clauses += [prefix(variants, value.rstrip("*")) for value in values if value.endswith("*")]
    return _either(clauses)


def levels(
    text_variants: Sequence[Variant],
    wanted: Sequence[LogLevel],
    number_field: str | None = None,
) -> Clause:
    """Records at any of ``wanted`` levels, by level word and, when known, severity number."""
    words = [word for level in wanted for word in level_words(level)]
    clauses = [exact(text_variants, words)]
    if number_field:
        clauses += [
            {"range": {number_field: {"gte": low, "lte": high}}}
            for low, high in (_SEVERITY_NUMBERS[level] for level in wanted)
        ]
    return _either(clauses)


def time_range(field: str, window: TimeRange) -> Clause:
    """``field`` in ``[start, end)``, so adjacent windows never count a record twice; ISO
    strings so the query reads well."""
    start, end = window.iso()
    return {"range": {field: {"gte": start, "lt": end, "format": "strict_date_optional_time"}}}


def bool_query(filters: Sequence[Clause], must: Sequence[Clause] = ()) -> Clause:
    body: dict[str, Any] = {"filter": list(filters)}
    if must:
        body["must"] = list(must)
    return {"bool": body}


def auto_interval(span: timedelta, max_buckets: int) -> str:
    """The smallest interval from :data:`INTERVALS` that keeps ``span`` within ``max_buckets``."""
    for name, length in INTERVALS:
        if span / length <= max_buckets:
            return name
    return INTERVALS[-1][0]


def interval_length(name: str) -> timedelta:
    for known, length in INTERVALS:
        if known == name:
            return length
    raise ValueError(f"unknown interval {name!r}")


def date_histogram(field: str, window: TimeRange, interval: str) -> Clause:
    """A date histogram with empty buckets kept and clipped to the window ``[start, end)``."""
    start, end = window.iso()
    last = iso(window.end - timedelta(milliseconds=1))  # extended bounds include their max
    return {
        "date_histogram": {
            "field": field,
            "fixed_interval": interval,
            "min_doc_count": 0,
            "extended_bounds": {"min": start, "max": last},
            "hard_bounds": {"min": start, "max": end},
            "format": "strict_date_optional_time",
        }
    }
