"""The Kubernetes server's tools: their params and result models, by tool name."""

from __future__ import annotations

from pydantic import BaseModel

from opslens_mcp.kubernetes.models import EventGroup, Finding, KubeQuery, ObjectRef, PodSummary
from opslens_mcp.kubernetes.tools.deps import ListingResult
from opslens_mcp.kubernetes.tools.diagnose import DiagnoseParams, DiagnoseResult
from opslens_mcp.kubernetes.tools.events import ListEventsParams, ListEventsResult
from opslens_mcp.kubernetes.tools.nodes import ListNodesParams, ListNodesResult
from opslens_mcp.kubernetes.tools.pods import (
    GetPodParams,
    GetPodResult,
    ListPodsParams,
    ListPodsResult,
    PodLogsParams,
    PodLogsResult,
)
from opslens_mcp.kubernetes.tools.services import ListServicesParams, ListServicesResult
from opslens_mcp.kubernetes.tools.workloads import (
    ListDeploymentsParams,
    ListDeploymentsResult,
    WorkloadMatch,
    WorkloadParams,
    WorkloadResult,
)

TOOLS: dict[str, tuple[type[BaseModel], type[BaseModel]]] = {
    "list_pods": (ListPodsParams, ListPodsResult),
    "get_pod": (GetPodParams, GetPodResult),
    "pod_logs": (PodLogsParams, PodLogsResult),
    "list_events": (ListEventsParams, ListEventsResult),
    "list_deployments": (ListDeploymentsParams, ListDeploymentsResult),
    "workload_for_service": (WorkloadParams, WorkloadResult),
    "list_services": (ListServicesParams, ListServicesResult),
    "list_nodes": (ListNodesParams, ListNodesResult),
    "diagnose": (DiagnoseParams, DiagnoseResult),
}

__all__ = [
    "TOOLS",
    "DiagnoseParams",
    "DiagnoseResult",
    "EventGroup",
    "Finding",
    "GetPodParams",
    "GetPodResult",
    "KubeQuery",
    "ListDeploymentsParams",
    "ListDeploymentsResult",
    "ListEventsParams",
    "ListEventsResult",
    "ListNodesParams",
    "ListNodesResult",
    "ListPodsParams",
    "ListPodsResult",
    "ListServicesParams",
    "ListServicesResult",
    "ListingResult",
    "ObjectRef",
    "PodLogsParams",
    "PodLogsResult",
    "PodSummary",
    "WorkloadMatch",
    "WorkloadParams",
    "WorkloadResult",
]
