"""Metric conventions: which metrics and labels mean requests, latency, CPU and memory.

Two request profiles ship: ``istio`` (Envoy's ``istio_requests_total`` and
``istio_request_duration_milliseconds`` as the mesh reports them, the default) and ``otel``
(OpenTelemetry HTTP semantic conventions as the collector exports them to Prometheus). Every
name is configurable, e.g. ``OPSLENS_PROMETHEUS_ISTIO__SERVICE_LABEL=destination_workload``.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, Field, field_validator

ProfileName = Literal["istio", "otel"]
_NAME = re.compile(r"^[a-zA-Z_:][a-zA-Z0-9_:]*$")
_LABEL = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*$")


def check_metric_name(name: str) -> str:
    if not _NAME.match(name):
        raise ValueError(f"{name!r} is not a Prometheus metric name")
    return name


def check_label_name(name: str) -> str:
    if not _LABEL.match(name):
        raise ValueError(f"{name!r} is not a Prometheus label name")
    return name


class RequestProfile(BaseModel):
    """Where request rate, errors and latency live for one instrumentation convention."""

    requests_metric: str = Field(description="Counter of requests.")
    duration_histogram: str = Field(
        description="Latency histogram base name (``_bucket`` is appended)."
    )
    duration_unit_ms: float = Field(
        gt=0, description="Milliseconds per unit of the histogram (1 for ms, 1000 for seconds)."
    )
    service_label: str
    namespace_label: str | None = None
    status_label: str = Field(description="Label holding the HTTP status code.")
    error_status_regex: str = Field(default="5..", description="Status codes that are errors.")
    filters: dict[str, str] = Field(
        default_factory=dict, description="Equality matchers every query carries."
    )

    @field_validator("requests_metric", "duration_histogram")
    @classmethod
    def _metric(cls, value: str) -> str:
        return check_metric_name(value)

    @field_validator("service_label", "namespace_label", "status_label")
    @classmethod
    def _label(cls, value: str | None) -> str | None:
        return None if value is None else check_label_name(value)

    @property
    def group_labels(self) -> list[str]:
        """Labels results are grouped by: namespace (when known) and service."""
        return [label for label in (self.namespace_label, self.service_label) if label]


class IstioProfile(RequestProfile):
    """Istio standard metrics, server side (``reporter="destination"``)."""

    requests_metric: str = "istio_requests_total"
    duration_histogram: str = "istio_request_duration_milliseconds"
    duration_unit_ms: float = 1.0
    service_label: str = "destination_service_name"
    namespace_label: str | None = "destination_service_namespace"
    status_label: str = "response_code"
    filters: dict[str, str] = Field(default_factory=lambda: {"reporter": "destination"})


class OtelProfile(RequestProfile):
    """OpenTelemetry HTTP server semantic conventions (seconds; the count is the counter)."""

    requests_metric: str = "http_server_request_duration_seconds_count"
    duration_histogram: str = "http_server_request_duration_seconds"
    duration_unit_ms: float = 1000.0
    service_label: str = "service_name"
    namespace_label: str | None = "k8s_namespace_name"
    status_label: str = "http_response_status_code"


class ResourceProfile(BaseModel):
    """cAdvisor, kube-state-metrics and node-exporter names (kube-prometheus-stack defaults)."""

    namespace_label: str = "namespace"
    pod_label: str = "pod"
    container_label: str = "container"
    pod_name_pattern: str = Field(
        default="<service>-([a-z0-9]{1,10}-)?[a-z0-9]{5}|<service>-[0-9]+",
        description="RE2 regex of a service's pod names; <service> stands for the quoted name "
        "(Deployment, DaemonSet and StatefulSet pods).",
    )
    cpu_usage_metric: str = "container_cpu_usage_seconds_total"
    memory_metric: str = "container_memory_working_set_bytes"
    throttled_periods_metric: str = "container_cpu_cfs_throttled_periods_total"
    cfs_periods_metric: str = "container_cpu_cfs_periods_total"
    restarts_metric: str = "kube_pod_container_status_restarts_total"
    last_terminated_metric: str = "kube_pod_container_status_last_terminated_reason"
    waiting_reason_metric: str = "kube_pod_container_status_waiting_reason"
    limits_metric: str = "kube_pod_container_resource_limits"
    node_cpu_metric: str = "node_cpu_seconds_total"
    node_label: str = "instance"

    @field_validator(
        "cpu_usage_metric",
        "memory_metric",
        "throttled_periods_metric",
        "cfs_periods_metric",
        "restarts_metric",
        "last_terminated_metric",
        "waiting_reason_metric",
        "limits_metric",
        "node_cpu_metric",
    )
    @classmethod
    def _metric(cls, value: str) -> str:
        return check_metric_name(value)

    @field_validator("namespace_label", "pod_label", "container_label", "node_label")
    @classmethod
    def _label(cls, value: str) -> str:
        return check_label_name(value)
