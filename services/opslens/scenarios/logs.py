"""One log event and its two shapes: a Vector container-log document and an OTel log record.

Container logs carry the app's raw line in ``message`` (stack trace included) plus the fields
a Vector remap parses out of it (``level``, ``trace_id``, ``span_id``). OpenTelemetry logs
follow the Data Prepper ``otel-logs`` layout, with the exception in ``attributes``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from opslens.scenarios.clock import iso_ms
from opslens.scenarios.cluster import Pod
from opslens.scenarios.model import Service
from opslens.scenarios.templates import SEVERITY_NUMBERS, ExceptionInfo, format_line

_SDK_VERSION = {"java": "1.44.1", "go": "1.32.0", "node": "1.28.0", "python": "1.28.2"}
_STDERR_LANGUAGES = ("python",)  # Python's logging writes to stderr by default


@dataclass(frozen=True, slots=True)
class LogEvent:
    """Something a service logged (level ERROR, WARN or INFO) at ``t_ms``."""

    t_ms: int
    service: Service
    pod: Pod
    level: str
    message: str
    logger: str
    trace: tuple[str, str] | None = None  # (trace id, span id) when inside a request
    exception: ExceptionInfo | None = None


def container_doc(event: LogEvent, namespace: str) -> dict[str, Any]:
    """The document Vector's ``kubernetes_logs`` source (plus a level/trace remap) writes."""
    service, pod = event.service, event.pod
    line = format_line(
        service.language,
        event.t_ms,
        event.level,
        service.name,
        pod.name,
        event.logger,
        event.message,
        event.trace,
        event.exception,
    )
    doc: dict[str, Any] = {
        "@timestamp": iso_ms(event.t_ms),
        "message": line,
        "stream": "stderr" if service.language in _STDERR_LANGUAGES else "stdout",
        "level": event.level,
    }
    if event.trace:
        doc["trace_id"], doc["span_id"] = event.trace
    doc["kubernetes"] = {
        "namespace_name": namespace,
        "pod_name": pod.name,
        "container_name": service.name,
        "container_image": f"registry.example.com/shop/{service.name}:{service.version}",
        "node_name": pod.node,
        "pod_ip": pod.ip,
        "labels": {  # dots in label keys become "_" (they would clash with `app` as objects)
            "app": service.name,
            "app_kubernetes_io/name": service.name,
            "pod-template-hash": pod.rs_hash,
        },
    }
    doc["source_type"] = "kubernetes_logs"
    return doc


def otel_doc(event: LogEvent, namespace: str) -> dict[str, Any]:
    """An OpenTelemetry log record as Data Prepper writes it to ``otel-logs-*``."""
    service, pod = event.service, event.pod
    trace_id, span_id = event.trace or ("", "")
    attributes: dict[str, Any] = {"otelServiceName": service.name}
    if event.trace:
        attributes.update(otelTraceID=trace_id, otelSpanID=span_id, otelTraceSampled=True)
    if event.exception:
        attributes["exception.type"] = event.exception.type
        attributes["exception.message"] = event.exception.message
        attributes["exception.stacktrace"] = event.exception.stacktrace
    stamp = iso_ms(event.t_ms)
    return {
        "traceId": trace_id,
        "spanId": span_id,
        "instrumentationScope": {"name": event.logger, "droppedAttributesCount": 0},
        "resource": {
            "attributes": {
                "telemetry.sdk.language": service.language,
                "service.version": service.version,
                "service.name": service.name,
                "telemetry.sdk.version": _SDK_VERSION[service.language],
                "host.name": pod.name,
                "os.type": "linux",
                "service.namespace": namespace,
                "telemetry.sdk.name": "opentelemetry",
                "k8s.namespace.name": namespace,
                "k8s.pod.name": pod.name,
                "k8s.node.name": pod.node,
                "k8s.deployment.name": service.name,
                "k8s.container.name": service.name,
            },
            "droppedAttributesCount": 0,
            "schemaUrl": "https://opentelemetry.io/schemas/1.6.1",
        },
        "flags": 1 if event.trace else 0,
        "severityNumber": SEVERITY_NUMBERS[event.level],
        "severityText": event.level,
        "body": event.message,
        "attributes": attributes,
        "time": stamp,
        "droppedAttributesCount": 0,
        "observedTimestamp": stamp,
        "schemaUrl": "",
    }
