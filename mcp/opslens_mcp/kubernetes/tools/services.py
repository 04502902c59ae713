"""``list_services``: the Services of a namespace (or of every namespace this server may read)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from opslens_mcp.core.tools import ToolRegistry
from opslens_mcp.kubernetes.models import ServiceSummary
from opslens_mcp.kubernetes.names import NamespaceName
from opslens_mcp.kubernetes.summaries import service_summary
from opslens_mcp.kubernetes.tools.deps import (
    ListingResult,
    ToolDeps,
    label_selector_field,
    limit_field,
    namespace_field,
)


class ListServicesParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    namespace: NamespaceName | None = namespace_field()
    label_selector: str | None = label_selector_field()
    limit: int = limit_field(500, 5000, "Services")


class ListServicesResult(ListingResult):
    services: list[ServiceSummary]


def register_service_tools(registry: ToolRegistry, deps: ToolDeps) -> None:
    client, scope = deps.client, deps.scope

    @registry.tool(
        description="""
        List Kubernetes Services: name, namespace, type, cluster IP, pod selector and ports.
        Their names are usually the service names logs, traces and metrics carry, so this
        also answers "which services are there" when the log store cannot.
        """
    )
    async def list_services(params: ListServicesParams) -> ListServicesResult:
        listing = await client.list_many(
            scope.list_requests("services", params.namespace, label_selector=params.label_selector)
        )
        found = sorted(
            (service_summary(s) for s in listing.items), key=lambda s: (s.namespace, s.name)
        )
        return ListServicesResult(
            services=found[: params.limit],
            matched=len(found),
            truncated=len(found) > params.limit,
            complete=listing.complete,
            queries=listing.queries(),
        )
