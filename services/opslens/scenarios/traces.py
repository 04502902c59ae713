"""Spans in the Data Prepper trace-analytics format (``otel-v1-apm-span-*``, flattened 1.x).

Every service visit is a SERVER span; every call is a CLIENT span of the caller (database
calls are CLIENT spans only: postgres is not instrumented). Attributes use Data Prepper's
flattening, ``span.attributes.http@status_code``.
"""

from __future__ import annotations

import base64
import hashlib
import random
from dataclasses import dataclass
from typing import Any

import orjson

from opslens.scenarios.clock import iso_nanos
from opslens.scenarios.templates import ExceptionInfo
from opslens.scenarios.topology import NETWORK_MS, Node, Topology
from opslens.scenarios.traffic import Hop, Request

_SDK_VERSION = {"java": "1.44.1", "go": "1.32.0", "node": "1.28.0", "python": "1.28.2"}
_LIBRARY = {
    "java": "io.opentelemetry.spring-webmvc-6.0",
    "go": "go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp",
    "node": "@opentelemetry/instrumentation-http",
    "python": "opentelemetry.instrumentation.flask",
}
_STATEMENTS = {
    "SELECT": "SELECT * FROM {table} WHERE id = $1",
    "INSERT": "INSERT INTO {table} (id, order_id, amount, status) VALUES ($1, $2, $3, $4)",
    "UPDATE": "UPDATE {table} SET status = $1 WHERE id = $2",
    "DELETE": "DELETE FROM {table} WHERE id = $1",
}


@dataclass
class SpanIds:
    """Ids of one kept request: the trace id, and server and client span ids per hop."""

    trace_id: str
    server: dict[int, str]
    client: dict[int, str]

    @classmethod
    def assign(cls, request: Request, rng: random.Random) -> SpanIds:
        ids = cls(f"{rng.getrandbits(128):032x}", {}, {})
        for hop in request.root.walk():
            if hop is not request.root:
                ids.client[id(hop)] = f"{rng.getrandbits(64):016x}"
            if hop.pod is not None:
                ids.server[id(hop)] = f"{rng.getrandbits(64):016x}"
        return ids

    def logging_span(self, hop: Hop) -> tuple[str, str]:
        return self.trace_id, self.server[id(hop)]


@dataclass
class _Trace:
    """What every span of one trace shares while its documents are built."""

    ids: SpanIds
    group: dict[str, Any]
    urls: dict[int, str]
    exceptions: dict[int, ExceptionInfo]


class SpanWriter:
    """Turns kept requests into span documents."""

    def __init__(self, topology: Topology, namespace: str) -> None:
        self.namespace = namespace
        self._resources = {
            node.name: self._resource(node) for node in topology.nodes if not node.is_db
        }

    def _resource(self, node: Node) -> dict[str, Any]:
        service = node.service
        return {
            "resource.attributes.service@name": service.name,
            "resource.attributes.service@namespace": self.namespace,
            "resource.attributes.service@version": service.version,
            "resource.attributes.telemetry@sdk@name": "opentelemetry",
            "resource.attributes.telemetry@sdk@language": service.language,
            "resource.attributes.telemetry@sdk@version": _SDK_VERSION[service.language],
            "resource.attributes.k8s@namespace@name": self.namespace,
            "resource.attributes.k8s@deployment@name": service.name,
            "instrumentationLibrary.name": _LIBRARY[service.language],
        }

    def spans(
        self,
        request: Request,
        ids: SpanIds,
        urls: dict[int, str],
        exceptions: dict[int, ExceptionInfo],
    ) -> list[dict[str, Any]]:
        """All span documents of ``request``, parents before children."""
        root = request.root
        group = {
            "traceGroup": root.node.route,
            "traceGroupFields.endTime": iso_nanos(_ns(root.end_ms)),
            "traceGroupFields.durationInNanos": _ns(root.end_ms) - _ns(root.start_ms),
            "traceGroupFields.statusCode": 2 if root.failed else 0,
        }
        trace = _Trace(ids, group, urls, exceptions)
        out: list[dict[str, Any]] = []

        def visit(hop: Hop, parent_span: str) -> None:
            server_id = ids.server[id(hop)]
            out.append(self._server(trace, hop, parent_span))
            for child in hop.children:
                out.append(self._client(trace, hop, child, server_id))
                if child.pod is not None:
                    visit(child, ids.client[id(child)])

        visit(root, "")
        return out

    def _span(
        self,
        trace: _Trace,
        owner: Hop,
        span_id: str,
        parent_span: str,
        start: float,
        end: float,
        failed: bool,
        exception: ExceptionInfo | None,
    ) -> dict[str, Any]:
        """The fields every span has; ``owner`` is the hop of the service that records it."""
        start_ns, end_ns = _ns(start), _ns(end)
        doc: dict[str, Any] = {
            "traceId": trace.ids.trace_id,
            "spanId": span_id,
            "traceState": "",
            "parentSpanId": parent_span,
            "name": "",
            "kind": "",
            "startTime": iso_nanos(start_ns),
            "endTime": iso_nanos(end_ns),
            "durationInNanos": end_ns - start_ns,
            "serviceName": owner.node.name,
            "events": [_exception_event(exception, end_ns)] if exception else [],
            "links": [],
            "droppedAttributesCount": 0,
            "droppedEventsCount": 0,
            "droppedLinksCount": 0,
            **trace.group,
            "status.code": 2 if failed else 0,
            "status.message": "",
        }
        if failed:
            doc["status.message"] = exception.message if exception else "Error"
        doc.update(self._resources[owner.node.name])
        if owner.pod is not None:
            doc["resource.attributes.host@hostname"] = owner.pod.name
            doc["resource.attributes.k8s@pod@name"] = owner.pod.name
            doc["resource.attributes.k8s@node@name"] = owner.pod.node
        return doc

    def _server(self, trace: _Trace, hop: Hop, parent_span: str) -> dict[str, Any]:
        doc = self._span(
            trace,
            hop,
            trace.ids.server[id(hop)],
            parent_span,
            hop.start_ms,
            hop.end_ms,
            hop.failed,
            trace.exceptions.get(id(hop)),
        )
        doc["name"], doc["kind"] = hop.node.route, "SPAN_KIND_SERVER"
        if hop.failed and id(hop) not in trace.exceptions:
            doc["status.message"] = f"HTTP {hop.status}"
        doc["span.attributes.http@method"] = hop.node.method
        doc["span.attributes.http@route"] = hop.node.path
        doc["span.attributes.http@url"] = trace.urls[id(hop)]
        doc["span.attributes.http@status_code"] = hop.status
        return doc

    def _client(self, trace: _Trace, caller: Hop, hop: Hop, parent_span: str) -> dict[str, Any]:
        """The caller's CLIENT span of a call (the exception is on it if nothing answered)."""
        node = hop.node
        network = 0.0 if node.is_db else NETWORK_MS
        exception = trace.exceptions.get(id(hop)) if hop.pod is None else None
        doc = self._span(
            trace,
            caller,
            trace.ids.client[id(hop)],
            parent_span,
            hop.start_ms - network,
            hop.end_ms + network,
            hop.failed,
            exception,
        )
        doc["kind"] = "SPAN_KIND_CLIENT"
        doc["span.attributes.net@peer@name"] = node.name
        doc["span.attributes.net@peer@port"] = node.service.port
        if node.is_db:
            operation, _, table = node.route.partition(" ")
            doc["name"] = node.route
            doc["span.attributes.db@system"] = node.service.db_system
            doc["span.attributes.db@operation"] = operation
            if operation in _STATEMENTS:  # SQL
                doc["span.attributes.db@name"] = self.namespace
                doc["span.attributes.db@sql@table"] = table
                doc["span.attributes.db@statement"] = _STATEMENTS[operation].format(table=table)
            else:
                doc["span.attributes.db@statement"] = f"{operation} {table}:*"
            return doc
        doc["name"] = f"HTTP {node.method}"
        doc["span.attributes.http@method"] = node.method
        doc["span.attributes.http@url"] = trace.urls[id(hop)]
        doc["span.attributes.http@status_code"] = hop.status
        if hop.failed and exception is None:
            doc["status.message"] = f"HTTP {hop.status}"
        return doc


def _ns(ms: float) -> int:
    return round(ms * 1_000_000)


def _exception_event(exception: ExceptionInfo, t_ns: int) -> dict[str, Any]:
    return {
        "name": "exception",
        "time": iso_nanos(t_ns),
        "attributes": {
            "exception.type": exception.type,
            "exception.message": exception.message,
            "exception.stacktrace": exception.stacktrace,
        },
        "droppedAttributesCount": 0,
    }


def service_map_docs(topology: Topology) -> list[dict[str, Any]]:
    """Data Prepper's ``otel-v1-apm-service-map`` documents: one per edge side and trace group."""
    docs: dict[str, dict[str, Any]] = {}

    def add(doc: dict[str, Any]) -> None:
        digest = hashlib.md5(orjson.dumps(doc, option=orjson.OPT_SORT_KEYS)).digest()
        doc["hashId"] = base64.b64encode(digest).decode()
        docs.setdefault(doc["hashId"], doc)

    def visit(node: Node, group: str) -> None:
        add(
            {
                "serviceName": node.name,
                "kind": "SPAN_KIND_SERVER",
                "destination": None,
                "target": {"resource": node.route, "domain": node.name},
                "traceGroupName": group,
            }
        )
        for edge in node.calls:
            if edge.node.is_db:
                continue
            add(
                {
                    "serviceName": node.name,
                    "kind": "SPAN_KIND_CLIENT",
                    "destination": {"resource": edge.node.route, "domain": edge.node.name},
                    "target": None,
                    "traceGroupName": group,
                }
            )
            visit(edge.node, group)

    for entry in topology.entries:
        visit(entry, entry.route)
    return list(docs.values())
