"""One envelope for every tool result, whichever server answered.

The three servers report "what ran" in their own words (OpenSearch ``requests``, Prometheus
``promql``/``queries``/``request(s)``, Kubernetes ``queries``/``query``) and their window as
``time_range``, ``start``/``time``/``end`` or ``now``. :func:`envelope_of` reads any result
model into one :class:`ResultEnvelope`, so callers never look at those fields by name.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

Backend = Literal["opensearch", "prometheus", "kubernetes"]
DATA_LISTS = (
    "records",
    "traces",
    "groups",
    "edges",
    "services",
    "workloads",
    "series",
    "pods",
    "events",
    "findings",
    "patterns",
    "values",
    "buckets",
    "nodes",
    "deployments",
    "lines",
    "changes",
    "metrics",
    "targets",
    "alerts",
    "rules",
)
"""Fields that hold a result's data: a result whose lists are all empty has no data."""


class Window(BaseModel):
    """The time vocabulary of every result: the range it covers, ``end`` excluded."""

    start: datetime | None = None
    end: datetime | None = None


class NativeQuery(BaseModel):
    """One backend query a tool ran, as text a person can rerun."""

    backend: Backend
    text: str
    name: str | None = Field(default=None, description="The measure it computes, if named.")


class ResultEnvelope(BaseModel):
    """What every result says besides its data."""

    status: Literal["ok", "no-data"]
    queries: list[NativeQuery] = Field(default_factory=list)
    window: Window | None = None
    truncated: bool = False
    warnings: list[str] = Field(default_factory=list)

    def native_text(self) -> str:
        """The queries as one text: OpenSearch requests apart, PromQL under its measure."""
        if self.queries and self.queries[0].backend == "opensearch":
            return "\n\n".join(query.text for query in self.queries)
        return "\n".join(
            f"# {query.name}\n{query.text}" if query.name else query.text for query in self.queries
        )


def _opensearch(request: Any) -> NativeQuery:
    body = json.dumps(request.body, ensure_ascii=False, indent=1)
    return NativeQuery(backend="opensearch", text=f"{request.method} {request.path}\n{body}")


def _kubernetes(query: Any) -> NativeQuery:
    return NativeQuery(backend="kubernetes", text=query.kubectl or f"GET {query.path}")


def _prometheus_api(call: Any) -> NativeQuery:
    params = "&".join(f"{key}={value}" for key, value in call.params.items())
    return NativeQuery(backend="prometheus", text=f"{call.method} {call.path}?{params}")


def _field(result: BaseModel, name: str) -> Any:
    """A field of any result model, None where that model has no such field."""
    return getattr(result, name, None)


def _some(result: BaseModel, many: str, one: str) -> list[Any]:
    """A list field (``queries``), or the single one (``query``) as a list."""
    single = _field(result, one)
    return list(_field(result, many) or ([single] if single else []))


def _queries(backend: Backend, result: BaseModel) -> list[NativeQuery]:
    if backend == "opensearch":
        return [_opensearch(request) for request in _field(result, "requests") or []]
    if backend == "kubernetes":
        return [_kubernetes(call) for call in _some(result, "queries", "query")]
    if _field(result, "promql"):
        return [NativeQuery(backend="prometheus", text=_field(result, "promql"))]
    named = _field(result, "queries")
    if isinstance(named, dict):
        return [NativeQuery(backend="prometheus", text=t, name=n) for n, t in named.items()]
    if _field(result, "promql_current"):
        return [
            NativeQuery(
                backend="prometheus", text=_field(result, "promql_current"), name="current"
            ),
            NativeQuery(
                backend="prometheus", text=_field(result, "promql_baseline"), name="baseline"
            ),
        ]
    return [_prometheus_api(call) for call in _some(result, "requests", "request")]


def _window(result: BaseModel) -> Window | None:
    time_range = _field(result, "time_range")
    if time_range is not None:
        return Window.model_validate(time_range.model_dump())
    start = _field(result, "start")
    end = _field(result, "end") or _field(result, "time") or _field(result, "now")
    if isinstance(end, datetime) or isinstance(start, datetime):
        return Window(
            start=start if isinstance(start, datetime) else None,
            end=end if isinstance(end, datetime) else None,
        )
    return None


def _has_data(result: BaseModel) -> bool:
    found = [_field(result, name) for name in DATA_LISTS]
    lists = [value for value in found if isinstance(value, list | dict)]
    total = _field(result, "total")
    if isinstance(total, int) and not isinstance(total, bool):
        return total > 0 or any(lists)
    return not lists or any(lists)


def envelope_of(backend: Backend, result: BaseModel) -> ResultEnvelope:
    """The one envelope of any tool ``result`` of ``backend``."""
    return ResultEnvelope(
        status="ok" if _has_data(result) else "no-data",
        queries=_queries(backend, result),
        window=_window(result),
        truncated=bool(_field(result, "truncated") or _field(result, "has_more")),
        warnings=list(_field(result, "warnings") or []),
    )
