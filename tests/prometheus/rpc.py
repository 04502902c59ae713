"""Calling the Prometheus server's tools over real HTTP ``/rpc``."""

from __future__ import annotations

import itertools
from typing import Any

import httpx

_ids = itertools.count(1)


def rpc(base_url: str, method: str, params: dict[str, Any], timeout: float = 30) -> dict[str, Any]:
    """The whole JSON-RPC response to one call."""
    request = {"jsonrpc": "2.0", "method": method, "params": params, "id": next(_ids)}
    response = httpx.post(f"{base_url}/rpc", json=request, timeout=timeout)
    response.raise_for_status()
    answer: dict[str, Any] = response.json()
    return answer


def call(base_url: str, method: str, params: dict[str, Any]) -> dict[str, Any]:
    """The result of a call that must succeed."""
    answer = rpc(base_url, method, params)
    assert "error" not in answer, answer["error"]
    result: dict[str, Any] = answer["result"]
    return result


def call_error(base_url: str, method: str, params: dict[str, Any]) -> dict[str, Any]:
    """The error of a call that must fail."""
    answer = rpc(base_url, method, params)
    assert "error" in answer, answer.get("result")
    error: dict[str, Any] = answer["error"]
    return error
