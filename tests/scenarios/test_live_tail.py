"""The live metrics tail: the seeded scenario continued after ``now``, scraped by Prometheus.

Ground truth is the file writer: a scenario generated with its history (and ``now``) extended by
a few minutes starts at the same moment, so its ``metrics.om`` holds every sample the tail must
serve after the shorter history's ``now``. The scraped test runs against the session's real
Prometheus under its own namespace and node names.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from opslens.devstack.asgi import serve
from opslens.devstack.process import ManagedProcess, free_port
from opslens.devstack.prometheus import SCRAPE_INTERVAL, PrometheusBackend
from opslens.scenarios.clock import MINUTE_MS, format_duration, iso_seconds, resolve_now
from opslens.scenarios.live import OPENMETRICS_TYPE, LiveMetrics, create_live_app
from opslens.scenarios.model import Scenario, load_scenario
from opslens.scenarios.seed import scenario_path, seed_scenario
from opslens.scenarios.topology import INGRESS
from opslens.scenarios.traffic import diurnal
from opslens.scenarios.writer import METRICS_FILE, generate
from tests.scenarios.conftest import PINNED_NOW

pytestmark = [pytest.mark.timeout(300)]

NAMESPACE = "live-tail"
JOB = "live-tail-test"
EXTRA_MINUTES = 6  # how far past `now` the ground truth reaches
SCRAPE_S = int(SCRAPE_INTERVAL.removesuffix("s"))
_LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')

SeriesKey = tuple[str, frozenset[tuple[str, str]]]


def _spec() -> Scenario:
    """travel-healthy, short, under names no other test uses."""
    spec = load_scenario(scenario_path("travel-healthy"))
    nodes = [f"{NAMESPACE}-node-{i}" for i in (1, 2, 3)]
    return spec.model_copy(update={"history": "20m", "namespace": NAMESPACE, "nodes": nodes})


def _key(series: str) -> SeriesKey:
    """Name and labels as Prometheus stores them (an empty label is no label)."""
    name, _, labels = series.partition("{")
    return name, frozenset((k, v) for k, v in _LABEL.findall(labels) if v)


def _prom_key(metric: dict[str, str]) -> SeriesKey:
    labels = frozenset((k, v) for k, v in metric.items() if k != "__name__")
    return metric["__name__"], labels


def _exposition(text: str) -> dict[int, dict[SeriesKey, str]]:
    """Samples served, per timestamp (epoch s)."""
    assert text.endswith("# EOF\n")
    samples: dict[int, dict[SeriesKey, str]] = {}
    for line in text.splitlines():
        if not line.startswith("#"):
            series, value, ts = line.rsplit(" ", 2)
            samples.setdefault(int(ts), {})[_key(series)] = value
    return samples


def _file_samples(spec: Scenario, now_ms: int, out: Path) -> dict[int, dict[SeriesKey, str]]:
    """Per step (epoch s), the samples the file writer gives with history and ``now`` extended
    by ``EXTRA_MINUTES``: the same start, so the same series and values up to ``now``."""
    extra_ms = EXTRA_MINUTES * MINUTE_MS
    longer = spec.model_copy(update={"history": format_duration(spec.history_ms + extra_ms)})
    generate(longer, now_ms + extra_ms, out)
    steps: dict[int, dict[SeriesKey, str]] = {}
    with (out / METRICS_FILE).open(encoding="utf-8") as lines:
        for line in lines:
            if not line.startswith("#"):
                series, value, ts = line.rsplit(" ", 2)
                steps.setdefault(int(ts), {})[_key(series)] = value
    return steps


def _step(spec: Scenario, t_s: float) -> int:
    step_s = spec.step_ms // 1000
    return int(t_s) // step_s * step_s


# --- The tail against the file writer, without Prometheus --------------------------------------


def test_the_tail_serves_what_a_longer_history_would_have_written(tmp_path: Path) -> None:
    spec, now_ms = _spec(), resolve_now(PINNED_NOW)
    truth = _file_samples(spec, now_ms, tmp_path)
    tail = LiveMetrics(spec, now_ms)
    now_s = now_ms // 1000

    assert tail.exposition(now_ms + 10_000) == "# EOF\n"  # nothing until the first step
    seen = set(truth[now_s])
    checked = 0
    for step_s in sorted(t for t in truth if t > now_s):
        served = _exposition(tail.exposition(step_s * 1000 + 29_999))
        # A counter born at this step writes its zero here; the tail serves it from its
        # first increment on, as Prometheus would first scrape it.
        expected = {k: v for k, v in truth[step_s].items() if k in seen or v != "0"}
        assert served == {step_s: expected}, step_s
        seen |= set(truth[step_s])
        checked += 1
    assert checked == EXTRA_MINUTES * 60 // (spec.step_ms // 1000)
    with pytest.raises(ValueError, match="forward"):
        tail.exposition(now_ms + 60_000)


def test_two_tails_serve_the_same_series_at_the_same_moment() -> None:
    spec, now_ms = _spec(), resolve_now(PINNED_NOW)
    moments = [now_ms + 45_000, now_ms + 17 * MINUTE_MS + 3_000]
    bodies = []
    for _ in range(2):
        tail = LiveMetrics(spec, now_ms)
        served = []
        for moment in moments:
            with serve(create_live_app(tail, clock=lambda m=moment: m / 1000)) as url:
                response = httpx.get(f"{url}/metrics", timeout=30)
            assert response.headers["content-type"] == OPENMETRICS_TYPE
            served.append(response.text)
        bodies.append(served)
    assert bodies[0] == bodies[1]
    assert bodies[0][0] != bodies[0][1]
    assert all("istio_requests_total{" in body for body in bodies[0])


RESUMED = re.compile(r"resuming at (\S+);")
DAY_MS = 24 * 60 * MINUTE_MS


def test_a_tail_far_after_its_history_resumes_at_the_current_minute(tmp_path: Path) -> None:
    """400 days after ``now``: no replay of the gap, counters go on from the history's totals."""
    spec = _spec()
    started_ms = resolve_now() + 12_345
    now_ms = started_ms - started_ms % MINUTE_MS - 400 * DAY_MS
    before = _file_samples(spec, now_ms, tmp_path)[now_ms // 1000]  # the history's last step

    tail = LiveMetrics(spec, now_ms, started_ms=started_ms)

    assert tail.resumed_ms is not None
    assert tail.skipped_minutes == (tail.resumed_ms - now_ms) // MINUTE_MS
    assert started_ms - 2 * MINUTE_MS <= tail.resumed_ms <= started_ms
    [(_, first)] = _exposition(tail.exposition(started_ms)).items()
    counters = [k for k in before if k[0].endswith("_total") and k in first]
    assert counters
    assert all(float(first[k]) >= float(before[k]) for k in counters)


@pytest.mark.parametrize("history_end", ["pinned", "400 days ago"])
def test_the_live_command_serves_the_tail(tmp_path: Path, history_end: str) -> None:
    """Ready in bounded time however far ``--now`` is from the wall clock."""
    spec = _spec()
    pinned = history_end == "pinned"
    now_ms = resolve_now(PINNED_NOW) if pinned else resolve_now() - 400 * DAY_MS
    scenario_file = tmp_path / "scenario.yaml"
    scenario_file.write_text(yaml.safe_dump(spec.model_dump(mode="json")), encoding="utf-8")
    assert load_scenario(scenario_file) == spec
    port = free_port()
    argv = [sys.executable, "-m", "opslens.cli", "scenario", "live"]
    argv += ["--scenario", str(scenario_file), "--now", iso_seconds(now_ms), "--port", str(port)]
    process = ManagedProcess("live tail", argv, tmp_path / "live.log", ports=(port,))
    url = f"http://127.0.0.1:{port}"
    process.start()
    try:
        process.wait_ready(lambda: httpx.get(f"{url}/healthz").status_code == 200, 60)
        # The same tail in this process, resumed where the command says it resumed (if at all:
        # up to an hour after ``now`` it replays every minute).
        resumed = RESUMED.search(process.log_path.read_text(encoding="utf-8"))
        started_ms = resolve_now(resumed.group(1)) + MINUTE_MS if resumed else None
        tail = LiveMetrics(spec, now_ms, started_ms=started_ms)
        for _ in range(3):  # a request may straddle a step; then ask again
            before = time.time()
            body = httpx.get(f"{url}/metrics", timeout=30).text
            after = time.time()
            if _step(spec, before) == _step(spec, after):
                assert body == tail.exposition(int(before * 1000))
                break
        else:
            raise AssertionError("every request straddled a step")
    finally:
        process.stop()
    if not pinned:
        assert resumed is not None
        assert "--now is 400d" in process.log_path.read_text(encoding="utf-8")
        assert "istio_requests_total{" in body


# --- The tail scraped by the real Prometheus ---------------------------------------------------


@dataclass(frozen=True)
class Scraped:
    spec: Scenario
    now_ms: int
    truth: dict[int, dict[SeriesKey, str]]
    prometheus: httpx.Client

    def query(self, promql: str) -> list[dict[str, Any]]:
        response = self.prometheus.get("/api/v1/query", params={"query": promql})
        response.raise_for_status()
        result: list[dict[str, Any]] = response.json()["data"]["result"]
        return result


@pytest.fixture(scope="module")
def scraped(
    prometheus_backend: PrometheusBackend, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Scraped]:
    """History to two minutes ago backfilled, its tail served and scraped past ``now``."""
    spec = _spec()
    now_ms = resolve_now() - 2 * MINUTE_MS
    seed_scenario(
        spec,
        now=iso_seconds(now_ms),
        metrics=prometheus_backend,
        out_dir=tmp_path_factory.mktemp("live-seeded"),
    )
    truth = _file_samples(spec, now_ms, tmp_path_factory.mktemp("live-truth"))
    with (
        serve(create_live_app(LiveMetrics(spec, now_ms))) as url,
        httpx.Client(base_url=prometheus_backend.url, timeout=30) as prometheus,
    ):
        scraped = Scraped(spec, now_ms, truth, prometheus)
        prometheus_backend.add_scrape_target(JOB, url.removeprefix("http://"))
        try:
            # Steps before the end of another test's backfill are dropped: wait past it.
            deadline = time.monotonic() + 90
            for selector in SELECTORS:  # every series has a sample after now
                while not _all_after(scraped, f"min(timestamp({selector}))", now_ms // 1000):
                    assert time.monotonic() < deadline, f"no live samples of {selector}"
                    time.sleep(1)
            yield scraped
        finally:
            prometheus_backend.remove_scrape_target(JOB)
            deadline = time.monotonic() + 30  # its metadata goes with the target
            while _active_target(prometheus, JOB) and time.monotonic() < deadline:
                time.sleep(1)


def _all_after(scraped: Scraped, promql: str, t_s: int) -> bool:
    result = scraped.query(promql)
    return bool(result) and float(result[0]["value"][1]) > t_s


def _active_target(prometheus: httpx.Client, job: str) -> bool:
    targets = prometheus.get("/api/v1/targets", params={"state": "active"}).json()
    return any(t["labels"].get("job") == job for t in targets["data"]["activeTargets"])


SELECTORS = (  # Istio's counters and histogram, cAdvisor, node-exporter, a gauge
    f'istio_requests_total{{destination_workload_namespace="{NAMESPACE}"}}',
    f'istio_request_duration_milliseconds_bucket{{destination_workload_namespace="{NAMESPACE}"}}',
    f'container_cpu_usage_seconds_total{{namespace="{NAMESPACE}"}}',
    f'node_cpu_seconds_total{{instance=~"{NAMESPACE}-node-.+"}}',
    f'container_memory_working_set_bytes{{namespace="{NAMESPACE}"}}',
)


@pytest.mark.integration
@pytest.mark.parametrize("selector", SELECTORS)
def test_live_samples_continue_the_backfilled_series(scraped: Scraped, selector: str) -> None:
    now_s = scraped.now_ms // 1000
    counter = "_bytes" not in selector
    window = f"{math.ceil(time.time() - now_s) + 60}s"
    result = scraped.query(f"{selector}[{window}]")
    # A series of the shorter history has a sample one step before now; one the longer
    # generation starts in the minute after now shows its opening 0 at now itself.
    truth, before_now = scraped.truth, scraped.truth[now_s - scraped.spec.step_ms // 1000]
    continued = 0
    for series in result:
        key = _prom_key(series["metric"])
        points = [(float(t), float(v)) for t, v in series["values"]]
        history = [(t, v) for t, v in points if t <= now_s]
        live = [(t, v) for t, v in points if t > now_s]
        for t, value in points:  # backfilled or scraped: the steps' samples, exactly
            assert value == float(truth[int(t)][key]) and t == _step(scraped.spec, t), (key, t)
        if key in before_now:  # the backfill ends at now, in the very series the tail continues
            assert history[-1][0] == now_s and live, key
            continued += 1
        else:  # born after now: only ever scraped
            assert not history, key
        values = [v for _, v in points]
        if counter:
            assert values == sorted(values), key  # no reset, no jump back at the boundary
    assert continued > 0
    if counter:
        [resets] = scraped.query(f"sum(resets({selector}[{window}]))")
        assert float(resets["value"][1]) == 0


@pytest.mark.integration
def test_no_scenario_series_gets_the_scrape_jobs_labels(scraped: Scraped) -> None:
    added = scraped.query(f'count by (__name__) ({{job="{JOB}"}})')
    names = {r["metric"]["__name__"] for r in added}
    assert "up" in names
    assert all(name == "up" or name.startswith("scrape_") for name in names), names


@pytest.mark.integration
def test_request_rate_now_is_what_the_traffic_model_gives(scraped: Scraped) -> None:
    window_s = 300
    ingress = (
        f'reporter="destination",source_workload="{INGRESS}",'
        f'destination_workload_namespace="{NAMESPACE}"'
    )
    at = time.time()
    [answer] = scraped.query(f"sum(rate(istio_requests_total{{{ingress}}}[{window_s}s]))")
    measured = float(answer["value"][1])
    # The model: per entry route and minute, Gaussian with mean rps * 60 * diurnal (and its
    # square root as deviation); four deviations of the window's count either way.
    entries_rps = sum(e.rps for s in scraped.spec.services for e in s.endpoints)
    first = (int(at) - window_s) // 60 * 60
    minutes = range(first, int(at) + 1, 60)
    per_minute = [entries_rps * 60 * diurnal(m * 1000) for m in minutes]
    expected = sum(per_minute) / (60 * len(per_minute))
    noise = 4 / math.sqrt(sum(per_minute) * window_s / (60 * len(per_minute)))
    # The samples sit on the steps: the window's first and last may be a step (the last one
    # also a scrape interval) inside it, and rate() extrapolates toward its ends only so far.
    step_s = scraped.spec.step_ms // 1000
    lag = (2 * step_s + SCRAPE_S) / window_s
    low, high = expected * (1 - noise) * (1 - lag), expected * (1 + noise)
    assert low <= measured <= high, (
        measured,
        expected,
        dt.datetime.fromtimestamp(at, dt.UTC),
    )
