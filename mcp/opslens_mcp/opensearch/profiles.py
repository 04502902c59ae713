"""Schema profiles: which indices hold logs, spans and the service map, and their field names.

Three profiles describe the platform's defaults: ``vector`` (container logs written by a
Vector DaemonSet), ``otel`` (OpenTelemetry logs) and ``data-prepper`` (Trace Analytics spans
and service map, flattened 1.x and nested 2.x alike). ``jaeger`` reads spans as Jaeger's
OpenSearch storage writes them. A profile only fills the fields a configuration leaves out, so
``{"profile": "vector", "index": "k8s-logs-*"}`` keeps every other Vector default.

Example YAML (``OPSLENS_OPENSEARCH_PROFILE_FILE``)::

    container_logs:
      index: "kube-logs-*"
      service_field: kubernetes.labels.app_kubernetes_io/name
    traces:
      profile: jaeger
      index: "jaeger-span-*"
    service_map:
      enabled: false
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

LogProfileName = Literal["vector", "otel"]
TraceProfileName = Literal["data-prepper", "jaeger"]
TimeUnit = Literal["iso", "ms", "us", "ns"]

_OTEL_LOG_DEFAULTS: dict[str, Any] = {
    "index": "otel-logs-*",
    "time_field": "time",
    "message_field": "body",
    "service_field": "resource.attributes.service.name",
    "level_field": "severityText",
    "severity_number_field": "severityNumber",
    "namespace_field": "resource.attributes.k8s.namespace.name",
    "pod_field": "resource.attributes.k8s.pod.name",
    "container_field": "resource.attributes.k8s.container.name",
    "node_field": "resource.attributes.k8s.node.name",
    "trace_id_field": "traceId",
    "span_id_field": "spanId",
}

_JAEGER_DEFAULTS: dict[str, Any] = {
    "index": "jaeger-span-*",
    "trace_id_field": "traceID",
    "span_id_field": "spanID",
    "parent_span_id_field": "parentSpanID",
    "references_field": "references",
    "service_field": "process.serviceName",
    "operation_field": "operationName",
    "kind_field": "tag.span@kind",
    "server_kind": "server",
    "client_kind": "client",
    "time_field": "startTimeMillis",
    "start_field": "startTime",
    "start_unit": "us",
    "end_field": None,
    "duration_field": "duration",
    "duration_unit": "us",
    "error_field": "tag.error",
    "error_value": "true",
    "status_message_field": None,
    "http_status_field": "tag.http@status_code",
    "peer_field": "tag.peer@service",
    "db_system_field": "tag.db@type",
    "trace_group_field": None,
    "events_field": "logs",
}


def _with_defaults(data: Any, defaults: dict[str, Any]) -> Any:
    if not isinstance(data, dict):
        return data
    return {**defaults, **data}


class LogProfile(BaseModel):
    """One log source: an index pattern and where each normalized field lives in it."""

    model_config = ConfigDict(extra="forbid")

    profile: LogProfileName = "vector"
    enabled: bool = True
    index: str = Field(
        default="logs-*", min_length=1, description="Index pattern(s), comma-separated."
    )
    time_field: str = "@timestamp"
    message_field: str = "message"
    service_field: str = "kubernetes.labels.app"
    level_field: str = "level"
    severity_number_field: str | None = Field(
        default=None, description="OpenTelemetry severityNumber, used for level filters when set."
    )
    namespace_field: str = "kubernetes.namespace_name"
    pod_field: str = "kubernetes.pod_name"
    container_field: str = "kubernetes.container_name"
    node_field: str = "kubernetes.node_name"
    trace_id_field: str = "trace_id"
    span_id_field: str = "span_id"

    @model_validator(mode="before")
    @classmethod
    def _profile_defaults(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("profile") == "otel":
            return _with_defaults(data, _OTEL_LOG_DEFAULTS)
        return data

    def field(self, name: str) -> str | None:
        """The configured field for a logical name such as ``service`` or ``pod``."""
        value = getattr(self, f"{name}_field", None)
        return value if isinstance(value, str) else None


class TraceProfile(BaseModel):
    """Where spans are and how to read them."""

    model_config = ConfigDict(extra="forbid")

    profile: TraceProfileName = "data-prepper"
    enabled: bool = True
    index: str = Field(default="otel-v1-apm-span-*", min_length=1)
    trace_id_field: str = "traceId"
    span_id_field: str = "spanId"
    parent_span_id_field: str | None = "parentSpanId"
    references_field: str | None = Field(
        default=None, description="Jaeger-style references; the CHILD_OF one names the parent."
    )
    service_field: str = "serviceName"
    operation_field: str = "name"
    kind_field: str | None = "kind"
    server_kind: str | None = Field(
        default="SPAN_KIND_SERVER", description="The kind value of spans that serve a request."
    )
    client_kind: str | None = Field(
        default="SPAN_KIND_CLIENT", description="The kind value of spans that call out."
    )
    time_field: str = Field(
        default="startTime", description="A date field for time ranges and histograms."
    )
    start_field: str = "startTime"
    start_unit: TimeUnit = Field(default="iso", description="How start_field is stored.")
    end_field: str | None = "endTime"
    duration_field: str = "durationInNanos"
    duration_unit: Literal["ms", "us", "ns"] = "ns"
    error_field: str = "status.code"
    error_value: str | int | bool = 2
    status_message_field: str | None = "status.message"
    http_status_field: str | None = "span.attributes.http@status_code"
    peer_field: str | None = Field(
        default="span.attributes.net@peer@name", description="The remote a client span called."
    )
    db_system_field: str | None = "span.attributes.db@system"
    trace_group_field: str | None = "traceGroup"
    events_field: str | None = "events"

    @model_validator(mode="before")
    @classmethod
    def _profile_defaults(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("profile") == "jaeger":
            return _with_defaults(data, _JAEGER_DEFAULTS)
        return data

    @property
    def duration_per_ms(self) -> int:
        """How many duration units make one millisecond."""
        return {"ms": 1, "us": 1_000, "ns": 1_000_000}[self.duration_unit]


class ServiceMapProfile(BaseModel):
    """Data Prepper's service-map index (``service_map_stateful`` processor, 1.x format)."""

    model_config = ConfigDict(extra="forbid")

    profile: Literal["data-prepper"] = "data-prepper"
    enabled: bool = True
    index: str = Field(default="otel-v1-apm-service-map", min_length=1)
    service_field: str = "serviceName"
    kind_field: str = "kind"
    client_kind: str = "SPAN_KIND_CLIENT"
    destination_service_field: str = "destination.domain"
    destination_operation_field: str = "destination.resource"


class Profiles(BaseModel):
    """Every source the server reads; the defaults match the platform opslens was built for."""

    model_config = ConfigDict(extra="forbid")

    container_logs: LogProfile = Field(default_factory=LogProfile)
    otel_logs: LogProfile = Field(default_factory=lambda: LogProfile(profile="otel"))
    traces: TraceProfile = Field(default_factory=TraceProfile)
    service_map: ServiceMapProfile = Field(default_factory=ServiceMapProfile)

    @model_validator(mode="before")
    @classmethod
    def _slot_defaults(cls, data: Any) -> Any:
        if isinstance(data, dict) and isinstance(data.get("otel_logs"), dict):
            data = {**data, "otel_logs": {"profile": "otel", **data["otel_logs"]}}
        return data

    def log_sources(self) -> dict[str, LogProfile]:
        """The enabled log sources by name (``containers``, ``otel``)."""
        sources = {"containers": self.container_logs, "otel": self.otel_logs}
        return {name: profile for name, profile in sources.items() if profile.enabled}
