"""Ground truth computed from the public data files, for comparing with what the tools say."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from typing import Any

from opslens_mcp.opensearch.normalize import lookup, to_nanos

Doc = dict[str, Any]
# Nezha's logs fall on 2023-01-29 and 2023-01-30; the sample app's spans on 2021-03-25 and
# 2021-04-20; these windows hold each dataset whole.
NEZHA_WINDOW = {"start": "2023-01-29T00:00:00Z", "end": "2023-01-31T00:00:00Z"}
SAMPLE_APP_WINDOW = {"start": "2021-03-25T00:00:00Z", "end": "2021-04-21T00:00:00Z"}
OTEL2_WINDOW = {"start": "2026-02-05T00:00:00Z", "end": "2026-02-06T00:00:00Z"}
JAEGER_WINDOW = {"start": "2023-01-24T00:00:00Z", "end": "2023-01-25T00:00:00Z"}


def tokens(text: str) -> list[str]:
    """Words as OpenSearch's standard analyzer sees plain ASCII words (lower-cased)."""
    return re.findall(r"[a-z0-9]+", text.lower())


def has_phrase(text: str, phrase: str) -> bool:
    words, wanted = tokens(text), tokens(phrase)
    return any(words[i : i + len(wanted)] == wanted for i in range(len(words)))


def by(docs: list[Doc], path: str) -> Counter[str]:
    return Counter(str(lookup(doc, path)) for doc in docs if lookup(doc, path) is not None)


def spans_by_trace(docs: list[Doc], trace_field: str = "traceId") -> dict[str, list[Doc]]:
    traces: dict[str, list[Doc]] = defaultdict(list)
    for doc in docs:
        traces[str(lookup(doc, trace_field))].append(doc)
    return traces


def nanos(value: Any) -> int:
    found = to_nanos(value)
    assert found is not None, value
    return found
