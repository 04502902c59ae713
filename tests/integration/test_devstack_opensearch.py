"""The devstack's real OpenSearch: Data Prepper spans, the query features we use, crash/restart.

The first run builds the launcher with Maven (about a minute with a warm ~/.m2); later runs
reuse the jars in the cache directory. Each test starts its own node on free loopback ports.
"""

from __future__ import annotations

import json
import os
import signal
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from opensearchpy import OpenSearch

from opslens.devstack.opensearch import (
    OpenSearchBackend,
    ensure_opensearch_launcher,
    opensearch_version,
)
from opslens.devstack.process import free_port
from tests.integration.processes import pid_exists, processes_mentioning

pytestmark = [pytest.mark.integration, pytest.mark.timeout(900)]

SPANS = "opensearch-dataprepper-sample-app-traces"
SPAN_INDEX = "otel-v1-apm-span-000001"


def _client(backend: OpenSearchBackend) -> OpenSearch:
    return OpenSearch(hosts=[backend.url], timeout=60)


def _spans(shared_data: Path) -> list[dict[str, Any]]:
    lines = (shared_data / SPANS / "otel-v1-apm-span.normalized.ndjson").read_text().splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def _bulk_body(index: str, docs: list[dict[str, Any]], id_field: str | None = None) -> str:
    out = []
    for n, doc in enumerate(docs):
        out.append(
            json.dumps({"index": {"_index": index, "_id": doc[id_field] if id_field else n}})
        )
        out.append(json.dumps(doc))
    return "\n".join(out) + "\n"


@pytest.fixture(scope="module", autouse=True)
def _launcher() -> None:
    ensure_opensearch_launcher()


@pytest.fixture()
def backend(tmp_path: Path) -> Iterator[OpenSearchBackend]:
    node = OpenSearchBackend(tmp_path / "opensearch", free_port())
    try:
        yield node
    finally:
        node.stop()


def _assert_stopped(node: OpenSearchBackend, pids: list[int]) -> None:
    node.stop()
    assert not node.alive()
    assert pids and not [pid for pid in pids if pid_exists(pid)]
    assert processes_mentioning(str(node.workdir)) == []


def test_dataprepper_spans_with_real_mapping(backend: OpenSearchBackend, shared_data: Path) -> None:
    started = time.monotonic()
    backend.start()
    assert time.monotonic() - started < 120
    assert backend.url == f"http://127.0.0.1:{backend.port}"
    client = _client(backend)
    assert client.info()["version"]["number"] == opensearch_version()

    mapping = json.loads(
        (shared_data / SPANS / "otel-v1-apm-span-000001-mappings.json").read_text()
    )
    client.indices.create(index=SPAN_INDEX, body={"mappings": mapping})
    props = client.indices.get_mapping(index=SPAN_INDEX)[SPAN_INDEX]["mappings"]["properties"]
    assert props["startTime"]["type"] == "date_nanos"
    assert props["events"]["type"] == "nested"
    assert props["serviceName"]["type"] == "keyword"

    docs = _spans(shared_data)
    result = client.bulk(body=_bulk_body(SPAN_INDEX, docs, "spanId"), refresh=True)
    assert not result["errors"]
    assert client.count(index=SPAN_INDEX)["count"] == len(docs) == 984

    # terms, date_histogram (on date_nanos) and percentiles
    search = client.search(
        index=SPAN_INDEX,
        body={
            "size": 0,
            "aggs": {
                "services": {"terms": {"field": "serviceName", "size": 50}},
                "days": {
                    "date_histogram": {
                        "field": "startTime",
                        "calendar_interval": "day",
                        "min_doc_count": 1,
                    }
                },
                "latency": {"percentiles": {"field": "durationInNanos", "percents": [50, 99]}},
            },
        },
    )
    aggs = search["aggregations"]
    by_service = {b["key"]: b["doc_count"] for b in aggs["services"]["buckets"]}
    assert by_service == Counter(d["serviceName"] for d in docs)
    by_day = {b["key_as_string"][:10]: b["doc_count"] for b in aggs["days"]["buckets"]}
    assert by_day == Counter(d["startTime"][:10] for d in docs)
    durations = sorted(d["durationInNanos"] for d in docs)
    p50 = aggs["latency"]["values"]["50.0"]
    assert durations[int(0.45 * len(durations))] <= p50 <= durations[int(0.55 * len(durations))]

    # bool with term + range; nested
    errors = client.count(
        index=SPAN_INDEX,
        body={
            "query": {
                "bool": {
                    "filter": [
                        {"term": {"status.code": 2}},
                        {"range": {"startTime": {"gte": "2021-03-25T00:00:00Z"}}},
                    ],
                    "must_not": [{"term": {"serviceName": "no-such-service"}}],
                }
            }
        },
    )["count"]
    assert errors == sum(1 for d in docs if d.get("status.code") == 2)
    with_events = client.count(
        index=SPAN_INDEX,
        body={
            "query": {"nested": {"path": "events", "query": {"exists": {"field": "events.time"}}}}
        },
    )["count"]
    assert with_events == sum(1 for d in docs if d["events"])

    # search_after over everything, sorted by (startTime, spanId)
    seen: list[tuple[str, str]] = []
    after: list[Any] | None = None
    while True:
        body: dict[str, Any] = {
            "size": 100,
            "sort": [{"startTime": "asc"}, {"spanId": "asc"}],
            "_source": ["startTime", "spanId"],
        }
        if after is not None:
            body["search_after"] = after
        hits = client.search(index=SPAN_INDEX, body=body)["hits"]["hits"]
        if not hits:
            break
        seen += [(h["_source"]["startTime"], h["_source"]["spanId"]) for h in hits]
        after = hits[-1]["sort"]
    assert seen == sorted((d["startTime"], d["spanId"]) for d in docs)

    # composite aggregation, paged with after_key
    pairs: Counter[tuple[str, str]] = Counter()
    composite: dict[str, Any] = {
        "size": 5,
        "sources": [
            {"service": {"terms": {"field": "serviceName"}}},
            {"kind": {"terms": {"field": "kind"}}},
        ],
    }
    while True:
        agg = client.search(
            index=SPAN_INDEX, body={"size": 0, "aggs": {"c": {"composite": composite}}}
        )
        buckets = agg["aggregations"]["c"]["buckets"]
        pairs.update({(b["key"]["service"], b["key"]["kind"]): b["doc_count"] for b in buckets})
        if "after_key" not in agg["aggregations"]["c"] or not buckets:
            break
        composite["after"] = agg["aggregations"]["c"]["after_key"]
    assert pairs == Counter((d["serviceName"], d["kind"]) for d in docs)

    pids = [backend.pid] if backend.pid else []
    _assert_stopped(backend, pids)


def test_index_template_text_search_and_modules(backend: OpenSearchBackend) -> None:
    backend.start()
    client = _client(backend)
    client.indices.put_index_template(
        name="opslens-logs",
        body={
            "index_patterns": ["opslens-logs-*"],
            "template": {
                "settings": {
                    "analysis": {  # pattern tokenizer, asciifolding: module analysis-common
                        "analyzer": {
                            "log_message": {
                                "type": "custom",
                                "tokenizer": "pattern",
                                "filter": ["lowercase", "asciifolding"],
                            }
                        },
                        "normalizer": {"lower": {"type": "custom", "filter": ["lowercase"]}},
                    }
                },
                "mappings": {
                    "properties": {
                        "@timestamp": {"type": "date"},
                        "observedTime": {"type": "date_nanos"},
                        "message": {
                            "type": "text",
                            "analyzer": "log_message",
                            "fields": {"raw": {"type": "keyword", "ignore_above": 1024}},
                        },
                        "severity": {"type": "keyword", "normalizer": "lower"},
                        "bytes": {"type": "long"},
                        "ratio": {"type": "scaled_float", "scaling_factor": 100},  # mapper-extras
                        "labels": {
                            "type": "nested",
                            "properties": {"k": {"type": "keyword"}, "v": {"type": "keyword"}},
                        },
                    }
                },
            },
        },
    )
    docs = [
        {
            "@timestamp": f"2024-05-01T10:0{n}:00Z",
            "observedTime": f"2024-05-01T10:0{n}:00.00000000{n}Z",
            "message": message,
            "severity": severity,
            "bytes": 100 * (n + 1),
            "ratio": 0.25 * n,
            "labels": [{"k": "pod", "v": f"checkout-{n % 2}"}],
        }
        for n, (message, severity) in enumerate(
            [
                ("Connection refused to db-primary:5432", "ERROR"),
                ("Retrying connection to db-primary", "WARN"),
                ("Request served in 12ms", "INFO"),
                ("Connection refused to cache:6379", "ERROR"),
            ]
        )
    ]
    index = "opslens-logs-2024.05.01"
    assert not client.bulk(body=_bulk_body(index, docs), refresh=True)["errors"]
    props = client.indices.get_mapping(index=index)[index]["mappings"]["properties"]
    assert props["observedTime"]["type"] == "date_nanos"
    assert props["ratio"]["type"] == "scaled_float"

    hits = client.search(
        index="opslens-logs-*",
        body={
            "query": {
                "bool": {
                    "must": [
                        {"match": {"message": "CONNECTION"}},
                        {"match_phrase": {"message": "refused to db-primary"}},
                    ],
                    "filter": [
                        {"term": {"severity": "error"}},
                        {"range": {"observedTime": {"lt": "2024-05-01T10:00:00.000000001Z"}}},
                        {
                            "nested": {
                                "path": "labels",
                                "query": {"term": {"labels.v": "checkout-0"}},
                            }
                        },
                    ],
                }
            }
        },
    )["hits"]["hits"]
    assert [h["_source"]["message"] for h in hits] == [docs[0]["message"]]

    # painless (module lang-painless) and _delete_by_query (module reindex)
    scripted = client.search(
        index=index,
        body={"size": 0, "aggs": {"kb": {"sum": {"script": "doc['bytes'].value / 100"}}}},
    )
    assert scripted["aggregations"]["kb"]["value"] == 1 + 2 + 3 + 4
    deleted = client.delete_by_query(
        index=index, body={"query": {"term": {"severity": "warn"}}}, refresh=True
    )
    assert deleted["deleted"] == 1
    assert client.count(index=index)["count"] == 3
    assert client.cluster.health(index=index)["status"] == "green"  # no replicas on one node

    pids = [backend.pid] if backend.pid else []
    _assert_stopped(backend, pids)


def test_crash_and_restart_keeps_the_index(backend: OpenSearchBackend) -> None:
    backend.start()
    client = _client(backend)
    docs = [{"n": n, "service": "checkout"} for n in range(25)]
    assert not client.bulk(body=_bulk_body("crash-test", docs), refresh=True)["errors"]
    first = backend.pid
    assert first is not None

    os.kill(first, signal.SIGKILL)
    deadline = time.monotonic() + 15
    while backend.alive() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not backend.alive()
    assert not pid_exists(first)

    backend.start()
    assert backend.alive() and backend.pid not in (None, first)
    client = _client(backend)
    health = client.cluster.health(index="crash-test", wait_for_status="green")
    assert health["status"] == "green"
    assert client.count(index="crash-test")["count"] == len(docs)

    pids = [first, backend.pid] if backend.pid else [first]
    _assert_stopped(backend, pids)
