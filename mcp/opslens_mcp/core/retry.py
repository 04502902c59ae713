"""Retries of backend reads: transient failures only, exponential backoff with jitter, bounded.

Every request the servers send to a backend is a read, so sending it again is safe. What is
retried is narrow: errors a client marked ``transient`` where it translated its library's
failure (connection refused or reset, HTTP 502/503/504). A timeout is never retried: the
backend already had the whole timeout, and waiting again would multiply the wait. No retry
starts once ``budget_s`` (the backend timeout) has passed since the first attempt, so a
backend that keeps refusing costs a few quick attempts, never more than one timeout of waits.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from pydantic import BaseModel, Field
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception,
    stop_after_attempt,
    stop_before_delay,
    wait_exponential_jitter,
)

from opslens_mcp.core.errors import BackendError
from opslens_mcp.core.logs import get_logger

TRANSIENT_STATUSES = frozenset({502, 503, 504})
T = TypeVar("T")
log = get_logger("opslens.retry")


def is_transient(exc: BaseException) -> bool:
    """True for a backend error that trying again may cure."""
    return isinstance(exc, BackendError) and exc.transient


def _log_retry(state: RetryCallState) -> None:
    failure = state.outcome.exception() if state.outcome else None
    log.warning(
        "backend_retry",
        attempt=state.attempt_number,
        wait_s=round(state.upcoming_sleep, 3),
        error=getattr(failure, "message", type(failure).__name__),
    )


@dataclass(frozen=True)
class RetryPolicy:
    """``attempts`` in all (1: no retry); waits ``backoff_s``, 2x, 4x... plus up to
    ``backoff_s`` of jitter; no attempt starts ``budget_s`` after the first one."""

    attempts: int = 3
    backoff_s: float = 0.2
    budget_s: float = 10.0

    def retrying(self) -> AsyncRetrying:
        return AsyncRetrying(
            retry=retry_if_exception(is_transient),
            stop=stop_after_attempt(self.attempts) | stop_before_delay(self.budget_s),
            wait=wait_exponential_jitter(
                initial=self.backoff_s, max=self.budget_s, jitter=self.backoff_s
            ),
            before_sleep=_log_retry,
            reraise=True,
        )

    async def run(self, attempt: Callable[[], Awaitable[T]]) -> T:
        """Await ``attempt()``, again after each transient failure, as the policy allows."""
        async for trial in self.retrying():
            with trial:
                return await attempt()
        raise AssertionError("unreachable")  # pragma: no cover - the last failure is re-raised


class RetrySettings(BaseModel):
    """The retry fields every backend's settings share (``OPSLENS_<BACKEND>_RETRY_*``)."""

    retry_attempts: int = Field(
        default=3,
        ge=1,
        description="Attempts of a read that fails transiently (connection refused or reset, "
        "HTTP 502/503/504); 1: no retry. Timeouts are never retried.",
    )
    retry_backoff_s: float = Field(
        default=0.2,
        ge=0,
        description="Wait before the first retry, doubled for each next one, plus up to as "
        "much random jitter; no retry starts after the timeout.",
    )

    def retry_policy(self, budget_s: float) -> RetryPolicy:
        return RetryPolicy(self.retry_attempts, self.retry_backoff_s, budget_s=budget_s)
