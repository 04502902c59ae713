"""PersistentVolumeClaim problems: claims left Pending or Lost."""

from __future__ import annotations

from opslens_mcp.kubernetes.analyzers.context import Context
from opslens_mcp.kubernetes.models import Finding, ObjectRef
from opslens_mcp.kubernetes.pod_status import Json, metadata, spec, status
from opslens_mcp.kubernetes.timeparse import parse_timestamp

_PENDING = (
    "The claim is not bound to a volume: no PersistentVolume matches it and none could be "
    "provisioned (unknown or missing StorageClass, provisioner error, capacity, access mode). "
    "Pods that mount it stay Pending."
)
_LOST = "The claim's volume is gone; pods using it cannot start. Restore or recreate the volume."


def analyze_pvcs(pvcs: list[Json], context: Context) -> list[Finding]:
    """Findings for claims that are not Bound."""
    findings: list[Finding] = []
    for pvc in pvcs:
        phase = status(pvc).get("phase")
        if phase not in ("Pending", "Lost"):
            continue
        meta = metadata(pvc)
        ref = ObjectRef(
            kind="PersistentVolumeClaim",
            name=str(meta.get("name")),
            namespace=meta.get("namespace"),
        )
        events = context.events_for(ref)
        warned = any(g.type == "Warning" for g in events)
        if phase == "Pending" and not warned:
            if any(g.reason == "WaitForFirstConsumer" for g in events):
                continue  # binds once a pod uses it: by design, not a fault
            created = parse_timestamp(meta.get("creationTimestamp"))
            if created and context.now - created < context.pending_grace:
                continue  # just created: provisioning takes a moment
        storage = (spec(pvc).get("resources") or {}).get("requests", {}).get("storage")
        evidence = [
            f"status.phase: {phase}",
            f"storageClassName: {spec(pvc).get('storageClassName') or '(default)'}",
            f"requested storage: {storage}",
        ]
        if phase == "Pending":
            findings.append(
                context.finding("pvcs", "PVCPending", "warning", ref, _PENDING, evidence)
            )
        else:
            findings.append(context.finding("pvcs", "PVCLost", "critical", ref, _LOST, evidence))
    return findings
