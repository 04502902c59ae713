"""The JSON Schemas tools publish: cheap for a client to check each answer against.

An MCP client checks every structured result against the tool's ``outputSchema`` (the MCP
SDK's ``mcp.Client`` does, with jsonschema, in pure Python), so the schema's shape is paid per
call, per series and per point. Two things keep that cost small, one place each:

* :data:`BulkList`: a list whose items the model types and validates (on ``/rpc``, in the
  typed clients and the agent's toolbox) but whose published schema is a plain array. It is
  for bulk sample points only (thousands per answer, e.g. a range query's values): typing each
  of them cost an MCP client ~75 ms per 7,140-point answer, against ~7 ms for the rest.
* :func:`published`: pydantic's schema with the same meaning in fewer steps to check: each
  ``$ref`` replaced by its definition (a lookup per object otherwise) and
  ``anyOf: [X, {"type": "null"}]`` written as ``"type": [x, "null"]`` (one check instead of a
  sub-validation per branch). Recursive definitions keep their ``$ref``.
"""

from __future__ import annotations

from typing import Annotated, Any, TypeVar

from pydantic import WithJsonSchema

T = TypeVar("T")

BulkList = Annotated[list[T], WithJsonSchema({"type": "array"})]
"""``list[T]``, validated as such, published as ``{"type": "array"}`` (bulk points only)."""

Schema = dict[str, Any]

# Keywords that describe without constraining: they may be merged without changing meaning.
_ANNOTATIONS = frozenset(
    {"title", "description", "default", "examples", "deprecated", "readOnly", "writeOnly"}
)
# Keywords that constrain an instance of any type (the rest only apply to their own type, so
# they let a null through): a branch using them cannot take "null" into its own "type".
_ANY_TYPE = frozenset(
    {"enum", "const", "not", "allOf", "anyOf", "oneOf", "$ref", "if", "then", "else", "type"}
)
_NULL: Schema = {"type": "null"}
_DEFS_PREFIX = "#/$defs/"


def published(schema: Schema) -> Schema:
    """``schema`` (pydantic's, with local ``$defs``) as published: refs inlined, nulls folded."""
    definitions: dict[str, Any] = schema.get("$defs", {})
    kept: dict[str, Schema] = {}

    def walk(node: Any, expanding: frozenset[str]) -> Any:
        if isinstance(node, list):
            return [walk(item, expanding) for item in node]
        if not isinstance(node, dict):
            return node
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith(_DEFS_PREFIX):
            name = ref.removeprefix(_DEFS_PREFIX)
            siblings = {k: v for k, v in node.items() if k not in ("$ref", "$defs")}
            if name in expanding or not set(siblings) <= _ANNOTATIONS:
                if name not in kept:
                    kept[name] = {}  # placeholder first: a recursive definition ends here
                    kept[name] = walk(definitions[name], expanding | {name})
                return {"$ref": ref, **walk(siblings, expanding)}
            return {**walk(definitions[name], expanding | {name}), **siblings}
        folded = {key: walk(value, expanding) for key, value in node.items() if key != "$defs"}
        return _fold_null(folded)

    result: Schema = walk(schema, frozenset())
    if kept:
        result["$defs"] = kept
    return result


def _fold_null(node: Schema) -> Schema:
    """``{"anyOf": [X, {"type": "null"}], ...}`` as ``{"type": [x, "null"], ...X, ...}``."""
    branches = node.get("anyOf")
    if not isinstance(branches, list) or len(branches) != 2 or _NULL not in branches:
        return node
    others = [branch for branch in branches if branch != _NULL]
    if len(others) != 1 or not isinstance(others[0], dict):
        return node
    other = others[0]
    kind = other.get("type")
    rest = {key: value for key, value in node.items() if key != "anyOf"}
    if (
        not isinstance(kind, str)
        or set(other) & (_ANY_TYPE - {"type"})
        or (set(other) & set(rest)) - _ANNOTATIONS
    ):
        return node
    return {"type": [kind, "null"], **{k: v for k, v in other.items() if k != "type"}, **rest}
