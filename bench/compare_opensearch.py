"""Side by side, in one run on the same data: our OpenSearch server, raw opensearch-py, and
opensearch-mcp-server-py 0.12.0 (opensearch-project, from PyPI) on the same searches; then the
agent's batched log-to-trace correlation against the naive one-request-per-trace approach.

Starts a real OpenSearch (free port, temporary folder), seeds the default demo scenario into it
(``scenarios/checkout-incident.yaml``, 6 hours ending now), and serves, each in its own process:

* our OpenSearch server as deployed (``opslens serve opensearch``, answer cache off so every
  call reaches OpenSearch), called two ways: plain JSON-RPC at ``/rpc`` and MCP ``tools/call``
  at ``/mcp``;
* opensearch-mcp-server-py 0.12.0 from its own venv (``bench/.venvs/opensearch-mcp``, made by
  ``bench/install_competitors.sh`` when missing), ``--transport stream`` (Streamable HTTP at
  ``/mcp``), single mode with ``OPENSEARCH_URL`` and ``OPENSEARCH_NO_AUTH=true``; its
  ``SearchIndexTool`` (index + query DSL, at most 100 hits) runs the searches.

Both MCP servers are called with the official MCP Python SDK client (``mcp.Client``). The raw
path is opensearch-py's ``AsyncOpenSearch`` sending the exact request our tool's answer says it
made (``requests`` in every answer); the other server gets the same query DSL, one
``SearchIndexTool`` call per index pattern (it has no multi-search).

Searches (as the agent sends them; ``now`` pinned to the scenario's):

* ``search_logs`` one source: order-service errors of the last 3 hours in the container logs;
* ``search_logs`` both sources: the same in container and OpenTelemetry logs (our tool makes
  one ``_msearch``; the other server two concurrent calls).

For each it checks that the paths found the same hits and totals, prints p50/p95 of
``--calls`` sequential calls per path and the throughput of ``--clients`` concurrent clients.

Correlation: the trace ids of order-service's error logs in the last hour, as the agent picks
them (``trace_ids_of``: the 50 most frequent), then all their spans fetched

* batched, as the agent does: one ``get_traces`` call (one OpenSearch search for all ids);
* naive: ``get_trace`` once per id (N searches), one after another and all at once;
* the same two ways with raw opensearch-py (the exact bodies our tools sent), and with the
  other server's ``SearchIndexTool`` (one call per id, or one call for all ids, which its
  100-hit cap cuts short);

checking that every complete way returned the same spans per trace (and our batched and
one-by-one answers the same trace analyses).

    .venv/bin/python bench/compare_opensearch.py [--calls 50] [--clients 10] [--seconds 10] \\
        [--rounds 5]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack, ExitStack, asynccontextmanager
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

import httpx
from benchlib import (
    VENVS_DIR,
    Contender,
    Served,
    Throughput,
    competitor_version,
    machine,
    mcp_client,
    mcp_structured,
    percentile,
    sequential,
    serve_demo,
    start_demo,
    start_opensearch_mcp,
    throughput,
)
from opensearchpy import AsyncOpenSearch

import opslens_mcp
from opslens.agent.correlate import trace_ids_of
from opslens.agent.steps import adapters
from opslens.agent.steps.correlation import ERROR_LOGS_READ, TRACES_FETCHED
from opslens_mcp.contract.opensearch import SearchLogsResult

RAW = "opensearch-py (raw)"
OURS_RPC = "opslens /rpc (JSON-RPC)"
OURS_MCP = "opslens /mcp (MCP)"
THEIRS = "opensearch-mcp-server-py /mcp (MCP)"
THEIR_MAX_HITS = 100  # SearchIndexTool's cap on size
Caller = Callable[[Any], Awaitable[Any]]
Hits = list[tuple[int, list[str]]]  # per search: (total, ids of the hits in order)


@dataclass
class Search:
    name: str
    params: dict[str, Any]  # our search_logs arguments
    lines: list[dict[str, Any]]  # the _msearch our tool sent: header, body, header, body...

    @property
    def pairs(self) -> list[tuple[str, dict[str, Any]]]:
        return [(h["index"], b) for h, b in zip(self.lines[::2], self.lines[1::2], strict=True)]


def hits_of(answer: dict[str, Any]) -> tuple[int, list[str]]:
    total = answer["hits"]["total"]
    count = total["value"] if isinstance(total, dict) else total
    return int(count), [hit["_id"] for hit in answer["hits"]["hits"]]


def their_answer(result: Any) -> dict[str, Any]:
    """SearchIndexTool's answer: a text block, 'Search results from ... :' then the JSON."""
    text = result.content[0].text
    if result.is_error:
        raise RuntimeError(text[:300])
    parsed: dict[str, Any] = json.loads(text.split("\n", 1)[1])
    return parsed


def our_hits(result: dict[str, Any]) -> tuple[list[int], set[str]]:
    return list(result["total_by_source"].values()), {r["id"] for r in result["records"]}


def agree(name: str, answer: Any, reference: Hits, limit: int) -> str:
    """Does ``answer`` (normalized by the path's kind) match the raw hits?"""
    if name in (OURS_RPC, OURS_MCP):
        totals, ids = answer
        everything = {i for _, found in reference for i in found}
        wanted = min(limit, sum(total for total, _ in reference))
        good = totals == [t for t, _ in reference] and ids <= everything and len(ids) == wanted
    else:
        good = answer == reference
    return "yes" if good else "NO"


# ---- the paths -------------------------------------------------------------------------------


def search_paths(
    opensearch: str, opensearch_pid: int | None, ours: Served, theirs: Served, mode: str
) -> list[Contender]:
    @asynccontextmanager
    async def raw() -> AsyncIterator[Caller]:
        client = AsyncOpenSearch(hosts=[opensearch], timeout=60)
        try:

            async def call(search: Search) -> Any:
                answer = await client.msearch(body=search.lines)
                return [hits_of(item) for item in answer["responses"]]

            yield call
        finally:
            await client.close()

    @asynccontextmanager
    async def ours_rpc() -> AsyncIterator[Caller]:
        async with httpx.AsyncClient(base_url=ours.url, timeout=60) as http:

            async def call(search: Search) -> Any:
                body = {"jsonrpc": "2.0", "id": 1, "method": "search_logs", "params": search.params}
                answer = (await http.post("/rpc", json=body)).json()
                if "error" in answer:
                    raise RuntimeError(str(answer["error"]))
                return our_hits(answer["result"])

            yield call

    @asynccontextmanager
    async def ours_mcp() -> AsyncIterator[Caller]:
        async with mcp_client(f"{ours.url}/mcp", mode) as client:

            async def call(search: Search) -> Any:
                return our_hits(
                    mcp_structured(await client.call_tool("search_logs", search.params))
                )

            yield call

    @asynccontextmanager
    async def theirs_mcp() -> AsyncIterator[Caller]:
        async with mcp_client(f"{theirs.url}/mcp", mode) as client:

            async def one(index: str, body: dict[str, Any]) -> tuple[int, list[str]]:
                arguments = {"index": index, "query_dsl": body, "size": body["size"]}
                return hits_of(their_answer(await client.call_tool("SearchIndexTool", arguments)))

            async def call(search: Search) -> Any:
                return list(await asyncio.gather(*(one(i, b) for i, b in search.pairs)))

            yield call

    return [
        Contender(RAW, raw, opensearch_pid),
        Contender(OURS_RPC, ours_rpc, ours.pid),
        Contender(OURS_MCP, ours_mcp, ours.pid),
        Contender(THEIRS, theirs_mcp, theirs.pid),
    ]


# ---- searches --------------------------------------------------------------------------------


async def prepare(ours: Served, now: str) -> list[Search]:
    base = {"service": "order-service", "level": "error", "start": "now-3h", "now": now}
    wanted = [
        ("search_logs, container logs", {**base, "sources": ["containers"], "limit": 50}),
        ("search_logs, container + OTel logs", {**base, "limit": 50}),
    ]
    searches = []
    async with httpx.AsyncClient(base_url=ours.url, timeout=60) as http:
        for name, params in wanted:
            body = {"jsonrpc": "2.0", "id": 1, "method": "search_logs", "params": params}
            result = (await http.post("/rpc", json=body)).json()["result"]
            searches.append(Search(name, params, result["requests"][0]["body"]))
    return searches


def print_search(
    search: Search, samples: dict[str, list[float]], answers: dict[str, Any], results: Any
) -> None:
    reference: Hits = answers[RAW]
    totals = " + ".join(str(total) for total, _ in reference)
    print(f"\n#### {search.name}: {totals} matching lines, first {search.params['limit']}\n")
    raw_p50 = statistics.median(samples[RAW])
    print(
        "| path | p50 ms | p95 ms | p50 / raw p50 | same hits | answers/s (concurrent) | "
        "p50 ms (concurrent) | CPU ms per answer |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for name, values in samples.items():
        p50 = statistics.median(values)
        run: Throughput = results[name]
        cpu = f"{run.cpu_ms_per_answer:.1f}" if run.cpu_ms_per_answer is not None else "-"
        loaded = percentile(run.latencies_ms, 0.5) if run.latencies_ms else float("nan")
        errors = f" ({sum(run.errors.values())} errors)" if run.errors else ""
        print(
            f"| {name} | {p50:.1f} | {percentile(values, 0.95):.1f} | x{p50 / raw_p50:.2f} | "
            f"{agree(name, answers[name], reference, search.params['limit'])} | "
            f"{run.per_second:.1f}{errors} | {loaded:.1f} | {cpu} |"
        )


# ---- correlation -----------------------------------------------------------------------------


def spans_by_trace(answers: list[dict[str, Any]]) -> dict[str, list[str]]:
    """Span document ids per trace id, from raw search answers."""
    spans: dict[str, list[str]] = {}
    for answer in answers:
        for hit in answer["hits"]["hits"]:
            source = hit.get("_source") or {}
            spans.setdefault(str(source.get("traceId")), []).append(hit["_id"])
    return {trace: sorted(ids) for trace, ids in spans.items()}


@dataclass
class Way:
    name: str
    requests: str
    run: Callable[[], Awaitable[Any]]  # returns something spans_by_trace or details can read


async def correlation(
    ours: Served, theirs: Served, opensearch: str, now: str, rounds: int, mode: str
) -> None:
    async with AsyncExitStack() as stack:
        http = await stack.enter_async_context(
            httpx.AsyncClient(
                base_url=ours.url,
                timeout=120,
                limits=httpx.Limits(max_connections=100, max_keepalive_connections=100),
            )
        )
        raw = AsyncOpenSearch(hosts=[opensearch], timeout=120, maxsize=100)
        stack.push_async_callback(raw.close)
        their = await stack.enter_async_context(mcp_client(f"{theirs.url}/mcp", mode))

        async def rpc(method: str, params: dict[str, Any]) -> dict[str, Any]:
            body = {"jsonrpc": "2.0", "id": 1, "method": method, "params": params}
            answer = (await http.post("/rpc", json=body)).json()
            if "error" in answer:
                raise RuntimeError(str(answer["error"]))
            result: dict[str, Any] = answer["result"]
            return result

        logs = await rpc(
            "search_logs",
            {
                "service": "order-service",
                "level": "error",
                "start": "now-1h",
                "now": now,
                "sources": ["containers"],
                "limit": ERROR_LOGS_READ,
                "max_message_chars": 500,
            },
        )
        records = adapters.log_records(SearchLogsResult.model_validate(logs))
        ids = trace_ids_of(records, TRACES_FETCHED)
        batched = await rpc("get_traces", {"trace_ids": ids})
        singles = [await rpc("get_trace", {"trace_id": i, "include_spans": False}) for i in ids]
        index = batched["requests"][0]["path"].split("/")[1]
        batch_body = batched["requests"][0]["body"]
        single_bodies = [single["requests"][0]["body"] for single in singles]
        span_total = sum(t["span_count"] for t in batched["traces"])
        print(
            f"\n### Log-to-trace correlation: {logs['total']} order-service error lines in the "
            f"last hour, {len(ids)} trace ids (the agent's pick), {span_total} spans\n"
        )

        async def their_search(body: dict[str, Any]) -> dict[str, Any]:
            arguments = {"index": index, "query_dsl": body, "size": THEIR_MAX_HITS}
            return their_answer(await their.call_tool("SearchIndexTool", arguments))

        async def one_by_one(make: Callable[[Any], Awaitable[Any]], items: list[Any]) -> list[Any]:
            return [await make(item) for item in items]

        async def all_at_once(make: Callable[[Any], Awaitable[Any]], items: list[Any]) -> list[Any]:
            return list(await asyncio.gather(*(make(item) for item in items)))

        def get_trace(trace_id: str) -> Awaitable[dict[str, Any]]:
            return rpc("get_trace", {"trace_id": trace_id, "include_spans": False})

        def raw_search(body: dict[str, Any]) -> Awaitable[Any]:
            return raw.search(index=index, body=body)

        n = len(ids)
        ways = [
            Way(
                "opslens get_traces, all ids in 1 call (the agent)",
                "1",
                lambda: rpc("get_traces", {"trace_ids": ids}),
            ),
            Way(
                "opslens get_trace per id, one after another",
                f"{n}",
                lambda: one_by_one(get_trace, ids),
            ),
            Way(
                "opslens get_trace per id, all at once", f"{n}", lambda: all_at_once(get_trace, ids)
            ),
            Way("opensearch-py, 1 search for all ids", "1", lambda: raw_search(batch_body)),
            Way(
                "opensearch-py, 1 search per id, one after another",
                f"{n}",
                lambda: one_by_one(raw_search, single_bodies),
            ),
            Way(
                "opensearch-py, 1 search per id, all at once",
                f"{n}",
                lambda: all_at_once(raw_search, single_bodies),
            ),
            Way(
                "opensearch-mcp-server-py SearchIndexTool per id, one after another",
                f"{n}",
                lambda: one_by_one(their_search, single_bodies),
            ),
            Way(
                "opensearch-mcp-server-py SearchIndexTool per id, all at once",
                f"{n}",
                lambda: all_at_once(their_search, single_bodies),
            ),
            Way(
                "opensearch-mcp-server-py SearchIndexTool, all ids in 1 call",
                "1",
                lambda: their_search(batch_body),
            ),
        ]
        results: dict[str, Any] = {}
        samples: dict[str, list[float]] = {way.name: [] for way in ways}
        for way in ways:  # warm-up, and the answer to check
            results[way.name] = await way.run()
        for turn in range(rounds):
            shift = turn % len(ways)
            for way in ways[shift:] + ways[:shift]:
                started = time.perf_counter()
                await way.run()
                samples[way.name].append((time.perf_counter() - started) * 1000)

    reference = spans_by_trace([results[ways[3].name]])
    ours_batched = {t["trace_id"]: t for t in results[ways[0].name]["traces"]}

    def check(way: Way) -> str:
        answer = results[way.name]
        position = ways.index(way)
        if position == 0:
            counts = {t: d["span_count"] for t, d in ours_batched.items()}
            good = counts == {t: len(s) for t, s in reference.items()}
            return "yes (span counts)" if good else "NO"
        if position in (1, 2):
            details = {r["trace"]["trace_id"]: r["trace"] for r in answer if r["trace"]}
            return "yes (same analyses)" if details == ours_batched else "NO"
        found = spans_by_trace(answer if isinstance(answer, list) else [answer])
        if found == reference:
            return "yes"
        got = sum(len(s) for s in found.values())
        return f"NO: {got} of {span_total} spans"

    print(f"{rounds} rounds per way (taking turns); one round fetches every trace\n")
    print("| way | requests | p50 ms | p95 ms | vs agent's way | same spans per trace |")
    print("|---|---|---|---|---|---|")
    base = statistics.median(samples[ways[0].name])
    for way in ways:
        values = samples[way.name]
        p50 = statistics.median(values)
        print(
            f"| {way.name} | {way.requests} | {p50:.1f} | {percentile(values, 0.95):.1f} | "
            f"x{p50 / base:.1f} | {check(way)} |"
        )


# ---- main ------------------------------------------------------------------------------------


async def searches(paths: list[Contender], chosen: list[Search], args: argparse.Namespace) -> None:
    print(
        f"\n### Searches: {args.calls} sequential calls per path (taking turns), then "
        f"{args.clients} concurrent clients for {args.seconds:.0f} s per path"
    )
    for search in chosen:
        samples, answers = await sequential(paths, search, args.calls, max(3, args.calls // 10))
        results = {p.name: await throughput(p, search, args.clients, args.seconds) for p in paths}
        print_search(search, samples, answers, results)


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=50, help="Sequential calls per path.")
    parser.add_argument("--clients", type=int, default=10, help="Concurrent clients.")
    parser.add_argument("--seconds", type=float, default=10, help="Throughput run per path.")
    parser.add_argument("--rounds", type=int, default=5, help="Rounds per correlation way.")
    parser.add_argument("--mcp-mode", default="legacy", help="mcp.Client mode (legacy, auto).")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    print(machine())
    with tempfile.TemporaryDirectory(prefix="opslens-bench-cmp-os-") as temp, ExitStack() as stack:
        workdir = Path(temp)
        demo = start_demo(stack, workdir, opensearch_only=True)
        ours = serve_demo(stack, workdir, demo, ["opensearch"])["opensearch"]
        theirs = start_opensearch_mcp(stack, workdir, demo.opensearch_url)
        version = httpx.get(demo.opensearch_url).json()["version"]["number"]
        their_version = competitor_version(VENVS_DIR / "opensearch-mcp", "opensearch-mcp-server-py")
        print(
            f"OpenSearch {version}; opslens {opslens_mcp.__version__}; opensearch-mcp-server-py "
            f"{their_version}; opensearch-py {metadata.version('opensearch-py')}; "
            f"MCP client: mcp {metadata.version('mcp')} (mode {args.mcp_mode})"
        )
        now = demo.truth.now.isoformat()
        chosen = asyncio.run(prepare(ours, now))
        paths = search_paths(
            demo.opensearch_url, demo.backend_pids.get("OpenSearch"), ours, theirs, args.mcp_mode
        )
        asyncio.run(searches(paths, chosen, args))
        asyncio.run(correlation(ours, theirs, demo.opensearch_url, now, args.rounds, args.mcp_mode))
    return 0


if __name__ == "__main__":
    sys.exit(main())
