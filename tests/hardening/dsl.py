"""Reading the OpenSearch requests a tool reports: where user text sits in the query DSL.

A *value slot* is a place that holds data, never structure: an item of a ``terms`` list, the
``query`` of ``match``, ``match_phrase`` or ``match_phrase_prefix``, the ``value`` of
``prefix``. The *skeleton* of a request is the request with every value slot blanked, so two
requests built from different user text must have equal skeletons.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

SLOT = "<value>"
TEXT_QUERIES = ("match", "match_phrase", "match_phrase_prefix")
# Query types that interpret their text (syntax, patterns, code): user text must never get here.
INTERPRETING = {
    "query_string", "simple_query_string", "script", "script_score", "regexp", "wildcard",
    "fuzzy", "match_all", "intervals", "more_like_this", "template",
}  # fmt: skip
Path = tuple[str | int, ...]


def _is_slot(path: Path) -> bool:
    if len(path) >= 3 and path[-3] == "terms" and isinstance(path[-1], int):
        return True
    if len(path) >= 3 and path[-3] in TEXT_QUERIES and path[-1] == "query":
        return True
    return len(path) >= 3 and path[-3] == "prefix" and path[-1] == "value"


def _walk(node: Any, path: Path = ()) -> Iterator[tuple[Path, Any, bool]]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield (*path, key), key, True
            yield from _walk(value, (*path, key))
    elif isinstance(node, list):
        for index, item in enumerate(node):
            yield from _walk(item, (*path, index))
    else:
        yield path, node, False


def keys(node: Any) -> set[str]:
    return {value for _, value, is_key in _walk(node) if is_key}


def slot_strings(node: Any) -> list[str]:
    """Every string in a value slot."""
    return [value for path, value, is_key in _walk(node) if not is_key and _is_slot(path)]


def skeleton(node: Any) -> Any:
    """``node`` with each value slot replaced by :data:`SLOT` (``terms`` lists by one slot)."""

    def blank(value: Any, path: Path) -> Any:
        if isinstance(value, dict):
            if path and path[-1] == "terms":
                return {
                    key: [SLOT] if isinstance(item, list) else blank(item, (*path, key))
                    for key, item in value.items()
                }
            return {key: blank(item, (*path, key)) for key, item in value.items()}
        if isinstance(value, list):
            return [blank(item, (*path, index)) for index, item in enumerate(value)]
        return SLOT if _is_slot(path) else value

    return blank(node, ())


def request_bodies(result: dict[str, Any]) -> list[Any]:
    """The bodies of the requests an OpenSearch tool result reports."""
    return [request["body"] for request in result["requests"]]
