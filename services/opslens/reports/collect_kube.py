"""Cluster findings through the Kubernetes server's ``diagnose``, one call per namespace.

``since`` is the window's start, so OOM kills and restarts inside the window count; ``now`` is
its end. Informational findings are dropped at the source (``min_severity=warning``).
"""

from __future__ import annotations

import asyncio

from opslens.reports.settings import DetectionSettings
from opslens.reports.telemetry import KubeFindingData, Telemetry
from opslens.reports.toolcalls import ToolCaller, iso
from opslens_mcp.contract import envelope_of
from opslens_mcp.contract.kubernetes import DiagnoseParams

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
        diagnose = self.caller.tools.kubernetes.diagnose
        results = await asyncio.gather(
            *(
                self.caller.attempt(status, diagnose(DiagnoseParams.model_validate(params)))
                for params in calls
            )
        )
        for params, result in zip(calls, results, strict=True):
            if result is None:
                continue
            query = envelope_of("kubernetes", result).native_text()
            evidence = ToolCaller.evidence("kubernetes", "diagnose", params, query)
            telemetry.findings += [
                KubeFindingData(finding=finding.model_dump(mode="json"), evidence=evidence)
                for finding in result.findings
            ]
