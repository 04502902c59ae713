"""Transports injected through the clients' constructors that fail the first requests, then
pass everything on to the real backend, recording when each request was sent.

A failure is real where it can be: "refused" sends the request to a closed loopback port, so
the client sees the connection refusal its library really raises. A number answers that HTTP
status instead (a proxy in front of the backend saying 502/503/504, or 401/403).
"""

from __future__ import annotations

import io
import itertools
import json
import time
from pathlib import Path
from typing import Any, ClassVar

import httpx
import urllib3
from opensearchpy import AIOHttpConnection
from opensearchpy.exceptions import TransportError

from opslens.devstack.process import free_port
from opslens_mcp.prometheus.transport import AiohttpTransport

Mode = str | int
REFUSED = "refused"


class Sent:
    """When each request went out, and how many of the first ones are to fail."""

    def __init__(self, failures: int, mode: Mode) -> None:
        self.failures = failures
        self.mode = mode
        self.times: list[float] = []
        self.closed_port = free_port()

    def next_fails(self) -> bool:
        self.times.append(time.monotonic())
        return len(self.times) <= self.failures

    @property
    def count(self) -> int:
        return len(self.times)

    def gaps(self) -> list[float]:
        return [later - earlier for earlier, later in itertools.pairwise(self.times)]


class FlakyTransport(httpx.AsyncBaseTransport):
    """Prometheus' own aiohttp transport, failing the first ``failures`` requests."""

    def __init__(self, failures: int = 0, mode: Mode = REFUSED) -> None:
        self.sent = Sent(failures, mode)
        self.inner = AiohttpTransport()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self.sent.next_fails():
            if self.sent.mode != REFUSED:
                return httpx.Response(int(self.sent.mode), text="failing on purpose")
            request = httpx.Request(
                request.method,
                request.url.copy_with(port=self.sent.closed_port),
                headers=request.headers,
                content=await request.aread(),
                extensions=request.extensions,
            )
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


class FlakyPool(urllib3.PoolManager):
    """The Kubernetes client's urllib3 pool (TLS against ``ca``), failing the first requests."""

    def __init__(self, ca: Path, failures: int = 0, mode: Mode = REFUSED) -> None:
        super().__init__(cert_reqs="CERT_REQUIRED", ca_certs=str(ca), retries=0)
        self.sent = Sent(failures, mode)

    def urlopen(  # type: ignore[override]
        self, method: str, url: str, redirect: bool = True, **kw: Any
    ) -> urllib3.BaseHTTPResponse:
        if self.sent.next_fails():
            if self.sent.mode != REFUSED:
                status = {"kind": "Status", "message": "failing on purpose"}
                return urllib3.HTTPResponse(
                    body=io.BytesIO(json.dumps(status).encode()),
                    status=int(self.sent.mode),
                    headers={"Content-Type": "application/json"},
                    preload_content=False,
                )
            parts = urllib3.util.parse_url(url)
            url = parts._replace(port=self.sent.closed_port).url
        return super().urlopen(method, url, redirect=redirect, **kw)


def flaky_connection(failures: int = 0, mode: Mode = REFUSED) -> type[AIOHttpConnection]:
    """opensearch-py's aiohttp connection class, failing the first requests."""
    sent = Sent(failures, mode)

    class Flaky(AIOHttpConnection):
        record: ClassVar[Sent] = sent

        async def perform_request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Any:
            if not sent.next_fails():
                return await super().perform_request(method, url, *args, **kwargs)
            if sent.mode != REFUSED:
                raise TransportError(int(sent.mode), "failing on purpose", {})
            refused = AIOHttpConnection(host="127.0.0.1", port=sent.closed_port)
            try:
                return await refused.perform_request(method, url, *args, **kwargs)
            finally:
                await refused.close()

    return Flaky
