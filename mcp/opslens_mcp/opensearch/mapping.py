"""What the indices behind a pattern actually map: field types, keyword sub-fields, conflicts.

Real indices differ from the profile's assumptions: dynamically mapped logs store strings as
``text`` with a ``.keyword`` sub-field, one daily index may map a field differently from the
next. :class:`IndexFields` reads ``GET <pattern>/_mapping/field/<fields>`` once and tells the
query builders how to match a field exactly in every index, so filters stay correct.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Literal

from opslens_mcp.core.errors import BackendError

MatchMode = Literal["term", "phrase"]
_KEYWORD_LIKE = {"keyword", "constant_keyword", "wildcard", "boolean", "ip", "version"}
_NUMBERS = {
    "long", "integer", "short", "byte", "double", "float", "half_float", "scaled_float",
    "unsigned_long",
}  # fmt: skip
_DATES = {"date", "date_nanos"}


@dataclass(frozen=True)
class Variant:
    """One way to match a field exactly: a ``term`` on ``path`` or a phrase on a text field."""

    path: str
    mode: MatchMode


def _variant(path: str, leaf: dict[str, Any]) -> Variant | None:
    kind = leaf.get("type", "object")
    if kind in _KEYWORD_LIKE or kind in _NUMBERS or kind in _DATES:
        return Variant(path, "term")
    if kind in ("text", "match_only_text"):
        for sub, sub_leaf in (leaf.get("fields") or {}).items():
            if sub_leaf.get("type") in _KEYWORD_LIKE:
                return Variant(f"{path}.{sub}", "term")
        return Variant(path, "phrase")
    return None


@dataclass
class IndexFields:
    """The mappings of some fields in every index an index pattern matches."""

    pattern: str
    indices: tuple[str, ...]
    leaves: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    """field path -> index -> the field's mapping (``{"type": ..., "fields": ...}``)."""

    @classmethod
    def from_response(cls, pattern: str, response: dict[str, Any]) -> IndexFields:
        """Read the answer of ``indices.get_field_mapping``."""
        leaves: dict[str, dict[str, dict[str, Any]]] = {}
        for index, body in response.items():
            for path, entry in (body.get("mappings") or {}).items():
                mapping = entry.get("mapping") or {}
                if mapping:
                    leaves.setdefault(path, {})[index] = next(iter(mapping.values()))
        return cls(pattern, tuple(sorted(response)), leaves)

    def is_mapped(self, path: str) -> bool:
        return bool(self.leaves.get(path))

    def types(self, path: str) -> dict[str, str]:
        """Index -> mapped type of ``path`` (indices that lack it are left out)."""
        return {
            index: leaf.get("type", "object") for index, leaf in self.leaves.get(path, {}).items()
        }

    def exact_variants(self, path: str) -> list[Variant]:
        """How to match ``path`` exactly across all indices (one entry when they agree)."""
        found: list[Variant] = []
        for leaf in self.leaves.get(path, {}).values():
            variant = _variant(path, leaf)
            if variant is not None and variant not in found:
                found.append(variant)
        return found or [Variant(path, "term")]

    def aggregatable(self, path: str) -> tuple[str | None, list[str]]:
        """The path to aggregate ``path`` on, and the indices where that path does not work.

        When indices disagree (``keyword`` here, ``text`` + ``.keyword`` there), the variant
        most indices share wins and the others are reported so the caller can warn.
        """
        votes: Counter[str] = Counter()
        by_index: dict[str, str] = {}
        for index, leaf in self.leaves.get(path, {}).items():
            variant = _variant(path, leaf)
            if variant is not None and variant.mode == "term":
                votes[variant.path] += 1
                by_index[index] = variant.path
        if not votes:
            return None, list(self.leaves.get(path, {}))
        chosen = votes.most_common(1)[0][0]
        left_out = [index for index in self.leaves.get(path, {}) if by_index.get(index) != chosen]
        return chosen, sorted(left_out)

    def require_date(self, path: str, what: str) -> None:
        """Raise a clear error when ``path`` is mapped as something other than a date."""
        wrong = {index: kind for index, kind in self.types(path).items() if kind not in _DATES}
        if wrong:
            listed = ", ".join(f"{index} ({kind})" for index, kind in sorted(wrong.items())[:5])
            raise BackendError(
                "opensearch",
                f"mapping conflict: {what} time field {path!r} is not a date in {listed}; "
                "point the profile's time_field at a date field or fix the index template",
                409,
            )

    def is_number(self, path: str) -> bool:
        kinds = set(self.types(path).values())
        return bool(kinds) and kinds <= _NUMBERS
