"""The public datasets of ``../shared/data`` as documents, and loading them into OpenSearch.

Nobody here wrote these data. Spans and logs already in OpenSearch formats are loaded as they
are, with their upstream mappings. The Nezha TrainTicket capture (CSV files) is turned into the
documents the user's pipeline would have written for it: container log lines as a Vector
DaemonSet ships them (no index template, so OpenSearch maps them dynamically) and spans in the
Data Prepper 1.x layout. Indices are prefixed ``pubdata-`` so no other test collides with them.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from opensearchpy import OpenSearch, helpers

from opslens_mcp.opensearch.normalize import iso_from_nanos
from opslens_mcp.opensearch.profiles import LogProfile, Profiles, ServiceMapProfile, TraceProfile

Doc = dict[str, Any]
SAMPLE_APP = "opensearch-dataprepper-sample-app-traces"
SYNTHETIC = "opensearch-apm-cypress-otel-demo-synthetic"
JAEGER = "jaeger-hotrod-opensearch"
NEZHA = "nezha-trainticket"
NEZHA_NAMESPACE = "train-ticket"
"""The capture names no namespace; Vector always records one, so the logs get this one."""

INDEX = {
    "dp_spans": "pubdata-dp-span-000001",
    "dp_service_map": "pubdata-dp-service-map",
    "nezha_spans": "pubdata-nezha-span-000001",
    "otel2_spans": "pubdata-otel2-span-000001",
    "otel_logs": "pubdata-otel-logs-2026.02.05",
    "jaeger_spans": "pubdata-jaeger-span-2023-01-24",
}
VECTOR_LOGS = "pubdata-vector-logs-"
_LEVEL = re.compile(r"^\S+\s+(TRACE|DEBUG|INFO|WARN|ERROR|FATAL)\b")
_POD_SUFFIX = re.compile(r"-[a-z0-9]{8,10}-[a-z0-9]{5}$")


def _ndjson(path: Path) -> list[Doc]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def _bulk_sources(path: Path) -> list[Doc]:
    """The documents of an OpenSearch ``_bulk`` file (action lines dropped)."""
    lines = _ndjson(path)
    return [doc for action, doc in zip(lines[::2], lines[1::2], strict=True) if "index" in action]


def app_of_pod(pod: str) -> str:
    """``ts-contacts-service-866bd68c97-xcqfx`` -> ``ts-contacts-service`` (the Deployment)."""
    return _POD_SUFFIX.sub("", pod)


def nezha_log_docs(shared: Path) -> list[Doc]:
    """Nezha's container log rows as Vector's kubernetes_logs source plus a remap write them."""
    docs = []
    for path in sorted((shared / NEZHA).glob("*/*/log/*_log.csv")):
        with path.open(newline="") as handle:
            for row in csv.DictReader(handle):
                record = json.loads(row["Log"])
                message = record["log"].rstrip("\n")
                doc: Doc = {
                    "@timestamp": row["Timestamp"],
                    "message": message,
                    "stream": record.get("stream"),
                    "kubernetes": {
                        "namespace_name": NEZHA_NAMESPACE,
                        "pod_name": row["PodName"],
                        "container_name": row["Container"],
                        "node_name": row["Node"],
                        "labels": {"app": app_of_pod(row["PodName"])},
                    },
                    "trace_id": row["TraceID"],
                    "span_id": row["SpanID"],
                }
                level = _LEVEL.match(message)
                if level:
                    doc["level"] = level.group(1)
                docs.append(doc)
    return docs


def nezha_span_docs(shared: Path) -> list[Doc]:
    """Nezha's span rows in the Data Prepper 1.x span layout."""
    docs = []
    for path in sorted((shared / NEZHA).glob("*/*/trace/*_trace.csv")):
        with path.open(newline="") as handle:
            for row in csv.DictReader(handle):
                start, end = int(row["StartTimeUnixNano"]), int(row["EndTimeUnixNano"])
                service = app_of_pod(row["PodName"])
                docs.append(
                    {
                        "traceId": row["TraceID"],
                        "spanId": row["SpanID"],
                        "parentSpanId": "" if row["ParentID"] == "root" else row["ParentID"],
                        "name": row["OperationName"],
                        "serviceName": service,
                        "startTime": _iso_nanos(start),
                        "endTime": _iso_nanos(end),
                        "durationInNanos": end - start,
                        "status.code": 0,
                        "resource.attributes.service@name": service,
                        "resource.attributes.host@hostname": row["PodName"],
                    }
                )
    return docs


def _iso_nanos(nanos: int) -> str:
    seconds, fraction = divmod(nanos, 1_000_000_000)
    return iso_from_nanos(seconds * 1_000_000_000)[:19] + f".{fraction:09d}Z"


@dataclass
class PublicData:
    """Every dataset's documents, by dataset name, as loaded."""

    docs: dict[str, list[Doc]] = field(default_factory=dict)

    @property
    def vector_logs(self) -> list[Doc]:
        return self.docs["vector_logs"]


def read_public_data(shared: Path) -> PublicData:
    return PublicData(
        {
            "dp_spans": _ndjson(shared / SAMPLE_APP / "otel-v1-apm-span.normalized.ndjson"),
            "dp_service_map": _bulk_sources(shared / SAMPLE_APP / "otel-v1-apm-service-map.json"),
            "nezha_spans": nezha_span_docs(shared),
            "otel2_spans": _ndjson(next((shared / SYNTHETIC / "traces").glob("*.data.ndjson"))),
            "otel_logs": _ndjson(next((shared / SYNTHETIC / "logs").glob("*.data.ndjson"))),
            "jaeger_spans": _bulk_sources(shared / JAEGER / "jaeger-span-2023-01-24.json"),
            "vector_logs": nezha_log_docs(shared),
        }
    )


def _mapping(shared: Path, name: str) -> Doc | None:
    files = {
        "dp_spans": shared / SAMPLE_APP / "otel-v1-apm-span-000001-mappings.json",
        "nezha_spans": shared / SAMPLE_APP / "otel-v1-apm-span-000001-mappings.json",
        "dp_service_map": shared / SAMPLE_APP / "otel-v1-apm-service-map-mappings.json",
        "otel2_spans": next((shared / SYNTHETIC / "traces").glob("*.mapping.json")),
        "otel_logs": next((shared / SYNTHETIC / "logs").glob("*.mapping.json")),
        "jaeger_spans": shared / JAEGER / "jaeger-span-2023-01-24-mappings.json",
    }
    if name not in files:
        return None  # Vector logs: no template, dynamic mapping as on a fresh cluster
    mapping = json.loads(files[name].read_text())
    return mapping.get("mappings", mapping)


def _actions(name: str, docs: list[Doc]) -> Iterator[Doc]:
    for number, doc in enumerate(docs):
        if name == "vector_logs":
            index = VECTOR_LOGS + doc["@timestamp"][:10].replace("-", ".")
        else:
            index = INDEX[name]
        yield {"_index": index, "_id": f"{name}-{number}", "_source": doc}


# Loading settings only: one shard, no replica, no refresh or fsync until the end.
_LOAD_SETTINGS = {
    "number_of_shards": 1,
    "number_of_replicas": 0,
    "refresh_interval": "-1",
    "translog.durability": "async",
}


def load_public_data(url: str, shared: Path) -> PublicData:
    """Create the ``pubdata-*`` indices (upstream mappings) and bulk-load every dataset."""
    data = read_public_data(shared)
    client = OpenSearch(hosts=[url], timeout=120)
    try:
        client.indices.delete(index="pubdata-*", ignore_unavailable=True)
        client.indices.put_index_template(
            name="pubdata-vector-logs",
            body={"index_patterns": [VECTOR_LOGS + "*"], "template": {"settings": _LOAD_SETTINGS}},
        )
        for name in data.docs:
            mapping = _mapping(shared, name)
            if mapping is not None:
                body = {"settings": _LOAD_SETTINGS, "mappings": mapping}
                client.indices.create(index=INDEX[name], body=body)
            helpers.bulk(client, _actions(name, data.docs[name]), chunk_size=5000)
        client.indices.put_settings(index="pubdata-*", body={"refresh_interval": None})
        client.indices.refresh(index="pubdata-*")
    finally:
        client.close()
    return data


def platform_profiles() -> Profiles:
    """The user's platform layout over the public data: Vector logs (Nezha), OTel logs
    (synthetic), Data Prepper spans (sample app and Nezha) and the sample app's service map."""
    return Profiles(
        container_logs=LogProfile(profile="vector", index=VECTOR_LOGS + "*"),
        otel_logs=LogProfile(profile="otel", index="pubdata-otel-logs-*"),
        traces=TraceProfile(index=f"{INDEX['dp_spans']},{INDEX['nezha_spans']}"),
        service_map=ServiceMapProfile(index=INDEX["dp_service_map"]),
    )


def otel2_profiles() -> Profiles:
    """The synthetic OTel demo: nested 2.x spans and the OTel logs that link to them."""
    return Profiles(
        container_logs=LogProfile(enabled=False),
        otel_logs=LogProfile(profile="otel", index="pubdata-otel-logs-*"),
        traces=TraceProfile(index="pubdata-otel2-span-*"),
        service_map=ServiceMapProfile(enabled=False),
    )


def jaeger_profiles() -> Profiles:
    """Jaeger HotROD spans in Jaeger's own storage schema."""
    return Profiles(
        container_logs=LogProfile(enabled=False),
        otel_logs=LogProfile(profile="otel", enabled=False),
        traces=TraceProfile(profile="jaeger", index="pubdata-jaeger-span-*"),
        service_map=ServiceMapProfile(enabled=False),
    )
