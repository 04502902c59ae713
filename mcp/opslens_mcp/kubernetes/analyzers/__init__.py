"""Analyzers in the spirit of k8sgpt: pure functions from API objects to findings.

Each analyzer reads plain API JSON (as listed from the API server) and a
:class:`~opslens_mcp.kubernetes.analyzers.context.Context` (the time window and the events in
it) and returns :class:`~opslens_mcp.kubernetes.models.Finding` objects. Nothing here does I/O,
so the same code runs on a live cluster and on saved objects.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from opslens_mcp.kubernetes.analyzers.context import Context, Snapshot, sort_findings
from opslens_mcp.kubernetes.analyzers.deployments import analyze_deployments
from opslens_mcp.kubernetes.analyzers.nodes import analyze_nodes
from opslens_mcp.kubernetes.analyzers.pods import analyze_pods
from opslens_mcp.kubernetes.analyzers.pvcs import analyze_pvcs
from opslens_mcp.kubernetes.analyzers.services import analyze_services
from opslens_mcp.kubernetes.models import Analyzer, Finding

__all__ = ["Context", "Snapshot", "analyze"]


def analyze(
    snapshot: Snapshot, context: Context, only: Iterable[Analyzer] | None = None
) -> list[Finding]:
    """The analyzers (all, or ``only`` these) over ``snapshot``, most severe first."""
    wanted = set(only) if only is not None else None
    runs: dict[Analyzer, Callable[[], list[Finding]]] = {
        "pods": lambda: analyze_pods(snapshot.pods, context),
        "deployments": lambda: analyze_deployments(snapshot.deployments, context),
        "nodes": lambda: analyze_nodes(snapshot.nodes, context),
        "services": lambda: analyze_services(
            snapshot.services, snapshot.endpoints, snapshot.pods, context
        ),
        "pvcs": lambda: analyze_pvcs(snapshot.pvcs, context),
    }
    findings = [
        finding
        for name, run in runs.items()
        if wanted is None or name in wanted
        for finding in run()
    ]
    return sort_findings(findings)
