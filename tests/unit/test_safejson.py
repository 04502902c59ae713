"""Rendering answers: orjson for the common case, the standard library for what it refuses,
the same text either way."""

from __future__ import annotations

import json

import pytest

from opslens_mcp.core.safejson import json_text

CASES: list[dict[object, object]] = [
    {"message": "결제 서비스 오류", "values": [1, 2.5, None, True], "nested": {"k": []}},
    {"small": 1e-7, "large": 1.5e300, "negative": -0.0},
    {"big": 2**70},  # beyond 64 bits: the standard library renders it
    {1: "int keys become strings"},
    {"lone": "\ud800 stays escaped"},
]


@pytest.mark.parametrize("value", CASES)
def test_same_value_as_the_standard_library(value: dict[object, object]) -> None:
    text = json_text(value)
    assert json.loads(text) == json.loads(json.dumps(value))
    if "lone" not in value:
        assert "\\u" not in text  # Korean and other text is never escaped


def test_a_lone_surrogate_is_escaped_and_everything_else_kept() -> None:
    assert json_text({"s": "\ud800x", "k": "한"}) == '{"s":"\\ud800x","k":"\\ud55c"}'
    assert json_text({"k": "한"}) == '{"k":"한"}'
