"""Calling the OpenSearch server's tools over real HTTP ``/rpc``."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

import httpx

_ids = itertools.count(1)


@dataclass
class Rpc:
    """A JSON-RPC caller of one running server; ``headers`` go with every call."""

    base_url: str
    headers: dict[str, str] = field(default_factory=dict)
    timeout: float = 60.0

    def answer(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        """The whole JSON-RPC response."""
        request = {"jsonrpc": "2.0", "method": method, "params": params, "id": next(_ids)}
        response = httpx.post(
            f"{self.base_url}/rpc", json=request, headers=self.headers, timeout=self.timeout
        )
        response.raise_for_status()
        body: dict[str, Any] = response.json()
        return body

    def __call__(self, method: str, **params: Any) -> dict[str, Any]:
        """The result of a call that must succeed."""
        body = self.answer(method, params)
        assert "error" not in body, body["error"]
        result: dict[str, Any] = body["result"]
        return result

    def error(self, method: str, **params: Any) -> dict[str, Any]:
        """The error of a call that must fail."""
        body = self.answer(method, params)
        assert "error" in body, body.get("result")
        error: dict[str, Any] = body["error"]
        return error

    def session(self, session_id: str) -> Rpc:
        """The same server, calling with the ``X-Opslens-Session`` header."""
        return Rpc(self.base_url, {**self.headers, "X-Opslens-Session": session_id}, self.timeout)
