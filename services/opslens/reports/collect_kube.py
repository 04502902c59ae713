"""Cluster findings through the Kubernetes server's ``diagnose``, one call per namespace.

``since`` is the window's start, so OOM kills and restarts inside the window count; ``now`` is
its end. Informational findings are dropped at the source (``min_severity=warning``).
"""

from __future__ import annotations

import asyncio

from opslens.reports.settings import DetectionSettings
from opslens.reports.telemetry import KubeFindingData, Telemetry
from opslens.reports.toolcalls import ToolCaller, iso

MAX_FINDINGS = 200


class KubeCollector:
    def __init__(self, caller: ToolCaller, settings: DetectionSettings) -> None:
        self.caller = caller
        self.settings = settings

    async def collect(self, telemetry: Telemetry) -> None:
        window = telemetry.window
        status = telemetry.signal("kubernetes")
        calls = [
            {
                "namespace": namespace,
                "since": iso(window.start),
                "now": iso(window.end),
                "min_severity": "warning",
                "limit": MAX_FINDINGS,
            }
            for namespace in self.settings.namespaces
        ]
        results = await asyncio.gather(
            *(self.caller.call("kubernetes", "diagnose", params, status) for params in calls)
        )
        for params, result in zip(calls, results, strict=True):
            if result is None:
                continue
            query = "\n".join(
                q.get("kubectl") or q.get("path", "") for q in result.get("queries") or []
            )
            evidence = ToolCaller.evidence("kubernetes", "diagnose", params, query)
            telemetry.findings += [
                KubeFindingData(finding=finding, evidence=evidence)
                for finding in result.get("findings") or []
            ]
