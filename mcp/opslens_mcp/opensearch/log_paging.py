"""Paging through several log sources as one list: sorted pages, merging, opaque cursors.

Each source is searched with the same sort (time, then ``_id``) and ``search_after``; the pages
are merged by time and cut at the limit. The cursor remembers, per source, the last record
handed out, and the resolved time range, so the next page continues exactly where this one
stopped even when the range was relative (``now-1h``).
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass, field
from typing import Any, Literal

from opslens_mcp.core.errors import InvalidParams
from opslens_mcp.opensearch.log_filters import LOGICAL_FIELDS, LogSource
from opslens_mcp.opensearch.queries import Clause

Sort = Literal["newest", "oldest"]
Hit = dict[str, Any]


@dataclass
class Cursor:
    """Where the next page starts."""

    start: str
    end: str
    sort: Sort
    digest: str
    after: dict[str, list[Any]] = field(default_factory=dict)
    done: list[str] = field(default_factory=list)

    def encode(self) -> str:
        raw = json.dumps(self.__dict__, separators=(",", ":"), ensure_ascii=False)
        return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")

    @classmethod
    def decode(cls, token: str) -> Cursor:
        try:
            padded = token + "=" * (-len(token) % 4)
            data = json.loads(base64.urlsafe_b64decode(padded.encode()))
            return cls(**data)
        except (ValueError, TypeError) as exc:
            raise InvalidParams("the cursor is not one this server handed out") from exc


def query_digest(queries: dict[str, Clause], sort: Sort) -> str:
    """A short fingerprint of the queries, so a cursor is only used with the same filters."""
    text = json.dumps([queries, sort], sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def page_body(
    source: LogSource, query: Clause, sort: Sort, size: int, after: list[Any] | None
) -> dict[str, Any]:
    """One page of one source; times sort as nanoseconds so sources merge exactly."""
    order = "desc" if sort == "newest" else "asc"
    paths = sorted({p for p in (source.path(f) for f in LOGICAL_FIELDS) if p})
    body: dict[str, Any] = {
        "query": query,
        "size": size,
        "sort": [
            {source.profile.time_field: {"order": order, "numeric_type": "date_nanos"}},
            {"_id": {"order": "asc"}},
        ],
        "track_total_hits": True,
        "_source": {"includes": paths},
    }
    if after:
        body["search_after"] = after
    return body


def merge(pages: dict[str, list[Hit]], sort: Sort, limit: int) -> list[tuple[str, Hit]]:
    """The first ``limit`` hits of all pages in the requested order."""
    tagged = [(name, hit) for name, hits in pages.items() for hit in hits]

    def key(item: tuple[str, Hit]) -> tuple[int, str, str]:
        values = item[1].get("sort") or [0, ""]
        moment = int(values[0]) if values[0] is not None else 0
        return (-moment if sort == "newest" else moment, str(values[-1]), item[0])

    return sorted(tagged, key=key)[:limit]


def next_cursor(
    cursor: Cursor, pages: dict[str, list[Hit]], taken: list[tuple[str, Hit]]
) -> Cursor | None:
    """The cursor after handing out ``taken``; ``None`` when every source is exhausted."""
    after = dict(cursor.after)
    done = list(cursor.done)
    for name, hits in pages.items():
        mine = [hit for source, hit in taken if source == name]
        if mine:
            after[name] = list(mine[-1].get("sort") or [])
        if len(hits) <= len(mine):
            done.append(name)
    if all(name in done for name in pages):
        return None
    return Cursor(cursor.start, cursor.end, cursor.sort, cursor.digest, after, sorted(set(done)))
