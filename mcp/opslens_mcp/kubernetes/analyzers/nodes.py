"""Node problems: not ready, under resource pressure, network down, cordoned."""

from __future__ import annotations

from opslens_mcp.kubernetes.analyzers.context import Context
from opslens_mcp.kubernetes.models import Finding, ObjectRef
from opslens_mcp.kubernetes.pod_status import Json, conditions, metadata, spec

_NOT_READY = (
    "The node is not Ready: its kubelet reports a problem (False) or stopped reporting "
    "(Unknown: node down, network cut, kubelet dead). Its pods are evicted after a grace period."
)
_PRESSURE = {
    "MemoryPressure": "The node is short of memory; the kubelet evicts pods to reclaim it.",
    "DiskPressure": "The node is short of disk space or inodes; pods get evicted, images removed.",
    "PIDPressure": "The node is running out of process IDs; new processes fail, pods get evicted.",
}
_NETWORK = "The node's network is not configured (CNI); its pods cannot reach others."
_CORDONED = "The node is cordoned (unschedulable): no new pods are placed on it."


def _condition_text(c: Json) -> str:
    text = f"{c.get('type')}={c.get('status')} reason {c.get('reason')}"
    if c.get("message"):
        text += f": {c['message']}"
    if c.get("lastHeartbeatTime"):
        text += f" (last heartbeat {c['lastHeartbeatTime']})"
    return text


def analyze_nodes(nodes: list[Json], context: Context) -> list[Finding]:
    """Findings for nodes that cannot run pods well."""
    findings: list[Finding] = []
    for node in nodes:
        ref = ObjectRef(kind="Node", name=str(metadata(node).get("name")))
        by_type = {c.get("type"): c for c in conditions(node)}
        ready = by_type.get("Ready")
        if ready is None or ready.get("status") != "True":
            evidence = [_condition_text(ready) if ready else "no Ready condition reported"]
            findings.append(
                context.finding("nodes", "NodeNotReady", "critical", ref, _NOT_READY, evidence)
            )
        for kind, explanation in _PRESSURE.items():
            pressure = by_type.get(kind)
            if pressure and pressure.get("status") == "True":
                evidence = [_condition_text(pressure)]
                findings.append(
                    context.finding("nodes", kind, "warning", ref, explanation, evidence)
                )
        network = by_type.get("NetworkUnavailable")
        if network and network.get("status") == "True":
            evidence = [_condition_text(network)]
            findings.append(
                context.finding("nodes", "NetworkUnavailable", "critical", ref, _NETWORK, evidence)
            )
        if spec(node).get("unschedulable"):
            evidence = ["spec.unschedulable: true"]
            findings.append(context.finding("nodes", "Cordoned", "info", ref, _CORDONED, evidence))
    return findings
