"""Service problems: a selector that leaves the Service with no ready endpoint."""

from __future__ import annotations

from collections import defaultdict

from opslens_mcp.kubernetes.analyzers.context import Context
from opslens_mcp.kubernetes.api_requests import selector_matches
from opslens_mcp.kubernetes.models import Finding, ObjectRef
from opslens_mcp.kubernetes.pod_status import Json, metadata, spec

_NO_PODS = (
    "The Service selects no pod: no pod carries all the selector's labels (a typo in the "
    "selector or the pod labels, or the workload is scaled to zero). Calls to it fail."
)
_NONE_READY = (
    "Pods match the Service's selector but none is ready, so the Service has no endpoint and "
    "calls to it fail. The pods' findings say why they are not ready."
)


def _key(obj: Json) -> tuple[str, str]:
    meta = metadata(obj)
    return str(meta.get("namespace")), str(meta.get("name"))


def _addresses(endpoints: Json | None) -> tuple[int, int]:
    """(ready, not ready) addresses of an Endpoints object."""
    subsets = (endpoints or {}).get("subsets") or []
    ready = sum(len(s.get("addresses") or []) for s in subsets)
    return ready, sum(len(s.get("notReadyAddresses") or []) for s in subsets)


def analyze_services(
    services: list[Json], endpoints: list[Json], pods: list[Json], context: Context
) -> list[Finding]:
    """Findings for selector Services whose Endpoints hold no ready address."""
    by_key = {_key(e): e for e in endpoints}
    pods_in: dict[str, list[Json]] = defaultdict(list)
    for pod in pods:
        pods_in[str(metadata(pod).get("namespace"))].append(pod)
    findings: list[Finding] = []
    for service in services:
        selector = spec(service).get("selector") or {}
        if not selector or spec(service).get("type") == "ExternalName":
            continue
        namespace, name = _key(service)
        ready, not_ready = _addresses(by_key.get((namespace, name)))
        if ready:
            continue
        matching = [
            p
            for p in pods_in[namespace]
            if selector_matches(selector, metadata(p).get("labels") or {})
        ]
        selector_text = ",".join(f"{k}={v}" for k, v in sorted(selector.items()))
        evidence = [
            f"selector {selector_text}",
            f"pods matching the selector: {len(matching)}",
            f"endpoints: {ready} ready, {not_ready} not ready",
        ]
        ref = ObjectRef(kind="Service", name=name, namespace=namespace)
        explanation = _NONE_READY if matching else _NO_PODS
        findings.append(
            context.finding("services", "NoEndpoints", "warning", ref, explanation, evidence)
        )
    return findings
