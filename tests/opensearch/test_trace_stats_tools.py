"""latency_stats and service_map against the sample app's spans and service map."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from opslens.devstack.asgi import serve
from opslens.devstack.opensearch import OpenSearchBackend
from opslens_mcp.core.app import create_app
from opslens_mcp.core.settings import ServerSettings
from opslens_mcp.opensearch.profiles import ServiceMapProfile
from opslens_mcp.opensearch.server import create_service
from opslens_mcp.opensearch.settings import OpenSearchSettings
from tests.opensearch import public_data
from tests.opensearch.public_data import PublicData
from tests.opensearch.rpc import Rpc
from tests.opensearch.truth import OTEL2_WINDOW, SAMPLE_APP_WINDOW

Doc = dict[str, Any]

pytestmark = pytest.mark.integration


def is_error(doc: Doc) -> bool:
    return doc.get("status.code") == 2 or (doc.get("status") or {}).get("code") == 2


def between_ranks(value: float, durations_ms: list[float], percent: float) -> bool:
    """``value`` lies between the order statistics around ``percent`` (t-digest interpolates)."""
    ordered = sorted(durations_ms)
    rank = percent / 100 * (len(ordered) - 1)
    low, high = ordered[max(int(rank) - 1, 0)], ordered[min(int(rank) + 2, len(ordered) - 1)]
    return low - 1e-3 <= value <= high + 1e-3


def test_latency_and_errors_per_service(platform: Rpc, pubdata: PublicData) -> None:
    docs = pubdata.docs["dp_spans"]
    result = platform("latency_stats", group_by="service", **SAMPLE_APP_WINDOW)
    assert {g["service"] for g in result["groups"]} == {d["serviceName"] for d in docs}
    for group in result["groups"]:
        mine = [d for d in docs if d["serviceName"] == group["service"]]
        assert group["requests"] == len(mine)
        assert group["errors"] == sum(is_error(d) for d in mine)
        assert group["error_rate"] == pytest.approx(group["errors"] / len(mine), abs=1e-6)
        durations = [d["durationInNanos"] / 1e6 for d in mine]
        for percent in (50, 95, 99):
            assert between_ranks(group[f"p{percent}_ms"], durations, percent), (group, percent)


def test_per_operation_with_a_baseline(platform: Rpc, pubdata: PublicData) -> None:
    docs = [d for d in pubdata.docs["dp_spans"] if d["serviceName"] == "order"]
    april = {"start": "2021-04-20T00:00:00Z", "end": "2021-04-21T00:00:00Z"}
    result = platform(
        "latency_stats",
        service="order",
        server_only=True,
        baseline_start="2021-03-25T00:00:00Z",
        baseline_end="2021-03-26T00:00:00Z",
        **april,
    )
    for group in result["groups"]:
        served = server_spans(docs, "order", group["operation"], "SPAN_KIND_SERVER")
        now = [d for d in served if d["startTime"] >= "2021-04-20"]
        before = [d for d in served if d["startTime"] < "2021-03-26"]
        assert group["requests"] == len(now)
        if before:
            assert group["baseline"]["requests"] == len(before)
            assert group["p95_ratio"] == pytest.approx(
                group["p95_ms"] / group["baseline"]["p95_ms"], rel=1e-2
            )
        else:
            assert group["baseline"] is None


def server_spans(docs: list[Doc], service: str, operation: str, kind: str | None) -> list[Doc]:
    return [
        d
        for d in docs
        if (d["serviceName"], d["name"]) == (service, operation) and kind in (None, d["kind"])
    ]


def test_service_map_from_the_service_map_index(platform: Rpc, pubdata: PublicData) -> None:
    spans = pubdata.docs["dp_spans"]
    expected = {
        (d["serviceName"], d["destination"]["domain"], d["destination"]["resource"])
        for d in pubdata.docs["dp_service_map"]
        if d["kind"] == "SPAN_KIND_CLIENT" and d["destination"]
    }
    result = platform("service_map", **SAMPLE_APP_WINDOW)
    assert result["edges_from"] == "service-map index"
    measured = [e for e in result["edges"] if e["measured_on"] == "callee"]
    assert {(e["caller"], e["callee"], e["operation"]) for e in measured} == expected
    for edge in measured:
        callee = server_spans(spans, edge["callee"], edge["operation"], "SPAN_KIND_SERVER")
        assert edge["requests"] == len(callee)
        assert edge["errors"] == sum(is_error(d) for d in callee)
        callers = {c for c, e, o in expected if (e, o) == (edge["callee"], edge["operation"])}
        assert set(edge["shared_with"]) == callers - {edge["caller"]}


@pytest.fixture(scope="module")
def without_service_map(
    opensearch_backend: OpenSearchBackend, pubdata: PublicData
) -> Iterator[Rpc]:
    profiles = public_data.platform_profiles()
    profiles.service_map = ServiceMapProfile(enabled=False)
    settings = OpenSearchSettings(url=opensearch_backend.url, profiles=profiles)
    with serve(create_app(create_service(settings), ServerSettings())) as url:
        yield Rpc(url)


@pytest.mark.parametrize("dataset", ["dp_spans", "otel2_spans"])
def test_service_map_from_parent_links(
    dataset: str, without_service_map: Rpc, otel2: Rpc, pubdata: PublicData
) -> None:
    docs = pubdata.docs[dataset]
    rpc, window = (
        (without_service_map, SAMPLE_APP_WINDOW) if dataset == "dp_spans" else (otel2, OTEL2_WINDOW)
    )
    by_id = {d["spanId"]: d for d in docs}
    kinds: dict[tuple[str, str, str], set[str]] = {}
    for doc in docs:
        parent = by_id.get(doc["parentSpanId"])
        if parent and parent["serviceName"] != doc["serviceName"]:
            edge = (parent["serviceName"], doc["serviceName"], doc["name"])
            kinds.setdefault(edge, set()).add(doc["kind"])
    result = rpc("service_map", **window)
    assert result["edges_from"] == "spans" and result["spans_scanned"] == len(docs)
    measured = [e for e in result["edges"] if e["measured_on"] == "callee"]
    assert {(e["caller"], e["callee"], e["operation"]) for e in measured} == set(kinds)
    for edge in measured:
        seen = kinds[(edge["caller"], edge["callee"], edge["operation"])]
        kind = next(iter(seen)) if len(seen) == 1 else None
        assert edge["requests"] == len(server_spans(docs, edge["callee"], edge["operation"], kind))


def test_dependencies_without_spans_are_measured_on_the_callers(
    platform: Rpc, pubdata: PublicData
) -> None:
    docs = pubdata.docs["dp_spans"]
    services = {d["serviceName"] for d in docs}
    calls: dict[tuple[str, str, str], list[Doc]] = {}
    for doc in docs:
        peer = doc.get("span.attributes.net@peer@name")
        if doc["kind"] == "SPAN_KIND_CLIENT" and peer and peer not in services:
            calls.setdefault((doc["serviceName"], peer, doc["name"]), []).append(doc)
    result = platform("service_map", **SAMPLE_APP_WINDOW)
    dependencies = {
        (e["caller"], e["callee"], e["operation"]): e
        for e in result["edges"]
        if e["measured_on"] == "caller"
    }
    assert set(dependencies) == set(calls) and calls
    for key, edge in dependencies.items():
        assert edge["requests"] == len(calls[key])
        assert edge["errors"] == sum(is_error(d) for d in calls[key])
