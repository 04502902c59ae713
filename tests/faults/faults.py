"""What the fault tests share: pausing a backend safely, timed calls, readiness, waiting."""

from __future__ import annotations

import itertools
import signal
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx

# The servers under test get this backend timeout; a failed call must end within it plus the
# margin (a loaded two-core machine, the HTTP hop and the JSON-RPC layer).
BACKEND_TIMEOUT_S = 3.0
MARGIN_S = 2.0
# An event loop may fire a timer up to its clock resolution early: a timeout measured by the
# code that set it can read a hair under the timeout.
TIMER_SLACK_S = 0.005
Signal = Callable[[int], None]
_ids = itertools.count(1)


@contextmanager
def paused(send: Signal) -> Iterator[None]:
    """SIGSTOP a backend for the block; SIGCONT it afterwards, whatever the block did."""
    send(signal.SIGSTOP)
    try:
        yield
    finally:
        send(signal.SIGCONT)


def wait_until(condition: Callable[[], bool], what: str, timeout_s: float = 15.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, f"{what} within {timeout_s:g}s"
        time.sleep(0.05)


@dataclass(frozen=True)
class Answer:
    """One JSON-RPC answer and how long the caller waited for it."""

    body: dict[str, Any]
    elapsed_s: float

    @property
    def result(self) -> dict[str, Any]:
        assert "error" not in self.body, self.body["error"]
        result: dict[str, Any] = self.body["result"]
        return result

    @property
    def error(self) -> dict[str, Any]:
        assert "error" in self.body, f"expected an error, got {self.body.get('result')}"
        error: dict[str, Any] = self.body["error"]
        return error


def call(base_url: str, tool: str, **params: Any) -> Answer:
    """Call ``tool`` over ``/rpc``; the client waits long enough to see any hang."""
    payload = {"jsonrpc": "2.0", "method": tool, "params": params, "id": next(_ids)}
    started = time.monotonic()
    response = httpx.post(f"{base_url}/rpc", json=payload, timeout=120)
    response.raise_for_status()
    return Answer(response.json(), time.monotonic() - started)


def calls_at_once(base_url: str, calls: list[tuple[str, dict[str, Any]]]) -> list[Answer]:
    """The calls sent concurrently (as an agent does), answers in the same order."""
    with ThreadPoolExecutor(len(calls)) as pool:
        futures = [pool.submit(call, base_url, tool, **params) for tool, params in calls]
        return [future.result() for future in futures]


@dataclass(frozen=True)
class Readiness:
    status: int
    detail: str
    elapsed_s: float


def readyz(base_url: str) -> Readiness:
    started = time.monotonic()
    response = httpx.get(f"{base_url}/readyz", timeout=120)
    return Readiness(
        response.status_code, str(response.json().get("detail")), time.monotonic() - started
    )


def assert_timed_out(answer: Answer, backend: str, timeout_s: float = BACKEND_TIMEOUT_S) -> None:
    """A backend timeout that names the backend and the timeout, after it and not much later."""
    error = answer.error
    assert error["code"] == -32002, error
    assert error["data"]["backend"] == backend
    assert f"{backend} timed out" in error["message"]
    assert f"within {timeout_s:g}s" in error["message"]
    assert timeout_s - TIMER_SLACK_S <= answer.elapsed_s < timeout_s + MARGIN_S, answer.elapsed_s


def assert_cannot_connect(answer: Answer, backend: str, url: str) -> None:
    """A connection refused: reported as unreachable, naming where, long before a timeout."""
    error = answer.error
    assert error["code"] == -32001, error
    assert error["data"]["backend"] == backend
    assert f"cannot connect to {url}" in error["message"]
    assert answer.elapsed_s < BACKEND_TIMEOUT_S, answer.elapsed_s
