"""Known history in the session's Prometheus, and this server serving it over real HTTP."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx
import pytest

from opslens.devstack.asgi import serve
from opslens.devstack.prometheus import PrometheusBackend
from opslens_eval.prometheus.generate import build_history
from opslens_eval.prometheus.history import STEP_S, History
from opslens_mcp.core.app import create_app
from opslens_mcp.core.settings import ServerSettings
from opslens_mcp.prometheus.server import create_service
from opslens_mcp.prometheus.settings import PrometheusSettings

# The history ends this long before the tests start: recent enough to be realistic, old
# enough that every window a test asks about is complete.
END_BEFORE_NOW_S = 600


def iso(t: float) -> str:
    """Unix seconds as the ISO-8601 time a tool takes (and returns, with a Z)."""
    return datetime.fromtimestamp(t, UTC).isoformat()


@dataclass(frozen=True)
class Promtest:
    """The history written to Prometheus and the pod names it used, by workload."""

    history: History
    pods: dict[str, list[str]]

    @property
    def end(self) -> int:
        return self.history.end


@pytest.fixture(scope="session")
def promtest(
    prometheus_backend: PrometheusBackend, tmp_path_factory: pytest.TempPathFactory
) -> Promtest:
    """Backfill the history once per session (a backfill restarts Prometheus)."""
    end = (int(time.time()) - END_BEFORE_NOW_S) // STEP_S * STEP_S
    history, pods = build_history(end)
    path = tmp_path_factory.mktemp("promtest") / "promtest.om"
    history.write_openmetrics(path)
    prometheus_backend.backfill(path)
    return Promtest(history, pods)


@pytest.fixture(scope="session")
def self_scraped(prometheus_backend: PrometheusBackend, promtest: Promtest) -> None:
    """Wait until the running Prometheus (restarted by backfills, ours or other tests') has
    scraped itself: its target is up and its own metrics have metadata. Samples in the TSDB
    are not enough: they outlive a restart, the target list and metadata do not."""
    deadline = time.monotonic() + 60
    url = prometheus_backend.url
    while time.monotonic() < deadline:
        targets = httpx.get(f"{url}/api/v1/targets", params={"state": "active"}, timeout=5)
        metadata = httpx.get(
            f"{url}/api/v1/metadata", params={"metric": "prometheus_http_requests_total"}, timeout=5
        )
        up = [
            target
            for target in targets.json()["data"]["activeTargets"]
            if target["labels"].get("job") == "prometheus" and target["health"] == "up"
        ]
        if up and metadata.json()["data"]:
            return
        time.sleep(1)
    raise AssertionError("Prometheus did not scrape itself within 60s")


@pytest.fixture(scope="session")
def server_url(prometheus_backend: PrometheusBackend, promtest: Promtest) -> Iterator[str]:
    """The Prometheus server over the session's Prometheus (after the backfill)."""
    service = create_service(PrometheusSettings(url=prometheus_backend.url))
    with serve(create_app(service, ServerSettings())) as url:
        yield url
