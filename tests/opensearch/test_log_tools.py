"""Log tools against real container logs (Nezha TrainTicket as Vector ships them) and the
synthetic OpenTelemetry logs, compared with what the files hold."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import datetime

import httpx
import pytest

from opslens.devstack.asgi import serve
from opslens.devstack.opensearch import OpenSearchBackend
from opslens_mcp.core.app import create_app
from opslens_mcp.core.settings import ServerSettings
from opslens_mcp.opensearch.normalize import to_nanos
from opslens_mcp.opensearch.server import create_service
from opslens_mcp.opensearch.settings import OpenSearchSettings
from tests.opensearch import public_data
from tests.opensearch.public_data import NEZHA_NAMESPACE, PublicData
from tests.opensearch.rpc import Rpc
from tests.opensearch.truth import NEZHA_WINDOW, OTEL2_WINDOW, by, has_phrase, tokens

CONTAINERS = {**NEZHA_WINDOW, "sources": ["containers"]}
PAGE = 20

pytestmark = pytest.mark.integration


def test_error_counts_per_service_equal_the_files(platform: Rpc, pubdata: PublicData) -> None:
    errors = [d for d in pubdata.vector_logs if d.get("level") == "ERROR"]
    counted = platform("count_logs", level="error", **CONTAINERS)
    assert counted["total"] == counted["by_source"]["containers"] == len(errors)
    top = platform("top_values", field="service", level="error", limit=100, **CONTAINERS)
    assert {v["value"]: v["count"] for v in top["values"]} == by(errors, "kubernetes.labels.app")
    assert top["total"] == len(errors) and top["other"] == 0


def test_levels_and_namespace(platform: Rpc, pubdata: PublicData) -> None:
    levels = by(pubdata.vector_logs, "level")
    top = platform("top_values", field="level", limit=10, **CONTAINERS)
    assert {v["value"]: v["count"] for v in top["values"]} == {
        word.lower(): n for word, n in levels.items()
    }
    assert top["other"] == len(pubdata.vector_logs) - sum(levels.values())  # lines without level
    warn = platform("count_logs", level=["warn", "error"], namespace=NEZHA_NAMESPACE, **CONTAINERS)
    assert warn["total"] == levels["WARN"] + levels["ERROR"]


def test_paging_returns_every_line_once_newest_first(platform: Rpc, pubdata: PublicData) -> None:
    service = "ts-travel-service"
    expected = [d for d in pubdata.vector_logs if d["kubernetes"]["labels"]["app"] == service]
    seen: list[dict] = []
    page = platform("search_logs", service=service, limit=500, **CONTAINERS)
    assert page["total"] == len(expected)
    while True:
        seen += page["records"]
        if not page["has_more"]:
            break
        page = platform(
            "search_logs", service=service, limit=500, cursor=page["next_cursor"], **CONTAINERS
        )
    assert len(seen) == len({r["id"] for r in seen}) == len(expected)
    assert sorted(r["message"] for r in seen) == sorted(d["message"] for d in expected)
    # @timestamp is mapped dynamically as a date: OpenSearch orders it to the millisecond
    moments = [datetime.fromisoformat(r["timestamp"]).replace(microsecond=0) for r in seen]
    milliseconds = [int(r["timestamp"][20:23]) for r in seen]
    order = list(zip(moments, milliseconds, strict=True))
    assert order == sorted(order, reverse=True)
    first = seen[0]
    assert first["service"] == service and first["namespace"] == NEZHA_NAMESPACE
    assert (
        first["pod"].startswith(service) and first["trace_id"] and first["source"] == "containers"
    )


def test_a_cursor_only_continues_its_own_query(platform: Rpc) -> None:
    page = platform("search_logs", level="error", limit=5, **CONTAINERS)
    error = platform.error("search_logs", level="warn", cursor=page["next_cursor"], **CONTAINERS)
    assert error["code"] == -32602 and "cursor" in error["message"]


def test_full_text_phrases_and_words(platform: Rpc, pubdata: PublicData) -> None:
    phrase = "No instances available"
    found = platform("count_logs", text=f'"{phrase}"', **CONTAINERS)
    assert found["total"] == sum(has_phrase(d["message"], phrase) for d in pubdata.vector_logs)
    assert found["total"] > 0
    loose = platform("count_logs", text="available instances", **CONTAINERS)
    assert loose["total"] == sum(
        {"available", "instances"} <= set(tokens(d["message"])) for d in pubdata.vector_logs
    )


def test_trace_id_pod_prefix_and_container(platform: Rpc, pubdata: PublicData) -> None:
    error = next(d for d in pubdata.vector_logs if d.get("level") == "ERROR")
    lines = platform("search_logs", trace_id=error["trace_id"], limit=500, **CONTAINERS)
    assert lines["total"] == sum(d["trace_id"] == error["trace_id"] for d in pubdata.vector_logs)
    assert {r["trace_id"] for r in lines["records"]} == {error["trace_id"]}
    prefix = error["kubernetes"]["pod_name"][:-5] + "*"
    pods = platform("count_logs", pod=prefix, container="server", **CONTAINERS)
    assert pods["total"] == sum(
        d["kubernetes"]["pod_name"].startswith(prefix[:-1])
        and d["kubernetes"]["container_name"] == "server"
        for d in pubdata.vector_logs
    )


def test_histogram_buckets_add_up_per_minute(platform: Rpc, pubdata: PublicData) -> None:
    window = {"start": "2023-01-29T08:40:00Z", "end": "2023-01-29T09:30:00Z"}
    result = platform(
        "log_histogram", interval="1m", split_by="level", sources=["containers"], **window
    )
    inside = [
        d for d in pubdata.vector_logs if "2023-01-29T08:40" <= d["@timestamp"] < "2023-01-29T09:30"
    ]
    per_minute = Counter(d["@timestamp"][:16] for d in inside)
    got = {b["start"][:16]: b["count"] for b in result["buckets"] if b["count"]}
    assert got == dict(per_minute)
    assert result["total"] == len(inside) == sum(b["count"] for b in result["buckets"])
    errors = Counter(d["@timestamp"][:16] for d in inside if d.get("level") == "ERROR")
    assert {
        b["start"][:16]: b["by"]["error"] for b in result["buckets"] if "error" in b["by"]
    } == dict(errors)
    assert len(result["buckets"]) == 50  # [start, end): every minute, empty ones included


def test_otel_logs_are_normalized(platform: Rpc, pubdata: PublicData) -> None:
    docs = pubdata.docs["otel_logs"]
    window = {**OTEL2_WINDOW, "sources": ["otel"]}
    top = platform("top_values", field="service", limit=100, **window)
    assert {v["value"]: v["count"] for v in top["values"]} == by(
        docs, "resource.attributes.service.name"
    )
    errors = platform("search_logs", level="error", **window)
    expected = [d for d in docs if d["severityText"] == "ERROR"]
    assert errors["total"] == len(expected)
    assert {(r["trace_id"], r["span_id"], r["message"]) for r in errors["records"]} == {
        (d["traceId"], d["spanId"], d["body"]) for d in expected
    }
    assert all(r["level"] == "error" and r["source"] == "otel" for r in errors["records"])


def test_all_sources_merge_into_one_list(platform: Rpc, pubdata: PublicData) -> None:
    window = {"start": "2023-01-29T00:00:00Z", "end": "2026-02-06T00:00:00Z"}
    both = platform("count_logs", level="error", **window)
    expected = sum(d.get("level") == "ERROR" for d in pubdata.vector_logs) + sum(
        d["severityText"] == "ERROR" for d in pubdata.docs["otel_logs"]
    )
    assert both["total"] == expected
    page = platform("search_logs", level="error", limit=4, **window)
    assert [r["source"] for r in page["records"]] == ["otel"] * 3 + ["containers"]


def test_hostile_and_korean_text_is_searched_literally(platform: Rpc, pubdata: PublicData) -> None:
    # As query_string syntax these would match many lines; as the literal text they are,
    # nothing in the data has all their words.
    for text in ["*", "qqq OR *", "NOT qqq", "_exists_:qqq", "qqq OR 1=1", "\\", "x" * 1024]:
        result = platform("count_logs", text=text, **CONTAINERS)
        assert result["total"] == 0, text
    unclosed = platform("count_logs", text='"} OR', **CONTAINERS)  # the phrase "} OR": word "or"
    assert unclosed["total"] == sum("or" in tokens(d["message"]) for d in pubdata.vector_logs)
    korean = '결제 서비스 "연결 거부"'
    raw = httpx.post(
        f"{platform.base_url}/rpc",
        json={
            "jsonrpc": "2.0",
            "id": 1,
            "method": "count_logs",
            "params": {"text": korean, **CONTAINERS},
        },
        timeout=30,
    )
    assert raw.status_code == 200 and "연결 거부" in raw.text and "\\uc5f0" not in raw.text
    assert raw.json()["result"]["total"] == 0
    too_long = platform.error("count_logs", text="x" * 5000, **CONTAINERS)
    assert too_long["code"] == -32602


def test_log_patterns_group_the_error_lines(platform: Rpc, pubdata: PublicData) -> None:
    errors = [d for d in pubdata.vector_logs if d.get("level") == "ERROR"]
    result = platform("log_patterns", level="error", max_patterns=200, **CONTAINERS)
    assert result["messages_analysed"] == result["matching_total"] == len(errors)
    assert sum(p["count"] for p in result["patterns"]) == len(errors)
    messages = {d["message"] for d in errors}
    assert all(p["example"] in messages for p in result["patterns"])
    trace_ids = {d["trace_id"] for d in errors}
    assert all(set(p["trace_ids"]) <= trace_ids for p in result["patterns"])


@pytest.fixture(scope="module")
def small_pages(opensearch_backend: OpenSearchBackend, pubdata: PublicData) -> Iterator[Rpc]:
    """The server reading log_patterns' hits 20 at a time, so that every way of paging runs."""
    settings = OpenSearchSettings(
        url=opensearch_backend.url,
        profiles=public_data.platform_profiles(),
        max_window_days=1200,
        pattern_page_size=PAGE,
    )
    with serve(create_app(create_service(settings), ServerSettings())) as base_url:
        yield Rpc(base_url)


def test_log_patterns_read_every_line_page_by_page(small_pages: Rpc, pubdata: PublicData) -> None:
    """All matching lines: a sorted first page, then the rest by scroll. Fewer: sorted pages."""
    errors = [d for d in pubdata.vector_logs if d.get("level") == "ERROR"]
    assert len(errors) > 3 * PAGE
    whole = small_pages("log_patterns", level="error", max_patterns=200, **CONTAINERS)
    assert whole["messages_analysed"] == whole["matching_total"] == len(errors)
    assert sum(p["count"] for p in whole["patterns"]) == len(errors)
    assert not whole["sample_truncated"]
    assert [r["path"].endswith("?scroll=1m") for r in whole["requests"]] == [False, True]
    wanted = len(errors) - 7
    newest = small_pages(
        "log_patterns", level="error", max_messages=wanted, max_patterns=200, **CONTAINERS
    )
    assert newest["messages_analysed"] == sum(p["count"] for p in newest["patterns"]) == wanted
    assert newest["sample_truncated"]
    assert len(newest["requests"]) == -(-wanted // PAGE)
    times = sorted((to_nanos(d["@timestamp"]) or 0 for d in errors), reverse=True)
    oldest_read = min(to_nanos(p["first_seen"]) or 0 for p in newest["patterns"])
    assert oldest_read // 1_000 >= times[wanted] // 1_000  # none older than the lines left out


def test_new_patterns_against_a_baseline(platform: Rpc, pubdata: PublicData) -> None:
    fault_minute = {"start": "2023-01-30T11:52:00Z", "end": "2023-01-30T11:54:00Z"}
    result = platform(
        "log_patterns",
        level="error",
        baseline_start="2023-01-29T00:00:00Z",
        sources=["containers"],
        **fault_minute,
    )
    baseline = [
        d
        for d in pubdata.vector_logs
        if d.get("level") == "ERROR" and d["@timestamp"] < "2023-01-30"
    ]
    assert result["baseline_messages"] == len(baseline)
    new = [p for p in result["patterns"] if p["new"]]
    assert new and all(p["baseline_count"] == 0 for p in new)
    assert any("No instances available" in p["template"] for p in new)
