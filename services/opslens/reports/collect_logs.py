"""Log data through the OpenSearch server: error lines over time per service (``log_histogram``)
and each noisy service's templates against the baseline (``log_patterns``).

The baseline of templates is the trailing window when it holds logs, else the reference window
when one is given, else the first quarter of the report's window (see
:meth:`~opslens.reports.telemetry.Window.split`).
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

from opslens.reports.models import BaselineMode
from opslens.reports.settings import DetectionSettings
from opslens.reports.telemetry import SeriesData, Telemetry, TemplateData
from opslens.reports.toolcalls import ToolCaller, iso, parse_iso, request_text
from opslens_mcp.opensearch.queries import auto_interval, interval_length

MAX_BUCKETS = 400
MIN_INTERVAL = "1m"
MAX_TEMPLATE_SERVICES = 6
MAX_TEMPLATE_MESSAGES = 300
TEMPLATE_LEVELS = ["error", "warn"]


class LogCollector:
    def __init__(self, caller: ToolCaller, settings: DetectionSettings) -> None:
        self.caller = caller
        self.settings = settings

    def _filters(self) -> dict[str, Any]:
        return {"namespace": list(self.settings.namespaces), "sources": self.settings.log_sources}

    async def baseline_mode(self, telemetry: Telemetry) -> BaselineMode:
        """Trailing when the trailing window holds logs, else reference, else self."""
        window = telemetry.window
        params = {**self._filters(), "start": iso(window.baseline_start), "end": iso(window.start)}
        result = await self.caller.call(
            "opensearch", "count_logs", params, telemetry.signal("logs")
        )
        if result and result.get("total"):
            return "trailing"
        return "reference" if window.reference else "self"

    async def collect(self, telemetry: Telemetry) -> None:
        mode, _ = await asyncio.gather(self.baseline_mode(telemetry), self._error_counts(telemetry))
        telemetry.signal("logs").baseline_mode = mode
        if mode != "trailing":  # the buckets before the window are empty, not quiet: drop them
            start = telemetry.window.start.timestamp()
            for series in telemetry.error_logs:
                first = next((i for i, t in enumerate(series.timestamps) if t >= start), 0)
                series.timestamps, series.values = series.timestamps[first:], series.values[first:]
        await asyncio.gather(
            self._templates(telemetry, mode), self._reference_counts(telemetry, mode)
        )

    async def _error_counts(self, telemetry: Telemetry) -> None:
        window = telemetry.window
        interval = max(
            auto_interval(window.end - window.baseline_start, MAX_BUCKETS),
            MIN_INTERVAL,
            key=interval_length,
        )
        params = {
            **self._filters(),
            "level": ["error"],
            "start": iso(window.baseline_start),
            "end": iso(window.end),
            "interval": interval,
            "split_by": "service",
        }
        result = await self.caller.call(
            "opensearch", "log_histogram", params, telemetry.signal("logs")
        )
        if not result:
            return
        buckets = result.get("buckets") or []
        stamps = [ts.timestamp() for b in buckets if (ts := parse_iso(b.get("start")))]
        services = sorted({name for b in buckets for name in (b.get("by") or {})})
        evidence = ToolCaller.evidence("opensearch", "log_histogram", params, request_text(result))
        for service in services:
            telemetry.error_logs.append(
                SeriesData(
                    kind="error_logs",
                    service=service,
                    subject=None,
                    timestamps=stamps,
                    values=[float((b.get("by") or {}).get(service, 0)) for b in buckets],
                    evidence=evidence,
                )
            )

    async def _counts_by_service(
        self, telemetry: Telemetry, levels: list[str], span: tuple[datetime, datetime], limit: int
    ) -> dict[str, int]:
        params = {
            **self._filters(),
            "level": levels,
            "field": "service",
            "limit": limit,
            "start": iso(span[0]),
            "end": iso(span[1]),
        }
        status = telemetry.signal("logs")
        result = await self.caller.call("opensearch", "top_values", params, status)
        return {str(v["value"]): int(v["count"]) for v in (result or {}).get("values") or []}

    async def _reference_counts(self, telemetry: Telemetry, mode: BaselineMode) -> None:
        """In reference mode, each service's error lines per bucket in the reference window."""
        window = telemetry.window
        if mode != "reference" or window.reference is None or not telemetry.error_logs:
            return
        counts = await self._counts_by_service(telemetry, ["error"], window.reference, 100)
        reference_s = (window.reference[1] - window.reference[0]).total_seconds()
        for series in telemetry.error_logs:
            stamps = series.timestamps
            bucket_s = stamps[1] - stamps[0] if len(stamps) > 1 else window.seconds
            series.reference = counts.get(series.service or "", 0) * bucket_s / reference_s
            series.reference_mode = "reference"

    async def _templates(self, telemetry: Telemetry, mode: BaselineMode) -> None:
        (start, end), baseline = telemetry.window.split(mode)
        noisy = await self._counts_by_service(
            telemetry, TEMPLATE_LEVELS, (start, end), MAX_TEMPLATE_SERVICES
        )
        services = [service for service, count in noisy.items() if count]
        calls = []
        for service in services:
            params = {
                **self._filters(),
                "service": [service],
                "level": TEMPLATE_LEVELS,
                "start": iso(start),
                "end": iso(end),
                "max_messages": MAX_TEMPLATE_MESSAGES,
                "max_patterns": 20,
            }
            if baseline is not None:
                params["baseline_start"], params["baseline_end"] = (
                    iso(baseline[0]),
                    iso(baseline[1]),
                )
            calls.append(params)
        results = await asyncio.gather(
            *(
                self.caller.call("opensearch", "log_patterns", p, telemetry.signal("logs"))
                for p in calls
            )
        )
        for service, params, result in zip(services, calls, results, strict=True):
            if result is not None:
                telemetry.templates += self._read_templates(service, params, result, mode)

    def _read_templates(
        self, service: str, params: dict[str, Any], result: dict[str, Any], mode: BaselineMode
    ) -> list[TemplateData]:
        evidence = ToolCaller.evidence("opensearch", "log_patterns", params, request_text(result))
        found = []
        for pattern in result.get("patterns") or []:
            new = pattern.get("new")
            found.append(
                TemplateData(
                    service=service,
                    template=str(pattern.get("template") or ""),
                    count=int(pattern.get("count") or 0),
                    baseline_count=int(pattern.get("baseline_count") or 0),
                    # No baseline line of this service at all: every template is new to it.
                    new=bool(new) if new is not None else True,
                    first_seen=parse_iso(pattern.get("first_seen")),
                    last_seen=parse_iso(pattern.get("last_seen")),
                    example=str(pattern.get("example") or ""),
                    trace_ids=list(pattern.get("trace_ids") or []),
                    baseline_mode=mode,
                    evidence=evidence,
                )
            )
        return found
