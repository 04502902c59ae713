"""Named measures ``query_range`` builds itself: the RED measures of the services and the
resource measures of the pods, from this server's label conventions
(``OPSLENS_PROMETHEUS_ISTIO__*``, ``..._OTEL__*``, ``..._RESOURCES__*``), so a caller names
what it wants instead of writing PromQL that has to know those labels too."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from opslens_mcp.prometheus import promql
from opslens_mcp.prometheus.profiles import ProfileName
from opslens_mcp.prometheus.settings import PrometheusSettings

Measure = Literal[
    "request_rate",
    "error_ratio",
    "latency_p50",
    "latency_p95",
    "latency_p99",
    "cpu_cores",
    "memory_bytes",
    "restarts_total",
]
QUANTILES = {"latency_p50": 0.5, "latency_p95": 0.95, "latency_p99": 0.99}
RESOURCE_MEASURES = ("cpu_cores", "memory_bytes", "restarts_total")


class SubjectLabels(BaseModel):
    """Which labels of a measure's series name its service, namespace and pod."""

    service: str | None = Field(default=None, description="Label of the service (RED measures).")
    namespace: str | None = None
    pod: str | None = Field(default=None, description="Label of the pod (resource measures).")


def measure_query(
    settings: PrometheusSettings,
    measure: Measure,
    namespace: str | None,
    rate_window: str,
    profile: ProfileName | None = None,
) -> tuple[str, SubjectLabels]:
    """The PromQL of ``measure`` per service (RED) or pod (resources), and its subject labels."""
    if measure in RESOURCE_MEASURES:
        resources = settings.resources
        scope = promql.WorkloadScope(namespace=namespace)
        by = [resources.namespace_label, resources.pod_label]
        text = promql.resource_expressions(resources, scope, rate_window, by)[measure]
        return text, SubjectLabels(namespace=resources.namespace_label, pod=resources.pod_label)
    requests = settings.request_profile(profile)
    matchers = promql.request_matchers(requests, None, namespace)
    if measure == "request_rate":
        text = promql.request_rate(requests, matchers, rate_window)
    elif measure == "error_ratio":
        text = promql.error_ratio(requests, matchers, rate_window)
    else:
        text = promql.latency_quantile(requests, matchers, rate_window, QUANTILES[measure])
    subject = SubjectLabels(service=requests.service_label, namespace=requests.namespace_label)
    return text, subject
