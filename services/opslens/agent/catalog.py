"""What the backends know: service and namespace names, cached for a minute.

The planner matches names in questions against these, so "ordr-service" finds order-service
only when order-service really exists in the logs or traces.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from opslens.agent.toolbox import Toolbox, ToolCall

TTL_S = 60.0
LOOKBACK = timedelta(days=7)


@dataclass
class Catalog:
    services: list[str] = field(default_factory=list)
    namespaces: list[str] = field(default_factory=list)


class CatalogCache:
    """Fetches the catalog through the OpenSearch server and keeps it for ``TTL_S``."""

    def __init__(self, toolbox: Toolbox) -> None:
        self.toolbox = toolbox
        self._cached: tuple[float, Catalog] | None = None

    async def get(self, now: datetime) -> Catalog:
        if self._cached and time.monotonic() - self._cached[0] < TTL_S:
            return self._cached[1]
        window = {"start": (now - LOOKBACK).isoformat(), "end": now.isoformat()}
        services, namespaces = await self.toolbox.run_all(
            [
                ToolCall("opensearch", "list_services", window, "known services"),
                ToolCall(
                    "opensearch",
                    "top_values",
                    {**window, "field": "namespace", "limit": 100},
                    "known namespaces",
                ),
            ]
        )
        catalog = Catalog(
            services=sorted(item["name"] for item in services.result.get("services", []))
            if services.ok
            else [],
            namespaces=sorted(item["value"] for item in namespaces.result.get("values", []))
            if namespaces.ok
            else [],
        )
        if services.ok:
            self._cached = (time.monotonic(), catalog)
        return catalog
