"""The query builders: user text stays a value, whatever it contains."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from opslens_mcp.opensearch import queries
from opslens_mcp.opensearch.log_filters import LogFilters, LogSource, source_query
from opslens_mcp.opensearch.mapping import IndexFields, Variant
from opslens_mcp.opensearch.profiles import LogProfile
from opslens_mcp.opensearch.timerange import TimeRange

HOSTILE = [
    "*",
    '"} OR',
    "_exists_:x",
    "level:ERROR OR 1=1",
    ".*(a|b)+[^x]{2,}\\d?$",
    "\\",
    '\\"',
    "}}]]{{[[",
    '"unclosed phrase',
    "AND OR NOT ( ) ~ ^ /regex/",
    '결제 실패 "연결 거부"',
    "x" * 10_000,
]
# Every key a builder may produce: DSL words and the field names given to it.
DSL_KEYS = {
    "bool",
    "filter",
    "must",
    "should",
    "minimum_should_match",
    "match",
    "match_phrase",
    "match_phrase_prefix",
    "query",
    "operator",
    "terms",
    "prefix",
    "value",
    "range",
    "gte",
    "lt",
    "lte",
    "format",
}
WINDOW = TimeRange(datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 1, 1, 1, tzinfo=UTC))


def keys_and_strings(node: Any) -> tuple[set[str], list[str]]:
    keys: set[str] = set()
    strings: list[str] = []
    if isinstance(node, dict):
        for key, value in node.items():
            keys.add(key)
            more_keys, more_strings = keys_and_strings(value)
            keys |= more_keys
            strings += more_strings
    elif isinstance(node, list):
        for item in node:
            more_keys, more_strings = keys_and_strings(item)
            keys |= more_keys
            strings += more_strings
    elif isinstance(node, str):
        strings.append(node)
    return keys, strings


def vector_source(text_fields: bool = False) -> LogSource:
    profile = LogProfile()
    kind = (
        {"type": "text", "fields": {"keyword": {"type": "keyword"}}}
        if text_fields
        else {"type": "keyword"}
    )
    paths = [p for p in (profile.field(f) for f in ("service", "level", "pod", "namespace")) if p]
    leaves = {path: {"logs-1": kind} for path in paths}
    leaves["@timestamp"] = {"logs-1": {"type": "date"}}
    leaves["message"] = {"logs-1": {"type": "text"}}
    return LogSource("containers", profile, IndexFields("logs-*", ("logs-1",), leaves))


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_text_is_only_ever_a_value(text: str) -> None:
    source = vector_source()
    filters = LogFilters(text=text[:1024], service=[text[:256]], pod=[text[:256]], level=["error"])
    query = source_query(source, filters, WINDOW)
    keys, strings = keys_and_strings(query)
    fields = {"@timestamp", "message", "kubernetes.labels.app", "kubernetes.pod_name", "level"}
    assert keys <= DSL_KEYS | fields
    assert "query_string" not in json.dumps(query)
    assert "simple_query_string" not in json.dumps(query)
    assert text[:256] in strings or text[:256].rstrip("*") in strings


@pytest.mark.parametrize("text", HOSTILE)
def test_full_text_keeps_every_word(text: str) -> None:
    clauses = queries.full_text("message", text)
    keys, _ = keys_and_strings(clauses)
    assert keys <= DSL_KEYS | {"message"}
    searched = [next(iter(c.values()))["message"]["query"] for c in clauses]
    phrases, words = queries.split_quoted(text)
    assert " ".join(searched).split() == [w for p in phrases for w in p.split()] + words


@given(st.text(max_size=300))
def test_any_text_keeps_the_query_shape(text: str) -> None:
    query = source_query(vector_source(), LogFilters(text=text), WINDOW)
    keys, _ = keys_and_strings(query)
    assert keys <= DSL_KEYS | {"@timestamp", "message"}
    assert json.loads(json.dumps(query, ensure_ascii=False)) == query


def test_korean_text_passes_through_untouched() -> None:
    query = source_query(vector_source(), LogFilters(text='"결제 실패" 주문'), WINDOW)
    dumped = json.dumps(query, ensure_ascii=False)
    assert '"query": "결제 실패"' in dumped
    assert '"query": "주문"' in dumped


def test_quoted_parts_are_phrases_and_loose_words_must_all_match() -> None:
    assert queries.full_text("message", 'could "connection refused" now') == [
        {"match_phrase": {"message": {"query": "connection refused"}}},
        {"match": {"message": {"query": "could now", "operator": "and"}}},
    ]


def test_exact_match_uses_the_keyword_variant_of_text_fields() -> None:
    query = source_query(vector_source(text_fields=True), LogFilters(service="order"), WINDOW)
    assert {"terms": {"kubernetes.labels.app.keyword": ["order"]}} in query["bool"]["filter"]


def test_indices_that_disagree_are_all_matched() -> None:
    fields = IndexFields(
        "logs-*",
        ("a", "b", "c"),
        {
            "level": {
                "a": {"type": "keyword"},
                "b": {"type": "text", "fields": {"raw": {"type": "keyword"}}},
                "c": {"type": "text"},
            }
        },
    )
    assert fields.exact_variants("level") == [
        Variant("level", "term"),
        Variant("level.raw", "term"),
        Variant("level", "phrase"),
    ]
    assert queries.exact(fields.exact_variants("level"), ["ERROR"]) == {
        "bool": {
            "should": [
                {"terms": {"level": ["ERROR"]}},
                {"terms": {"level.raw": ["ERROR"]}},
                {"match_phrase": {"level": {"query": "ERROR"}}},
            ],
            "minimum_should_match": 1,
        }
    }
    assert fields.aggregatable("level") == ("level", ["b", "c"])


def test_pod_names_with_a_trailing_star_are_prefixes() -> None:
    clause = queries.names([Variant("pod", "term")], ["api-7d9*", "db-0"])
    assert clause == {
        "bool": {
            "should": [{"terms": {"pod": ["db-0"]}}, {"prefix": {"pod": {"value": "api-7d9"}}}],
            "minimum_should_match": 1,
        }
    }


def test_levels_match_every_spelling_and_severity_numbers() -> None:
    clause = queries.levels([Variant("severityText", "term")], ["error"], "severityNumber")
    should = clause["bool"]["should"]
    assert {"ERROR", "error", "Error", "ERR"} <= set(should[0]["terms"]["severityText"])
    assert should[1] == {"range": {"severityNumber": {"gte": 17, "lte": 20}}}


@pytest.mark.parametrize(
    ("text", "number", "level"),
    [("ERROR", None, "error"), ("Warning", None, "warn"), (None, 21, "fatal"), ("E", 9, "info")],
)
def test_canonical_levels(text: str | None, number: int | None, level: str) -> None:
    assert queries.canonical_level(text, number) == level


def test_auto_interval_keeps_about_sixty_buckets() -> None:
    assert queries.auto_interval(timedelta(hours=1), 60) == "1m"
    assert queries.auto_interval(timedelta(hours=6), 60) == "10m"
    assert queries.auto_interval(timedelta(days=30), 60) == "7d" or (
        timedelta(days=30) / queries.interval_length(queries.auto_interval(timedelta(days=30), 60))
        <= 60
    )


def test_time_range_is_inclusive_and_readable() -> None:
    assert queries.time_range("@timestamp", WINDOW) == {
        "range": {
            "@timestamp": {
                "gte": "2026-01-01T00:00:00+00:00",
                "lt": "2026-01-01T01:00:00+00:00",
                "format": "strict_date_optional_time",
            }
        }
    }
