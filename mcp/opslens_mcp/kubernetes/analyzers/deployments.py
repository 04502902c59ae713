"""Deployment problems: replicas that are not available, rollouts that stopped progressing."""

from __future__ import annotations

from opslens_mcp.kubernetes.analyzers.context import Context
from opslens_mcp.kubernetes.models import Finding, ObjectRef, Severity
from opslens_mcp.kubernetes.pod_status import Json, condition, metadata
from opslens_mcp.kubernetes.summaries import deployment_summary

_UNAVAILABLE = (
    "Fewer replicas are available than the Deployment asks for, so it serves with reduced "
    "capacity (or not at all when none is available). Its pods' findings usually say why."
)
_STUCK = (
    "The rollout made no progress within progressDeadlineSeconds: new pods do not become "
    "ready (crash, image, scheduling) or cannot be created (quota, admission)."
)


def analyze_deployments(deployments: list[Json], context: Context) -> list[Finding]:
    """Findings for Deployments short of available replicas or with a stuck rollout."""
    findings: list[Finding] = []
    for deployment in deployments:
        summary = deployment_summary(deployment)
        ref = ObjectRef(kind="Deployment", name=summary.name, namespace=summary.namespace)
        if summary.rollout == "paused":
            continue
        if summary.desired > 0 and summary.available < summary.desired:
            evidence = [
                f"available {summary.available}/{summary.desired}, ready {summary.ready}, "
                f"updated {summary.updated}, unavailable {summary.unavailable}"
            ]
            available = condition(deployment, "Available")
            if available:
                evidence.append(
                    f"Available={available.get('status')} reason {available.get('reason')}: "
                    f"{available.get('message', '')}"
                )
            severity: Severity = "critical" if summary.available == 0 else "warning"
            findings.append(
                context.finding(
                    "deployments", "UnavailableReplicas", severity, ref, _UNAVAILABLE, evidence
                )
            )
        if summary.rollout_stuck:
            generation = metadata(deployment).get("generation")
            evidence = [
                f"Progressing=False reason ProgressDeadlineExceeded: {summary.rollout_message}",
                f"generation {generation}, updated replicas {summary.updated}/{summary.desired}",
            ]
            findings.append(
                context.finding("deployments", "RolloutStuck", "critical", ref, _STUCK, evidence)
            )
    return findings
