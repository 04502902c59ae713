"""``list_nodes``: node readiness, pressure, taints and allocatable resources."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from opslens_mcp.core.tools import ToolRegistry
from opslens_mcp.kubernetes.api_requests import list_request
from opslens_mcp.kubernetes.models import NodeSummary
from opslens_mcp.kubernetes.summaries import node_summary
from opslens_mcp.kubernetes.tools.deps import (
    ListingResult,
    ToolDeps,
    label_selector_field,
    limit_field,
)


class ListNodesParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    label_selector: str | None = label_selector_field()
    only_problems: bool = Field(
        default=False,
        description="Only nodes not Ready, under pressure, or cordoned.",
    )
    limit: int = limit_field(100, 1000, "nodes")


class ListNodesResult(ListingResult):
    nodes: list[NodeSummary]


def _has_problem(node: NodeSummary) -> bool:
    return node.ready != "True" or bool(node.pressure) or node.unschedulable


def register_node_tools(registry: ToolRegistry, deps: ToolDeps) -> None:
    client = deps.client

    @registry.tool(
        description="""
        List nodes: Ready (True, False, or Unknown when the kubelet stopped reporting), memory,
        disk and PID pressure, cordoned, taints, roles, allocatable and capacity (cpu, memory,
        pods), kubelet version. only_problems=true keeps the nodes that need attention.
        """
    )
    async def list_nodes(params: ListNodesParams) -> ListNodesResult:
        listing = await client.list_items(
            list_request("nodes", label_selector=params.label_selector)
        )
        nodes = sorted((node_summary(n) for n in listing.items), key=lambda n: n.name)
        if params.only_problems:
            nodes = [n for n in nodes if _has_problem(n)]
        return ListNodesResult(
            nodes=nodes[: params.limit],
            matched=len(nodes),
            truncated=len(nodes) > params.limit,
            complete=listing.complete,
            queries=listing.queries(),
        )
