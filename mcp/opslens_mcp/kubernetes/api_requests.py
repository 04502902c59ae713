"""The Kubernetes API requests the tools make, as plain values built by pure functions.

An :class:`ApiRequest` is exactly what is sent (path and query string) and what a tool result
shows, with a ``kubectl get --raw`` line that reruns it. It also names the RBAC verb and
resource it needs, so a 403 can say which permission is missing.

User text only ever becomes a query *value*: path segments are valid object names
(:mod:`opslens_mcp.kubernetes.names`), percent-encoded, field-selector values are escaped the
way ``fields.EscapeValue`` does, and label values are validated.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import quote, urlencode

from opslens_mcp.core.errors import InvalidParams
from opslens_mcp.kubernetes.names import check_subdomain, is_dns_subdomain

# resource -> (API group, version); the core group is "".
RESOURCES: dict[str, tuple[str, str]] = {
    "pods": ("", "v1"),
    "events": ("", "v1"),
    "nodes": ("", "v1"),
    "services": ("", "v1"),
    "endpoints": ("", "v1"),
    "persistentvolumeclaims": ("", "v1"),
    "deployments": ("apps", "v1"),
    "replicasets": ("apps", "v1"),
}
CLUSTER_SCOPED = frozenset({"nodes"})
_LABEL_VALUE = re.compile(r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")
_LABEL_NAME = re.compile(r"^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$")


@dataclass(frozen=True)
class ApiRequest:
    """One read-only GET: where it goes and which RBAC permission it needs."""

    path: str
    params: tuple[tuple[str, str], ...] = ()
    verb: str = "list"
    resource: str = "pods"
    group: str = ""
    namespace: str | None = None

    @property
    def url(self) -> str:
        """Path and query string, as sent."""
        return f"{self.path}?{urlencode(self.params)}" if self.params else self.path

    @property
    def kubectl(self) -> str:
        """A shell line that sends the same request with the user's own kubeconfig."""
        return f"kubectl get --raw '{self.url}'"

    def with_params(self, **extra: str | int) -> ApiRequest:
        """The same request with more query parameters (e.g. ``limit`` and ``continue``)."""
        params = [(k, v) for k, v in self.params if k not in extra]
        params += [(k, str(v)) for k, v in extra.items()]
        return replace(self, params=tuple(params))

    def permission(self) -> str:
        """The missing permission in words, for error messages."""
        group = self.group or "core"
        where = f'in namespace "{self.namespace}"' if self.namespace else "cluster-wide"
        return f"{self.verb} {self.resource} (API group {group}) {where}"


def _segment(value: str) -> str:
    """One path segment: a valid object or namespace name (a DNS-1123 subdomain, so never
    ``.``, ``..``, empty or with a ``/``), percent-encoded all the same. The params models
    check each name against its own rule first; this is the last guard before a path."""
    try:
        return quote(check_subdomain(value), safe="")
    except ValueError as exc:
        raise InvalidParams(str(exc)) from exc


def _base(resource: str, namespace: str | None) -> str:
    group, version = RESOURCES[resource]
    root = f"/apis/{group}/{version}" if group else f"/api/{version}"
    if namespace is None or resource in CLUSTER_SCOPED:
        return f"{root}/{resource}"
    return f"{root}/namespaces/{_segment(namespace)}/{resource}"


def list_request(
    resource: str,
    namespace: str | None = None,
    *,
    label_selector: str | None = None,
    field_selector: str | None = None,
) -> ApiRequest:
    """List ``resource`` in ``namespace`` (None: all namespaces or cluster-scoped)."""
    params: list[tuple[str, str]] = []
    if label_selector:
        params.append(("labelSelector", label_selector))
    if field_selector:
        params.append(("fieldSelector", field_selector))
    return ApiRequest(
        path=_base(resource, namespace),
        params=tuple(params),
        verb="list",
        resource=resource,
        group=RESOURCES[resource][0],
        namespace=None if resource in CLUSTER_SCOPED else namespace,
    )


def get_request(resource: str, namespace: str | None, name: str) -> ApiRequest:
    """Read one object by name."""
    return ApiRequest(
        path=f"{_base(resource, namespace)}/{_segment(name)}",
        verb="get",
        resource=resource,
        group=RESOURCES[resource][0],
        namespace=None if resource in CLUSTER_SCOPED else namespace,
    )


def pod_log_request(
    namespace: str,
    pod: str,
    *,
    container: str | None,
    tail_lines: int | None,
    since_time: str | None,
    previous: bool,
    limit_bytes: int,
) -> ApiRequest:
    """Read a container's log through the API server (which asks the node's kubelet)."""
    params: list[tuple[str, str]] = []
    if container:
        params.append(("container", container))
    if tail_lines is not None:
        params.append(("tailLines", str(tail_lines)))
    if since_time:
        params.append(("sinceTime", since_time))
    if previous:
        params.append(("previous", "true"))
    params += [("limitBytes", str(limit_bytes)), ("timestamps", "true")]
    return ApiRequest(
        path=f"{_base('pods', namespace)}/{_segment(pod)}/log",
        params=tuple(params),
        verb="get",
        resource="pods/log",
        namespace=namespace,
    )


def escape_field_value(value: str) -> str:
    """Escape a field-selector value (backslash, comma and equals sign), like client-go."""
    return value.replace("\\", "\\\\").replace(",", "\\,").replace("=", "\\=")


def field_selector(terms: Mapping[str, str | None]) -> str | None:
    """``a=b,c=d`` from the terms that have a value, values escaped; None if there are none."""
    parts = [f"{key}={escape_field_value(value)}" for key, value in terms.items() if value]
    return ",".join(parts) or None


def is_label_value(value: str) -> bool:
    """Whether ``value`` is a valid label value (so an equality selector cannot be bent)."""
    return len(value) <= 63 and bool(_LABEL_VALUE.match(value))


def is_label_key(key: str) -> bool:
    """Whether ``key`` is a valid label key (``[prefix/]name``)."""
    prefix, _, name = key.rpartition("/")
    if prefix and not is_dns_subdomain(prefix):
        return False
    return bool(_LABEL_NAME.match(name))


def equality_selector(key: str, value: str) -> str:
    """``key=value`` for a validated label key and value; ValueError otherwise."""
    if not is_label_key(key) or not is_label_value(value):
        raise ValueError(f"{key}={value} is not a valid label selector term")
    return f"{key}={value}"


def selector_from_label_selector(selector: Mapping[str, Any] | None) -> str | None:
    """A ``metav1.LabelSelector`` (matchLabels, matchExpressions) as selector text.

    Returns None for an empty selector, which in a workload means "matches nothing".
    """
    if not selector:
        return None
    parts = [f"{k}={v}" for k, v in sorted((selector.get("matchLabels") or {}).items())]
    for expression in selector.get("matchExpressions") or []:
        key, operator = expression.get("key", ""), expression.get("operator", "")
        values: Iterable[str] = expression.get("values") or []
        if operator == "In":
            parts.append(f"{key} in ({','.join(values)})")
        elif operator == "NotIn":
            parts.append(f"{key} notin ({','.join(values)})")
        elif operator == "Exists":
            parts.append(key)
        elif operator == "DoesNotExist":
            parts.append(f"!{key}")
    return ",".join(parts) or None


def selector_matches(selector: Mapping[str, str], labels: Mapping[str, str]) -> bool:
    """Whether a Service-style selector (plain equality map) matches ``labels``."""
    return all(labels.get(key) == value for key, value in selector.items())
