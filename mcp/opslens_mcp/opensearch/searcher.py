"""Runs searches for the tools: through the cache, with the request recorded for the answer.

Every tool goes through :class:`Searcher`, so each result can show the exact requests that
produced it (``method``, ``path``, ``body``), and errors inside a multi-search are reported
like errors of a plain search.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from functools import partial
from typing import Any

from cachetools import TTLCache

from opslens_mcp.core.errors import BackendError
from opslens_mcp.opensearch.cache import ResponseCache, request_key
from opslens_mcp.opensearch.client import BACKEND, OpenSearchClient
from opslens_mcp.opensearch.mapping import IndexFields
from opslens_mcp.opensearch.models import OpenSearchRequest

Body = dict[str, Any]


def _item_error(item: dict[str, Any], index: str) -> BackendError:
    error = item.get("error") or {}
    if isinstance(error, dict):
        root = (error.get("root_cause") or [{}])[0]
        reason = root.get("reason") or error.get("reason") or error.get("type") or "unknown"
    else:
        reason = str(error)
    return BackendError(BACKEND, f"search of {index}: {reason}", item.get("status"))


class Searcher:
    """Search, multi-search and field mappings over one client, with a shared cache."""

    def __init__(self, client: OpenSearchClient, cache: ResponseCache, *, mapping_ttl_s: float):
        self.client = client
        self.cache = cache
        self._mappings: TTLCache[str, IndexFields] = TTLCache(
            maxsize=256, ttl=max(mapping_ttl_s, 1e-9)
        )
        self._mapping_ttl_s = mapping_ttl_s

    async def search(
        self, index: str, body: Body, *, filter_path: str | None = None
    ) -> tuple[Body, OpenSearchRequest]:
        """One ``_search`` (``filter_path`` trims the answer server-side); returns the answer
        and the request as it was sent."""
        path = f"/{index}/_search" + (f"?filter_path={filter_path}" if filter_path else "")
        key = request_key("POST", path, body)
        cached: Body | None = self.cache.get(key)
        if cached is not None:
            return cached, OpenSearchRequest(method="POST", path=path, body=body, cached=True)
        options = {"filter_path": filter_path} if filter_path else {}
        answer: Body = await self.client.call(
            f"search of {index}",
            lambda: self.client.raw.search(index=index, body=body, **options),
        )
        self.cache.put(key, answer)
        return answer, OpenSearchRequest(method="POST", path=path, body=body, cached=False)

    async def msearch(
        self, searches: list[tuple[str, Body]]
    ) -> tuple[list[Body], OpenSearchRequest]:
        """Several searches in one ``_msearch`` round trip; answers in the same order."""
        lines: list[Body] = []
        for index, body in searches:
            lines += [{"index": index}, body]
        key = request_key("POST", "/_msearch", lines)
        cached: Body | None = self.cache.get(key)
        hit = cached is not None
        answer: Body = (
            cached
            if cached is not None
            else await self.client.call("multi-search", lambda: self.client.raw.msearch(body=lines))
        )
        items: list[Body] = list(answer.get("responses") or [])
        for (index, _), item in zip(searches, items, strict=True):
            if "error" in item:
                raise _item_error(item, index)
        if not hit:
            self.cache.put(key, answer)
        return items, OpenSearchRequest(method="POST", path="/_msearch", body=lines, cached=hit)

    def scroll_request(self, index: str, body: Body, keep_alive: str = "1m") -> OpenSearchRequest:
        """The first request of :meth:`scroll`, as the answer shows it."""
        path = f"/{index}/_search?scroll={keep_alive}"
        return OpenSearchRequest(method="POST", path=path, body=body, cached=False)

    async def scroll(
        self, index: str, body: Body, *, keep_alive: str = "1m"
    ) -> AsyncIterator[list[Body]]:
        """Every hit of ``body``'s query, page by page in index order (no sorting: the
        cheapest way to read all of many hits); never cached. The scroll is cleared after."""
        answer: Body = await self.client.call(
            f"scroll of {index}",
            lambda: self.client.raw.search(index=index, body=body, scroll=keep_alive),
        )
        scroll_id: str | None = answer.get("_scroll_id")
        try:
            while hits := answer["hits"]["hits"]:
                yield hits
                answer = await self._scroll_page(index, scroll_id, keep_alive)
                scroll_id = answer.get("_scroll_id", scroll_id)
        finally:
            if scroll_id:
                await self.client.call(
                    "clear scroll", partial(self.client.raw.clear_scroll, scroll_id=scroll_id)
                )

    async def _scroll_page(self, index: str, scroll_id: str | None, keep_alive: str) -> Body:
        return await self.client.call(
            f"scroll of {index}",
            partial(self.client.raw.scroll, scroll_id=scroll_id, scroll=keep_alive),
        )

    async def mapping(self, pattern: str) -> Body:
        """The full mappings of the indices ``pattern`` matches."""
        result: Body = await self.client.call(
            f"mappings of {pattern}", lambda: self.client.raw.indices.get_mapping(index=pattern)
        )
        return result

    async def fields(self, pattern: str, paths: Iterable[str]) -> IndexFields:
        """The mappings of ``paths`` in every index ``pattern`` matches (cached for a while)."""
        wanted = ",".join(sorted({path for path in paths if path}))
        key = f"{pattern}\n{wanted}"
        found = self._mappings.get(key) if self._mapping_ttl_s > 0 else None
        if found is None:
            try:
                response = await self.client.call(
                    f"field mappings of {pattern}",
                    lambda: self.client.raw.indices.get_field_mapping(fields=wanted, index=pattern),
                )
            except BackendError as exc:
                if exc.status != 404:  # no index matches the pattern: an empty answer
                    raise
                response = {}
            found = IndexFields.from_response(pattern, response)
            if self._mapping_ttl_s > 0:
                self._mappings[key] = found
        return found
