"""What the backends know: service and namespace names, cached for a minute.

The planner matches names in questions against these, so "ordr-service" finds order-service
only when order-service really exists in the logs or traces.

The list comes from OpenSearch (the services that wrote logs or spans). When OpenSearch cannot
be read, the catalog is the last list it gave (stale, and said so) joined with the services
Prometheus has request metrics for and the Kubernetes Services: a backend failing must never
make a real service look unknown. Such a catalog is marked incomplete, so the planner takes
names it does not hold as written instead of calling them unknown, and the answer's last
sentence names what could not be read.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from opslens.agent.answer import Fact, phrase
from opslens.agent.plan import Language
from opslens.agent.toolbox import Budget, CallOutcome, Toolbox, ToolCall
from opslens.agent.understanding.notes import describe_window

TTL_S = 60.0
LOOKBACK = timedelta(days=7)
OTHERS_WINDOW = "1h"  # Prometheus: services with requests in the last hour


@dataclass(frozen=True)
class CatalogGap:
    """A list the catalog could not read: which call, why, and what stood in for it."""

    call: ToolCall
    reason: str
    stale_s: float | None = None  # age of the last list read, used instead; None: none read
    sources: tuple[str, ...] = ()  # the other backends whose names were used


@dataclass
class Catalog:
    services: list[str] = field(default_factory=list)
    namespaces: list[str] = field(default_factory=list)
    gap: CatalogGap | None = None
    """Set when OpenSearch's list could not be read: names outside the catalog may exist."""

    @property
    def complete(self) -> bool:
        return self.gap is None


def _names(outcome: CallOutcome, key: str, name: str) -> list[str]:
    return [str(item[name]) for item in outcome.result.get(key, [])] if outcome.ok else []


def _reason(outcome: CallOutcome) -> str:
    return str((outcome.error or {}).get("message") or "failed")


class CatalogCache:
    """Fetches the catalog through the OpenSearch server and keeps it for ``ttl_s``; keeps
    the last list read, for when OpenSearch cannot be read."""

    def __init__(self, toolbox: Toolbox, ttl_s: float = TTL_S) -> None:
        self.toolbox = toolbox
        self.ttl_s = ttl_s
        self._cached: tuple[float, Catalog] | None = None
        self._last_read: tuple[float, Catalog] | None = None

    async def get(self, now: datetime, budget: Budget | None = None) -> Catalog:
        if self._cached and time.monotonic() - self._cached[0] < self.ttl_s:
            return self._cached[1]
        window = {"start": (now - LOOKBACK).isoformat(), "end": now.isoformat()}
        own = asyncio.ensure_future(
            self.toolbox.run_all(
                [
                    ToolCall("opensearch", "list_services", window, "known services"),
                    ToolCall(
                        "opensearch",
                        "top_values",
                        {**window, "field": "namespace", "limit": 100},
                        "known namespaces",
                    ),
                ],
                budget=budget,
            )
        )
        # Asked at once so a hung OpenSearch costs one wait, not two; dropped when not needed.
        others = asyncio.ensure_future(self._others(now, budget))
        try:
            services, namespaces = await own
        except BaseException:
            others.cancel()
            raise
        if services.ok:
            others.cancel()
            catalog = Catalog(
                services=sorted(_names(services, "services", "name")),
                namespaces=sorted(_names(namespaces, "values", "value")),
            )
            self._cached = (time.monotonic(), catalog)
            self._last_read = (time.monotonic(), catalog)
            return catalog
        return self._stand_in(services, namespaces, await others)

    async def _others(self, now: datetime, budget: Budget | None) -> list[CallOutcome]:
        return await self.toolbox.run_all(
            [
                ToolCall(
                    "prometheus",
                    "red_summary",
                    {"window": OTHERS_WINDOW, "at": now.isoformat(), "limit": 1000},
                    "services with request metrics",
                ),
                ToolCall("kubernetes", "list_services", {}, "Kubernetes Services"),
            ],
            budget=budget,
        )

    def _stand_in(
        self, services: CallOutcome, namespaces: CallOutcome, others: list[CallOutcome]
    ) -> Catalog:
        """The catalog when OpenSearch's list failed: the last one read plus what the other
        backends know (never cached, so the next question tries OpenSearch again)."""
        last = self._last_read[1] if self._last_read else Catalog()
        red, kube = others
        # Services that select pods: the API server's own (default/kubernetes) selects none.
        fronting = [s for s in kube.result.get("services", []) if s.get("selector")]
        found = {
            "prometheus": set(_names(red, "services", "service")),
            "kubernetes": {str(s["name"]) for s in fronting},
        }
        sources = tuple(server for server, names in found.items() if names)
        names = set(last.services).union(*found.values())
        spaces = set(_names(namespaces, "values", "value") or last.namespaces)
        spaces |= {
            str(s["namespace"]) for s in red.result.get("services", []) if s.get("namespace")
        }
        spaces |= {str(s["namespace"]) for s in fronting}
        stale_s = time.monotonic() - self._last_read[0] if self._last_read else None
        gap = CatalogGap(services.call, _reason(services), stale_s, sources)
        return Catalog(sorted(names), sorted(spaces), gap)


def catalog_gap_fact(gap: CatalogGap, language: Language) -> Fact:
    """The ``missing`` fact of a catalog gap: what failed, why, and what stood in for it."""
    used = []
    if gap.stale_s is not None:
        age = describe_window(timedelta(seconds=max(gap.stale_s, 60)), language)
        used.append(phrase("catalog.stale", language, age=age))
    if gap.sources:
        used.append(phrase("catalog.others", language, sources=", ".join(gap.sources)))
    if not used:
        used.append(phrase("catalog.as_written", language))
    what = f"{gap.call.describe(language)} ({gap.call.server})"
    return Fact("missing", {"what": what, "reason": "; ".join([gap.reason, *used])})
