"""A small TTL cache of OpenSearch answers, keyed by the exact request, with hit/miss counters.

Identical questions inside the TTL (the agent re-asking with the same pinned ``now``, a UI
refreshing) cost no OpenSearch work. Memory is bounded by the number of entries; the counters
are exported as Prometheus metrics through :class:`CacheCollector`.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from cachetools import TTLCache
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector


def request_key(method: str, path: str, body: Any) -> str:
    """A canonical key of one request (key order in the body does not matter)."""
    return json.dumps([method, path, body], sort_keys=True, ensure_ascii=False, default=str)


@dataclass
class CacheStats:
    hits: int = 0
    misses: int = 0


class ResponseCache:
    """Answers by request key for ``ttl_s`` seconds, at most ``max_entries`` of them."""

    def __init__(self, *, ttl_s: float, max_entries: int) -> None:
        self.enabled = ttl_s > 0
        self._entries: TTLCache[str, Any] = TTLCache(maxsize=max_entries, ttl=max(ttl_s, 1e-9))
        self.stats = CacheStats()

    def get(self, key: str) -> Any | None:
        if not self.enabled:
            return None
        found = self._entries.get(key)
        if found is None:
            self.stats.misses += 1
        else:
            self.stats.hits += 1
        return found

    def put(self, key: str, value: Any) -> None:
        if self.enabled:
            self._entries[key] = value

    def __len__(self) -> int:
        return len(self._entries)


class CacheCollector(Collector):
    """Exports a cache's counters as ``opslens_opensearch_cache_{hits,misses}_total``."""

    def __init__(self, cache: ResponseCache) -> None:
        self.cache = cache

    def collect(self) -> Iterator[Metric]:
        hits = CounterMetricFamily(
            "opslens_opensearch_cache_hits", "OpenSearch answers served from the cache."
        )
        hits.add_metric([], self.cache.stats.hits)
        misses = CounterMetricFamily(
            "opslens_opensearch_cache_misses", "OpenSearch requests the cache could not answer."
        )
        misses.add_metric([], self.cache.stats.misses)
        entries = GaugeMetricFamily(
            "opslens_opensearch_cache_entries", "Answers held in the cache right now."
        )
        entries.add_metric([], len(self.cache))
        yield from (hits, misses, entries)
