"""Trace ids in questions: W3C/OpenTelemetry 32-hex ids and 16-hex (Jaeger, Zipkin) ids.

A 16-hex token needs a letter and a digit, or "trace" before it, so plain numbers are not read
as ids. After "trace"/"trace id"/"트레이스", any 16- to 64-hex token counts (some pipelines
write longer ids). The keyword is consumed with the id: "logs for trace 4bf9..." is a logs
question about one trace, not a traces question.
"""

from __future__ import annotations

import re

from opslens.agent.understanding.normalize import Scan

_KEYWORD = r"(?:trace[\s_-]*id|traceid|trace|트레이스\s*(?:id|아이디)?|추적\s*(?:id|아이디))"
_BOUNDARY_LEFT = r"(?<![0-9a-z])"
_BOUNDARY_RIGHT = r"(?![0-9a-z])"

_AFTER_KEYWORD = re.compile(
    rf"(?<![a-z]){_KEYWORD}\s*(?:[:=#]\s*)?(?:는|은|가|이)?\s*{_BOUNDARY_LEFT}(?P<id>[0-9a-f]{{16,64}}){_BOUNDARY_RIGHT}"
)
_FULL = re.compile(rf"{_BOUNDARY_LEFT}(?P<id>[0-9a-f]{{32}}){_BOUNDARY_RIGHT}")
_SHORT = re.compile(
    rf"{_BOUNDARY_LEFT}(?P<id>(?=[0-9a-f]*[a-f])(?=[0-9a-f]*\d)[0-9a-f]{{16}}){_BOUNDARY_RIGHT}"
)
# W3C traceparent: version-traceid-parentid-flags; the trace id is the second part.
_TRACEPARENT = re.compile(
    r"(?<![0-9a-f])[0-9a-f]{2}-(?P<id>[0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}(?![0-9a-f])"
)


def find_trace_id(scan: Scan) -> str | None:
    """The first trace id in the question, lowercase (consumed), or ``None``."""
    for pattern in (_TRACEPARENT, _AFTER_KEYWORD, _FULL, _SHORT):
        match = scan.take(pattern)
        if match:
            return match["id"]
    return None
