"""Load generated ``_bulk`` files into OpenSearch: templates first, parallel large batches,
no refresh while loading, one refresh at the end.

Re-seeding removes what an earlier seeding of the same namespace wrote: an index holding only
that namespace's documents is deleted, a shared one loses just those documents.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import httpx

from opslens.scenarios.writer import IndexLayout, bulk_file_index

BATCH_BYTES = 6 * 1024 * 1024
CONCURRENCY = 3

# Where each kind of document carries its namespace (the marker re-seeding deletes by).
NAMESPACE_FIELDS = {
    "spans": "resource.attributes.k8s@namespace@name",
    "container_logs": "kubernetes.namespace_name",
    "otel_logs": "resource.attributes.k8s.namespace.name",
}
# While loading: no refreshes, no fsync per request, fewer flushes and merges; reset to the
# defaults afterwards.
_LOADING = {
    "refresh_interval": "-1",
    "translog.durability": "async",
    "translog.flush_threshold_size": "2gb",
    "merge.scheduler.max_thread_count": "1",
    "merge.policy.segments_per_tier": "100",
    "merge.policy.max_merge_at_once": "100",
}
_TEMPLATE_FILES = {
    "spans": "spans.json",
    "service_map": "service_map.json",
    "container_logs": "container_logs.json",
    "otel_logs": "otel_logs.json",
}


class BulkLoadError(RuntimeError):
    """OpenSearch refused documents or requests while seeding."""


@dataclass(frozen=True)
class LoadStats:
    documents: int
    bytes: int
    seconds: float

    @property
    def docs_per_second(self) -> float:
        return self.documents / self.seconds if self.seconds else 0.0


def template_body(kind: str, pattern: str) -> dict[str, Any]:
    """The composable index template for one kind of document (mappings shipped here)."""
    text = resources.files("opslens.scenarios").joinpath("mappings", _TEMPLATE_FILES[kind])
    mappings = json.loads(text.read_text(encoding="utf-8"))["mappings"]
    settings = {"number_of_shards": 1, "number_of_replicas": 0}
    return {
        "index_patterns": [pattern],
        "priority": 50,
        "template": {"settings": settings, "mappings": mappings},
    }


def bulk_chunks(path: Path, batch_bytes: int = BATCH_BYTES) -> Iterator[tuple[bytes, int]]:
    """``(body, documents)`` pieces of a ``_bulk`` file, split between action/source pairs."""
    with path.open("rb") as handle:
        pending = b""
        while True:
            block = handle.read(batch_bytes)
            data = pending + block
            if not block:
                if data.strip():
                    yield data, data.count(b"\n") // 2
                return
            lines = data.count(b"\n")
            cut = data.rfind(b"\n") + 1
            if lines % 2:  # end on a source line, not an action line
                cut = data.rfind(b"\n", 0, cut - 1) + 1
                lines -= 1
            if cut <= 0:
                pending = data
                continue
            yield data[:cut], lines // 2
            pending = data[cut:]


class OpenSearchLoader:
    """Seeds one OpenSearch cluster; ``transport`` is for tests of failure modes only."""

    def __init__(
        self,
        url: str,
        *,
        concurrency: int = CONCURRENCY,
        timeout_s: float = 120.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.url = url.rstrip("/")
        self.concurrency = concurrency
        self._client = httpx.AsyncClient(
            base_url=self.url, timeout=timeout_s, transport=transport, trust_env=False
        )

    async def close(self) -> None:
        await self._client.aclose()

    async def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        response = await self._client.request(method, path, **kwargs)
        if response.status_code >= 300:
            raise BulkLoadError(
                f"{method} {path}: HTTP {response.status_code}: {response.text[:500]}"
            )
        return response.json() if response.content else None

    async def ensure_templates(self, layout: IndexLayout) -> None:
        patterns = layout.patterns()
        for kind, pattern in patterns.items():
            name = f"opslens-scenario-{layout.prefix}{kind}".replace("_", "-")
            await self._call("PUT", f"/_index_template/{name}", json=template_body(kind, pattern))

    async def clear_namespace(
        self, layout: IndexLayout, namespace: str, services: list[str]
    ) -> None:
        """Remove an earlier seeding of ``namespace`` (documents carrying its marker)."""
        patterns = layout.patterns()
        for kind, pattern in patterns.items():
            query: dict[str, Any]
            if kind in NAMESPACE_FIELDS:
                query = {"term": {NAMESPACE_FIELDS[kind]: namespace}}
            else:  # the service map has no namespace: its documents name our services
                query = {"terms": {"serviceName": services}}
            listed = await self._client.get(
                f"/_cat/indices/{pattern}", params={"format": "json", "h": "index"}
            )
            indices = listed.json() if listed.status_code == 200 else []
            for index in sorted(i["index"] for i in indices):
                await self._call("POST", f"/{index}/_refresh")
                total = (await self._call("GET", f"/{index}/_count"))["count"]
                ours = await self._call("POST", f"/{index}/_count", json={"query": query})
                if ours["count"] == total:
                    await self._call("DELETE", f"/{index}")
                elif ours["count"]:
                    await self._call(
                        "POST",
                        f"/{index}/_delete_by_query",
                        params={"conflicts": "proceed", "refresh": "true"},
                        json={"query": query},
                    )

    async def load_files(self, files: list[Path]) -> LoadStats:
        """Bulk-load ``_bulk`` files (the index is the file name up to ``#`` or ``.ndjson``)."""

        async def once() -> AsyncIterator[list[Path]]:
            yield files

        return await self.load_stream(once())

    async def load_stream(self, batches: AsyncIterator[list[Path]]) -> LoadStats:
        """Load batches of files as they arrive; refresh and flush once when the last one is in."""
        started = time.perf_counter()
        created: list[str] = []
        seen: dict[str, None] = {}
        queue: asyncio.Queue[tuple[str, bytes, int] | None] = asyncio.Queue(self.concurrency)
        totals = {"docs": 0, "bytes": 0}

        async def produce() -> None:
            async for files in batches:
                for path in files:
                    index = bulk_file_index(path)
                    if index not in seen:
                        seen[index] = None
                        if await self._create_for_loading(index):
                            created.append(index)
                    for body, docs in bulk_chunks(path):
                        await queue.put((index, body, docs))
            for _ in range(self.concurrency):
                await queue.put(None)

        async def send() -> None:
            while (item := await queue.get()) is not None:
                index, body, docs = item
                result = await self._call(
                    "POST",
                    f"/{index}/_bulk",
                    content=body,
                    params={"filter_path": "errors,items.*.error"},
                    headers={"Content-Type": "application/x-ndjson"},
                )
                if result.get("errors"):
                    raise BulkLoadError(f"{index}: documents rejected, e.g. {result['items'][0]}")
                totals["docs"] += docs
                totals["bytes"] += len(body)

        try:
            async with asyncio.TaskGroup() as group:
                group.create_task(produce())
                for _ in range(self.concurrency):
                    group.create_task(send())
        except* (BulkLoadError, httpx.HTTPError) as failure:
            raise failure.exceptions[0] from None
        for index in created:
            reset = {key: None for key in _LOADING}
            await self._call("PUT", f"/{index}/_settings", json={"index": reset})
        if seen:
            indices = ",".join(seen)
            await self._call("POST", f"/{indices}/_refresh")
            # Loaded means durable: what the asynchronous translog still held would be lost
            # if OpenSearch were killed now (seen: thousands of documents of a fresh seeding).
            await self._call("POST", f"/{indices}/_flush")
        return LoadStats(totals["docs"], totals["bytes"], time.perf_counter() - started)

    async def _create_for_loading(self, index: str) -> bool:
        """Create a missing index with no refresh and no per-request fsync while loading."""
        exists = await self._client.head(f"/{index}")
        if exists.status_code != 404:
            return False
        await self._call("PUT", f"/{index}", json={"settings": _LOADING})
        return True
