"""Trace tools against real spans: the Data Prepper sample app and Nezha (1.x layout), the
synthetic OTel demo (nested 2.x) and Jaeger HotROD (Jaeger's schema), checked against the files."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, ClassVar

import pytest
from opensearchpy import AIOHttpConnection

from opslens.devstack.asgi import serve
from opslens.devstack.opensearch import OpenSearchBackend
from opslens_mcp.core.app import create_app
from opslens_mcp.core.settings import ServerSettings
from opslens_mcp.opensearch.client import OpenSearchClient
from opslens_mcp.opensearch.server import create_service
from opslens_mcp.opensearch.settings import OpenSearchSettings
from tests.opensearch import public_data
from tests.opensearch.public_data import PublicData
from tests.opensearch.rpc import Rpc
from tests.opensearch.truth import (
    JAEGER_WINDOW,
    OTEL2_WINDOW,
    SAMPLE_APP_WINDOW,
    by,
    nanos,
    spans_by_trace,
)

Doc = dict[str, Any]

pytestmark = pytest.mark.integration


def is_error(doc: Doc) -> bool:
    return doc.get("status.code") == 2 or (doc.get("status") or {}).get("code") == 2


def test_services_and_span_counts(platform: Rpc, pubdata: PublicData) -> None:
    result = platform("list_services", **SAMPLE_APP_WINDOW)
    spans = {s["name"]: s["spans"] for s in result["services"] if s["spans"]}
    assert spans == by(pubdata.docs["dp_spans"], "serviceName")


def test_error_traces_are_those_with_error_spans(platform: Rpc, pubdata: PublicData) -> None:
    traces = spans_by_trace(pubdata.docs["dp_spans"])
    failed = {t for t, spans in traces.items() if any(is_error(s) for s in spans)}
    result = platform("search_traces", errors_only=True, limit=200, **SAMPLE_APP_WINDOW)
    assert result["total"] == len(failed) and not result["has_more"]
    assert {t["trace_id"] for t in result["traces"]} == failed
    for summary in result["traces"]:
        spans = traces[summary["trace_id"]]
        assert summary["span_count"] == len(spans)
        assert summary["error_count"] == sum(is_error(s) for s in spans)
        assert summary["services"] == sorted({s["serviceName"] for s in spans})
        assert summary["duration_ms"] == pytest.approx(
            max(s["durationInNanos"] for s in spans) / 1e6, abs=1e-3
        )
        roots = [s for s in spans if not s["parentSpanId"]]
        assert summary["partial"] == (not roots)
        if roots:
            first = min(roots, key=lambda s: nanos(s["startTime"]))
            assert (summary["root_service"], summary["root_operation"]) == (
                first["serviceName"],
                first["name"],
            )


def test_slow_spans_of_one_service(platform: Rpc, pubdata: PublicData) -> None:
    service, threshold_ms = "order", 200
    traces = spans_by_trace(pubdata.docs["dp_spans"])
    slow = {
        t
        for t, spans in traces.items()
        if any(
            s["serviceName"] == service and s["durationInNanos"] >= threshold_ms * 1e6
            for s in spans
        )
    }
    result = platform(
        "search_traces",
        service=service,
        min_duration_ms=threshold_ms,
        limit=200,
        **SAMPLE_APP_WINDOW,
    )
    assert {t["trace_id"] for t in result["traces"]} == slow and result["total"] == len(slow)
    top = platform("search_traces", limit=5, **SAMPLE_APP_WINDOW)["traces"]
    longest = sorted(
        (max(s["durationInNanos"] for s in spans) for spans in traces.values()), reverse=True
    )
    assert [t["duration_ms"] for t in top] == pytest.approx(
        [n / 1e6 for n in longest[:5]], abs=1e-3
    )


def test_one_trace_as_a_tree(platform: Rpc, pubdata: PublicData) -> None:
    traces = spans_by_trace(pubdata.docs["dp_spans"])
    trace_id = max(
        (t for t, spans in traces.items() if any(is_error(s) for s in spans)),
        key=lambda t: len(traces[t]),
    )
    spans = traces[trace_id]
    detail = platform("get_trace", trace_id=trace_id)["trace"]
    assert detail["span_count"] == detail["spans_returned"] == len(spans) and detail["complete"]
    by_id = {s["spanId"]: s for s in spans}
    for view in detail["spans"]:
        doc = by_id[view["span_id"]]
        assert view["parent_span_id"] == (doc["parentSpanId"] or None)
        assert view["duration_ms"] == pytest.approx(doc["durationInNanos"] / 1e6, abs=1e-3)
        assert view["orphan"] == bool(doc["parentSpanId"] and doc["parentSpanId"] not in by_id)
        assert 0 <= view["self_time_ms"] <= view["duration_ms"]
        assert view["peer"] == doc.get("span.attributes.net@peer@name")
    assert {e["span_id"] for e in detail["errors"]} == {s["spanId"] for s in spans if is_error(s)}
    root = next(s for s in spans if not s["parentSpanId"])
    assert sum(step["duration_ms"] for step in detail["critical_path"]) == pytest.approx(
        root["durationInNanos"] / 1e6, abs=0.01
    )
    below: dict[str, set[str]] = {}
    for doc in spans:  # every span's ancestors, walked up from the file's parent links
        parent = doc["parentSpanId"]
        while parent in by_id:
            below.setdefault(parent, set()).add(doc["spanId"])
            parent = by_id[parent]["parentSpanId"]
    origins = {
        s["spanId"]
        for s in spans
        if is_error(s) and not any(is_error(by_id[d]) for d in below.get(s["spanId"], ()))
    }
    assert {e["span_id"] for e in detail["errors"] if e["origin"]} == origins


def test_orphans_are_flagged(platform: Rpc, pubdata: PublicData) -> None:
    docs = pubdata.docs["dp_spans"]
    ids = {d["spanId"] for d in docs}
    orphan_traces = {
        d["traceId"] for d in docs if d["parentSpanId"] and d["parentSpanId"] not in ids
    }
    result = platform("get_traces", trace_ids=sorted(orphan_traces), include_spans=True)
    assert not result["missing"] and not result["truncated"]
    flagged = sum(s["orphan"] for t in result["traces"] for s in t["spans"])
    assert flagged == sum(1 for d in docs if d["parentSpanId"] and d["parentSpanId"] not in ids)


def counting_connection() -> type[AIOHttpConnection]:
    class Counting(AIOHttpConnection):
        paths: ClassVar[list[str]] = []

        async def perform_request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Any:
            type(self).paths.append(url)
            return await super().perform_request(method, url, *args, **kwargs)

    return Counting


@pytest.fixture()
def counted(
    opensearch_backend: OpenSearchBackend, pubdata: PublicData
) -> Iterator[tuple[Rpc, list[str]]]:
    connection = counting_connection()
    settings = OpenSearchSettings(
        url=opensearch_backend.url, profiles=public_data.platform_profiles()
    )
    client = OpenSearchClient(settings, connection_class=connection)
    with serve(create_app(create_service(settings, client=client), ServerSettings())) as url:
        yield Rpc(url), connection.paths  # type: ignore[attr-defined]


def test_get_traces_of_1000_ids_is_one_search(
    counted: tuple[Rpc, list[str]], pubdata: PublicData
) -> None:
    rpc, paths = counted
    real = sorted(spans_by_trace(pubdata.docs["dp_spans"]))
    made_up = [f"{n:032x}" for n in range(1000 - len(real))]
    ten = rpc("get_traces", trace_ids=real[:10])
    searches_for_ten = sum("_search" in p for p in paths)
    paths.clear()
    result = rpc("get_traces", trace_ids=real + made_up)
    searches_for_1000 = [p for p in paths if "_search" in p]
    assert searches_for_ten == len(searches_for_1000) == 1
    assert len(paths) <= 2  # the search, and at most one field-mapping lookup
    assert {t["trace_id"] for t in result["traces"]} == set(real)
    assert sorted(result["missing"]) == made_up and not result["truncated"]
    counts = {t: len(s) for t, s in spans_by_trace(pubdata.docs["dp_spans"]).items()}
    assert {t["trace_id"]: t["span_count"] for t in result["traces"]} == counts
    assert [t["trace_id"] for t in ten["traces"]] == real[:10]


def test_spans_beyond_max_spans_are_flagged(platform: Rpc, pubdata: PublicData) -> None:
    traces = spans_by_trace(pubdata.docs["nezha_spans"])
    ids = sorted(traces)[:20]
    result = platform("get_traces", trace_ids=ids, max_spans=100)
    assert result["truncated"]
    assert sum(t["spans_returned"] for t in result["traces"]) == 100
    assert all(t["span_count"] == len(traces[t["trace_id"]]) for t in result["traces"])
    assert not all(t["complete"] for t in result["traces"])
    assert result["not_fetched"] and not result["missing"]
    assert {t["trace_id"] for t in result["traces"]} | set(result["not_fetched"]) == set(ids)


ROW_FIELDS = ["span_id", "parent_span_id", "service", "operation", "kind", "start", "duration_ms"]


def test_get_spans_rows_are_the_span_views_of_get_traces(
    platform: Rpc, pubdata: PublicData
) -> None:
    traces = spans_by_trace(pubdata.docs["nezha_spans"])
    ids = sorted(traces)[:20]
    rows = platform("get_spans", trace_ids=ids, fields=ROW_FIELDS)
    views = platform("get_traces", trace_ids=ids, include_spans=True)
    assert rows["fields"] == ROW_FIELDS and not rows["truncated"] and not rows["missing"]
    assert [t["trace_id"] for t in rows["traces"]] == [t["trace_id"] for t in views["traces"]]
    for compact, view in zip(rows["traces"], views["traces"], strict=True):
        assert compact["complete"]
        assert compact["rows"] == [[span[f] for f in ROW_FIELDS] for span in view["spans"]]
        in_file = sorted(str(doc["spanId"]) for doc in traces[compact["trace_id"]])
        assert sorted(row[0] for row in compact["rows"]) == in_file


def test_get_spans_beyond_max_spans_are_flagged(platform: Rpc, pubdata: PublicData) -> None:
    ids = sorted(spans_by_trace(pubdata.docs["nezha_spans"]))[:20]
    result = platform("get_spans", trace_ids=ids, fields=["span_id"], max_spans=100)
    assert result["truncated"] and sum(len(t["rows"]) for t in result["traces"]) == 100
    assert {t["trace_id"] for t in result["traces"]} | set(result["not_fetched"]) == set(ids)


def test_error_logs_lead_to_their_traces(platform: Rpc, pubdata: PublicData) -> None:
    errors = platform(
        "search_logs",
        level="error",
        sources=["containers"],
        limit=500,
        start="2023-01-29T00:00:00Z",
        end="2023-01-31T00:00:00Z",
    )
    trace_ids = sorted({r["trace_id"] for r in errors["records"]})
    spans = spans_by_trace(pubdata.docs["nezha_spans"])
    result = platform("get_traces", trace_ids=trace_ids)
    assert {t["trace_id"] for t in result["traces"]} == {t for t in trace_ids if t in spans}
    for trace in result["traces"]:
        assert trace["span_count"] == len(spans[trace["trace_id"]])


def test_otel2_error_logs_sit_on_the_error_spans(otel2: Rpc, pubdata: PublicData) -> None:
    logs = otel2("search_logs", level="error", **OTEL2_WINDOW)["records"]
    assert len(logs) == sum(d["severityText"] == "ERROR" for d in pubdata.docs["otel_logs"])
    result = otel2("get_traces", trace_ids=[r["trace_id"] for r in logs], include_spans=True)
    error_spans = {(e["span_id"]) for t in result["traces"] for e in t["errors"]}
    assert error_spans == {r["span_id"] for r in logs}
    expected = {
        s["spanId"]: s["status"]["message"] for s in pubdata.docs["otel2_spans"] if is_error(s)
    }
    assert {e["span_id"]: e["message"] for t in result["traces"] for e in t["errors"]} == expected
    summaries = otel2("search_traces", errors_only=True, **OTEL2_WINDOW)
    assert {t["trace_id"] for t in summaries["traces"]} == {r["trace_id"] for r in logs}


def test_jaeger_spans(jaeger: Rpc, pubdata: PublicData) -> None:
    docs = pubdata.docs["jaeger_spans"]
    traces = spans_by_trace(docs, "traceID")
    failed = {t for t, spans in traces.items() if any(s["tag"].get("error") for s in spans)}
    result = jaeger("search_traces", errors_only=True, limit=50, **JAEGER_WINDOW)
    assert {t["trace_id"] for t in result["traces"]} == failed
    for summary in result["traces"]:
        spans = traces[summary["trace_id"]]
        assert summary["error_count"] == sum(bool(s["tag"].get("error")) for s in spans)
        roots = [s for s in spans if not s["references"]]
        assert summary["root_service"] == roots[0]["process"]["serviceName"]
        assert summary["duration_ms"] == pytest.approx(max(s["duration"] for s in spans) / 1e3)
    trace_id = sorted(failed)[0]
    detail = jaeger("get_trace", trace_id=trace_id)["trace"]
    parents = {
        s["spanID"]: (s["references"][0]["spanID"] if s["references"] else None)
        for s in traces[trace_id]
    }
    assert {v["span_id"]: v["parent_span_id"] for v in detail["spans"]} == parents
    assert {e["span_id"] for e in detail["errors"]} == {
        s["spanID"] for s in traces[trace_id] if s["tag"].get("error")
    }
    assert all(e["message"] == "redis timeout" for e in detail["errors"])
