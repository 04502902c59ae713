"""The Kubernetes tools, grouped by what they read; :func:`register_tools` adds them all."""

from __future__ import annotations

from opslens_mcp.core.tools import ToolRegistry
from opslens_mcp.kubernetes.tools.deps import ToolDeps
from opslens_mcp.kubernetes.tools.diagnose import register_diagnose_tools
from opslens_mcp.kubernetes.tools.events import register_event_tools
from opslens_mcp.kubernetes.tools.nodes import register_node_tools
from opslens_mcp.kubernetes.tools.pods import register_pod_tools
from opslens_mcp.kubernetes.tools.services import register_service_tools
from opslens_mcp.kubernetes.tools.workloads import register_workload_tools

__all__ = ["ToolDeps", "register_tools"]


def register_tools(registry: ToolRegistry, deps: ToolDeps) -> None:
    """Register every Kubernetes tool on ``registry``, in the order a model should try them."""
    register_diagnose_tools(registry, deps)
    register_pod_tools(registry, deps)
    register_event_tools(registry, deps)
    register_workload_tools(registry, deps)
    register_service_tools(registry, deps)
    register_node_tools(registry, deps)
