"""Admission of questions: at most a few run at once per replica, the rest wait in line.

A question fans out into several tool calls on shared backends (OpenSearch above all). Letting
every request in at once makes them all slow: on a saturated backend each question's budget
runs out while it waits, and answers come back with their evidence missing. Here at most
``limit`` questions run at once; the next ones wait in line (first come, first served), at most
``queue`` of them and at most ``wait_s`` each. A question that cannot get in is refused at once
with :class:`Saturated`, which says when to try again (HTTP 503 with ``Retry-After``), so a
client or a load balancer can retry or go to another replica instead of timing out. A
question's budget starts once it is admitted, so waiting in line does not eat into it.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from opslens_mcp.core.errors import BackendUnavailable

BACKEND = "agent"
MAX_RETRY_AFTER_S = 60
SMOOTHING = 0.2  # weight of the newest question in the running mean of question times


class Saturated(BackendUnavailable):
    """The replica is running and queueing all the questions it takes; retry after a while."""

    def __init__(self, detail: str, retry_after_s: int) -> None:
        super().__init__(BACKEND, detail, 503, transient=True)
        self.message = f"the agent is saturated: {detail}"
        self.args = (self.message,)
        self.retry_after_s = retry_after_s
        self.data = {**(self.data or {}), "retry_after_s": retry_after_s}


class Admission:
    """At most ``limit`` questions at once, ``queue`` more waiting up to ``wait_s`` each."""

    def __init__(self, limit: int, queue: int, wait_s: float) -> None:
        self.limit = limit
        self.queue = queue
        self.wait_s = wait_s
        self.running = 0
        self.waiting = 0
        self._slots = asyncio.Semaphore(limit)
        self._mean_s = 1.0

    def retry_after_s(self) -> int:
        """Seconds until a slot is likely free: the line ahead times the mean question time."""
        rounds = (self.waiting + 1) / self.limit
        return max(1, min(MAX_RETRY_AFTER_S, math.ceil(rounds * self._mean_s)))

    def _refuse(self, why: str) -> Saturated:
        detail = (
            f"{why} ({self.running} questions running, {self.waiting} waiting, "
            f"at most {self.limit} at once); retry shortly"
        )
        return Saturated(detail, self.retry_after_s())

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        """Hold one of the ``limit`` slots while the question runs; :class:`Saturated` if the
        line is full or no slot frees up within ``wait_s``."""
        if self._slots.locked() and self.waiting >= self.queue:
            raise self._refuse("too many questions waiting")
        self.waiting += 1
        try:
            async with asyncio.timeout(self.wait_s):
                await self._slots.acquire()
        except TimeoutError:
            raise self._refuse(f"no slot freed up within {self.wait_s:g}s") from None
        finally:
            self.waiting -= 1
        self.running += 1
        started = time.monotonic()
        try:
            yield
        finally:
            self.running -= 1
            self._slots.release()
            elapsed = time.monotonic() - started
            self._mean_s += SMOOTHING * (elapsed - self._mean_s)
