"""Follow-ups through session context, the answer cache with its /metrics counters, and the
discovery tools."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from opslens.devstack.asgi import serve
from opslens.devstack.opensearch import OpenSearchBackend
from opslens_mcp.opensearch.server import create_http_app
from opslens_mcp.opensearch.settings import OpenSearchSettings
from tests.opensearch import public_data
from tests.opensearch.public_data import PublicData
from tests.opensearch.rpc import Rpc
from tests.opensearch.truth import NEZHA_WINDOW, by

PINNED = {**NEZHA_WINDOW, "now": "2023-01-31T00:00:00Z"}

pytestmark = pytest.mark.integration


def test_a_follow_up_inherits_the_last_filters(platform: Rpc, pubdata: PublicData) -> None:
    service = "ts-food-service"
    mine = [d for d in pubdata.vector_logs if d["kubernetes"]["labels"]["app"] == service]
    session = platform.session("follow-up-1")
    first = session("search_logs", service=service, level="error", limit=5, **PINNED)
    assert first["session_id"] == "follow-up-1"
    same = session("count_logs", inherit=True)
    assert same["total"] == first["total"] == sum(d.get("level") == "ERROR" for d in mine)
    assert same["time_range"] == first["time_range"]
    warnings = session("count_logs", inherit=True, level="warn")
    assert warnings["total"] == sum(d.get("level") == "WARN" for d in mine)
    # without inherit, or in another session, nothing is carried over
    assert session("count_logs", **PINNED)["total"] == len(pubdata.vector_logs)
    other = platform("count_logs", inherit=True, session_id="someone-else", **PINNED)
    assert other["total"] == len(pubdata.vector_logs)


@pytest.fixture(scope="module")
def cached_app(opensearch_backend: OpenSearchBackend, pubdata: PublicData) -> Iterator[Rpc]:
    settings = OpenSearchSettings(
        url=opensearch_backend.url, profiles=public_data.platform_profiles()
    )
    with serve(create_http_app(settings)) as url:
        yield Rpc(url)


def metric(base_url: str, name: str) -> float:
    text = httpx.get(f"{base_url}/metrics", timeout=10).text
    line = next(line for line in text.splitlines() if line.startswith(name + " "))
    return float(line.split()[1])


def test_identical_questions_are_answered_from_the_cache(cached_app: Rpc) -> None:
    hits = metric(cached_app.base_url, "opslens_opensearch_cache_hits_total")
    misses = metric(cached_app.base_url, "opslens_opensearch_cache_misses_total")
    first = cached_app("count_logs", level="warn", **PINNED)
    second = cached_app("count_logs", level="warn", **PINNED)
    assert second["total"] == first["total"]
    assert [r["cached"] for r in first["requests"]] == [False]
    assert [r["cached"] for r in second["requests"]] == [True]
    assert metric(cached_app.base_url, "opslens_opensearch_cache_hits_total") == hits + 1
    assert metric(cached_app.base_url, "opslens_opensearch_cache_misses_total") == misses + 1
    other = cached_app("count_logs", level="error", **PINNED)
    assert [r["cached"] for r in other["requests"]] == [False]


def test_list_services_from_logs_and_spans(platform: Rpc, pubdata: PublicData) -> None:
    window = {"start": "2023-01-29T00:00:00Z", "end": "2023-01-31T00:00:00Z"}
    result = platform("list_services", **window)
    services = {s["name"]: s for s in result["services"]}
    logs = by(pubdata.vector_logs, "kubernetes.labels.app")
    spans = by(pubdata.docs["nezha_spans"], "serviceName")
    assert set(services) == set(logs) | set(spans)
    assert {
        n: s["log_lines"].get("containers", 0) for n, s in services.items() if n in logs
    } == logs
    assert {n: s["spans"] for n, s in services.items() if n in spans} == spans


def test_describe_schema_shows_profiles_indices_and_fields(
    platform: Rpc, pubdata: PublicData
) -> None:
    sources = {s["name"]: s for s in platform("describe_schema")["sources"]}
    containers = sources["containers"]
    assert containers["profile"] == "vector" and containers["time_field"] == "@timestamp"
    assert containers["documents"] == len(pubdata.vector_logs)
    assert containers["indices"] == sorted(
        {
            public_data.VECTOR_LOGS + d["@timestamp"][:10].replace("-", ".")
            for d in pubdata.vector_logs
        }
    )
    service = next(f for f in containers["fields"] if f["logical"] == "service")
    assert service == {
        "logical": "service",
        "path": "kubernetes.labels.app",
        "types": ["text"],
        "aggregatable_as": "kubernetes.labels.app.keyword",
    }
    spans = sources["spans"]
    assert spans["profile"] == "data-prepper"
    assert spans["documents"] == len(pubdata.docs["dp_spans"]) + len(pubdata.docs["nezha_spans"])
    assert "durationInNanos" in spans["mapped_fields"]
    assert sources["otel"]["documents"] == len(pubdata.docs["otel_logs"])
    assert sources["service_map"]["documents"] == len(pubdata.docs["dp_service_map"])


def test_tools_are_read_only_and_describe_their_defaults(platform: Rpc) -> None:
    tools = platform("list_tools")["tools"]
    names = {t["name"] for t in tools}
    assert {
        "search_logs",
        "count_logs",
        "log_histogram",
        "top_values",
        "log_patterns",
        "search_traces",
        "get_trace",
        "get_traces",
        "service_map",
        "latency_stats",
        "list_services",
        "describe_schema",
    } <= names
    assert all(t["readOnly"] for t in tools)
    search = next(t for t in tools if t["name"] == "search_logs")
    assert "default" in search["inputSchema"]["properties"]["limit"]["description"].lower()
