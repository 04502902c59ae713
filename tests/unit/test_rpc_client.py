"""The RPC client reads every answer our servers write, including the standard library's
escapes for what UTF-8 cannot carry (a lone surrogate in hostile log text)."""

from __future__ import annotations

import asyncio

import httpx

from opslens.rpc_client import RpcClient


def test_an_answer_with_an_escaped_lone_surrogate_is_read_as_written() -> None:
    # What the servers send when a log line holds a lone surrogate (core/safejson.py).
    body = b'{"jsonrpc": "2.0", "id": 1, "result": {"message": "a\\ud800b", "total": 1}}'
    answer = httpx.MockTransport(lambda request: httpx.Response(200, content=body))

    async def call() -> dict[str, object]:
        async with RpcClient(
            "http://opensearch.invalid", name="opensearch", transport=answer
        ) as client:
            return await client.call("search_logs", {})

    assert asyncio.run(call()) == {"message": "a\ud800b", "total": 1}
