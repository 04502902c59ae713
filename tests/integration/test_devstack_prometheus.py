"""The devstack's real Prometheus: backfill with promtool, PromQL over it, self-scrape, crash."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from opslens.devstack.process import free_port
from opslens.devstack.prometheus import PrometheusBackend

pytestmark = pytest.mark.integration


@pytest.fixture()
def prometheus(tmp_path: Path) -> Iterator[PrometheusBackend]:
    backend = PrometheusBackend(tmp_path / "prometheus", free_port())
    try:
        yield backend
    finally:
        backend.stop()


def _query(url: str, promql: str, at: float) -> list[dict[str, object]]:
    response = httpx.get(f"{url}/api/v1/query", params={"query": promql, "time": at}, timeout=10)
    response.raise_for_status()
    return list(response.json()["data"]["result"])


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def test_backfill_query_and_stop(prometheus: PrometheusBackend, tmp_path: Path) -> None:
    now = int(time.time())
    start = now - 3 * 3600
    samples = [(start + i * 60, float(i)) for i in range(0, 120)]
    lines = ["# TYPE opslens_test_total counter"]
    lines += [f'opslens_test_total{{service="order-service"}} {v} {t}' for t, v in samples]
    lines.append("# EOF")
    history = tmp_path / "history.om"
    history.write_text("\n".join(lines) + "\n", encoding="utf-8")

    prometheus.backfill(history)
    prometheus.start()

    at = samples[100][0]
    result = _query(prometheus.url, 'opslens_test_total{service="order-service"}', at)
    assert [float(r["value"][1]) for r in result] == [samples[100][1]]  # type: ignore[index]
    rate = _query(prometheus.url, "rate(opslens_test_total[5m])", at)
    assert abs(float(rate[0]["value"][1]) - 1 / 60) < 1e-6  # type: ignore[index]

    # It scrapes itself: real metrics that nobody here generated.
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        up = _query(prometheus.url, 'up{job="prometheus"}', time.time())
        if up:
            break
        time.sleep(1)
    assert up and float(up[0]["value"][1]) == 1.0  # type: ignore[index]

    pid = prometheus.pid
    assert pid is not None
    prometheus.stop()
    assert _gone(pid)


def test_crash_is_seen_and_restart_keeps_data(
    prometheus: PrometheusBackend, tmp_path: Path
) -> None:
    history = tmp_path / "one.om"
    at = int(time.time()) - 3600
    history.write_text(
        f"# TYPE opslens_kept gauge\nopslens_kept 42 {at}\n# EOF\n", encoding="utf-8"
    )
    prometheus.backfill(history)
    prometheus.start()
    pid = prometheus.pid
    assert pid is not None
    os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while prometheus.alive() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not prometheus.alive()

    prometheus.start()
    assert [float(r["value"][1]) for r in _query(prometheus.url, "opslens_kept", at)] == [42.0]  # type: ignore[index]
