"""Nezha CSV rows as the platform's documents: Vector container logs, OpenTelemetry logs and
Data Prepper spans (flattened 1.x).

Logs: ``Log`` is Docker's json-file record; its ``log`` is the Java line (``16:44:10.485 INFO
t.s.TravelServiceImpl#372 ...``, local UTC+8 time of day), so the document time is the
``Timestamp`` column (UTC) and the level is parsed from the line, as a Vector remap would.
Spans: ``Duration`` is in microseconds, ``ParentID`` is ``root`` for roots; the kind is
inferred (a pod's entry span serves a request, ``HTTP <method>`` spans are calls out).
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from opslens.reports.naming import service_of_pod
from opslens.scenarios.clock import iso_nanos

_LEVEL = re.compile(
    r"^\s*\d{1,2}:\d{2}:\d{2}(?:\.\d+)?\s+(TRACE|DEBUG|INFO|WARN|WARNING|ERROR|FATAL)\b"
)
SEVERITY_NUMBERS = {"TRACE": 1, "DEBUG": 5, "INFO": 9, "WARN": 13, "ERROR": 17, "FATAL": 21}
csv.field_size_limit(16 * 1024 * 1024)


def rows(path: Path) -> Iterator[dict[str, str]]:
    """The rows of a CSV file; none when the file is missing or empty."""
    if not path.is_file():
        return
    with path.open(newline="", encoding="utf-8") as handle:
        yield from csv.DictReader(handle)


def level_of(line: str) -> str:
    match = _LEVEL.match(line)
    level = match.group(1) if match else "INFO"
    return "WARN" if level == "WARNING" else level


def app_line(raw: str) -> tuple[str, str]:
    """(line, stream) from Docker's json-file record (the raw text if it is not one)."""
    try:
        record = json.loads(raw)
    except json.JSONDecodeError:
        return raw.rstrip("\n"), "stdout"
    return str(record.get("log", "")).rstrip("\n"), str(record.get("stream", "stdout"))


def _nanos_iso(epoch_ns: str) -> str:
    return iso_nanos(int(epoch_ns))


def log_documents(row: dict[str, str], namespace: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """(container-log document, OpenTelemetry log record) of one log row."""
    line, stream = app_line(row["Log"])
    pod, service, level = row["PodName"], service_of_pod(row["PodName"]), level_of(line)
    stamp = _nanos_iso(row["TimeUnixNano"])
    container = {
        "@timestamp": stamp,
        "message": line,
        "stream": stream,
        "level": level,
        "trace_id": row["TraceID"],
        "span_id": row["SpanID"],
        "kubernetes": {
            "namespace_name": namespace,
            "pod_name": pod,
            "container_name": row.get("Container") or service,
            "node_name": row.get("Node", ""),
            "labels": {"app": service, "app_kubernetes_io/name": service},
        },
        "source_type": "kubernetes_logs",
    }
    otel = {
        "traceId": row["TraceID"],
        "spanId": row["SpanID"],
        "time": stamp,
        "observedTimestamp": stamp,
        "severityText": level,
        "severityNumber": SEVERITY_NUMBERS[level],
        "body": line,
        "attributes": {
            "otelServiceName": service,
            "otelTraceID": row["TraceID"],
            "otelSpanID": row["SpanID"],
        },
        "resource": {
            "attributes": {
                "service.name": service,
                "k8s.namespace.name": namespace,
                "k8s.pod.name": pod,
                "k8s.container.name": row.get("Container") or service,
                "k8s.node.name": row.get("Node", ""),
            }
        },
    }
    return container, otel


def span_documents(path: Path, namespace: str) -> list[dict[str, Any]]:
    """The spans of one trace file, with kinds and trace groups filled in."""
    listed = list(rows(path))
    pod_of = {row["SpanID"]: row["PodName"] for row in listed}
    roots = {row["TraceID"]: row for row in listed if row["ParentID"] == "root"}
    documents = []
    for row in listed:
        parent = "" if row["ParentID"] == "root" else row["ParentID"]
        pod = row["PodName"]
        operation = row["OperationName"]
        if operation.startswith("HTTP "):
            kind = "SPAN_KIND_CLIENT"
        elif not parent or pod_of.get(parent) != pod:
            kind = "SPAN_KIND_SERVER"
        else:
            kind = "SPAN_KIND_INTERNAL"
        root = roots.get(row["TraceID"])
        document: dict[str, Any] = {
            "traceId": row["TraceID"],
            "spanId": row["SpanID"],
            "parentSpanId": parent,
            "name": operation,
            "kind": kind,
            "startTime": _nanos_iso(row["StartTimeUnixNano"]),
            "endTime": _nanos_iso(row["EndTimeUnixNano"]),
            "durationInNanos": int(row["Duration"]) * 1000,
            "serviceName": service_of_pod(pod),
            "status.code": 0,
            "status.message": "",
            "events": [],
            "links": [],
            "resource.attributes.service@name": service_of_pod(pod),
            "resource.attributes.k8s@namespace@name": namespace,
            "resource.attributes.k8s@pod@name": pod,
        }
        if root is not None:
            document["traceGroup"] = root["OperationName"]
            document["traceGroupFields.endTime"] = _nanos_iso(root["EndTimeUnixNano"])
            document["traceGroupFields.durationInNanos"] = int(root["Duration"]) * 1000
            document["traceGroupFields.statusCode"] = 0
        documents.append(document)
    return documents


def data_window(log_path: Path | None, trace_path: Path | None) -> tuple[datetime, datetime] | None:
    """The first and last moment of a minute's logs and spans (UTC); None when both are empty.

    Either file may be missing or empty (an application without logs still has spans)."""
    stamps = [int(row["TimeUnixNano"]) for row in rows(log_path)] if log_path else []
    for row in rows(trace_path) if trace_path else ():
        stamps += [int(row["StartTimeUnixNano"]), int(row["EndTimeUnixNano"])]
    if not stamps:
        return None
    first, last = min(stamps), max(stamps)
    return (
        datetime.fromtimestamp(first / 1e9, UTC).replace(microsecond=0),
        datetime.fromtimestamp(last / 1e9 + 1, UTC).replace(microsecond=0),
    )
