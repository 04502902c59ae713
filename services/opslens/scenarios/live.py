"""The live tail: a seeded scenario's metrics continued after ``now``, for Prometheus to scrape.

The history ends at ``now`` (backfilled with promtool). :class:`LiveMetrics` replays the metric
part of generation over that history in memory (no files; a few seconds for six hours),
so its counters hold exactly the totals the backfill ended with, then generates the minutes
after ``now`` with the same code as :func:`~opslens.scenarios.writer.generate`
(:class:`TrafficGenerator`, :class:`IstioMetrics`, :class:`ResourceMetrics`) as wall-clock time
reaches them. Only the current minute is kept, so memory stays flat.

Catching up is bounded: when the wall clock is more than :data:`CATCH_UP_MINUTES` past the last
generated minute (a scenario seeded last week, a machine that slept), the tail does not replay
the minutes between: it resumes at the current minute, its counters continuing from the totals
it had. Nothing was scraped in between, so no stored series jumps back; it only rises less over
the gap than a replay would have made it. :attr:`LiveMetrics.skipped_minutes` counts them.

``GET /metrics`` answers in OpenMetrics: every series' sample at the latest step at or before
the current time, with the step's timestamp (nothing before the first step after ``now``). So
Prometheus (``honor_timestamps``, its default) stores the samples a longer backfill would have
held: ``rate()`` over any window of two steps or more reads as it does in the history, and a
sample scraped again at the same step is a duplicate it ignores. Prometheus drops (and logs as
too old) only steps before the end of a backfill it has loaded, e.g. another scenario seeded
with a later ``now``. Faults follow their plan: a fault's window ends at ``now`` at the
latest, so after ``now`` the scenario runs without it.

Series without their own ``job`` or ``instance`` label (Istio's, for one) expose both empty: a
scrape with ``honor_labels: true`` then attaches neither (an empty label is no label once
ingested), and the live samples continue the very series the backfill wrote.
"""

from __future__ import annotations

import io
import threading
import time
from collections.abc import Callable
from typing import IO

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from opslens.scenarios.clock import MINUTE_MS
from opslens.scenarios.cluster import build_cluster
from opslens.scenarios.faults import FaultPlan
from opslens.scenarios.istio import IstioMetrics
from opslens.scenarios.model import Scenario
from opslens.scenarios.resources import ResourceMetrics
from opslens.scenarios.topology import compile_topology
from opslens.scenarios.traffic import TrafficGenerator

OPENMETRICS_TYPE = "application/openmetrics-text; version=1.0.0; charset=utf-8"
DEFAULT_PORT = 8105  # next to the demo's servers (8100-8104)
SCRAPE_JOB = "scenario-live"
CATCH_UP_MINUTES = 60  # replayed at most before a served minute (about 10 ms each)
TARGET_LABELS = ("job", "instance")  # what Prometheus would attach to a scraped series


class MemoryWriter:
    """Families' sample lines in memory, taken out after each minute (a ``FamilyWriter``)."""

    def __init__(self) -> None:
        self._buffers: dict[str, io.StringIO] = {}
        self.kinds: dict[str, str] = {}

    def family(self, name: str, kind: str) -> IO[str]:
        buffer = self._buffers.get(name)
        if buffer is None:
            buffer = self._buffers[name] = io.StringIO()
            self.kinds[name] = kind
        return buffer

    def drain(self) -> dict[str, str]:
        """Each family's lines written since the last drain; the buffers start empty again."""
        lines = {}
        for name, buffer in self._buffers.items():
            lines[name] = buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
        return lines


def _blank_target_labels(series: str) -> str:
    """``m{a="x"}`` -> ``m{a="x",job="",instance=""}`` for the target labels it lacks.

    Inside a rendered label value a quote is escaped, so ``,job="`` only matches a label.
    """
    missing = [
        f'{name}=""'
        for name in TARGET_LABELS
        if f'{{{name}="' not in series and f',{name}="' not in series
    ]
    if not missing:
        return series
    separator = "" if series.endswith("{}") else ","
    return f"{series[:-1]}{separator}{','.join(missing)}}}"


class LiveMetrics:
    """The scenario's series after ``now_ms``, one generated minute at a time."""

    def __init__(self, scenario: Scenario, now_ms: int, started_ms: int | None = None) -> None:
        """The tail of ``scenario`` seeded up to ``now_ms``; ``started_ms`` (the wall clock at
        start) generates up to that minute right away, so the first scrape is quick."""
        if now_ms % MINUTE_MS:
            raise ValueError("now must be a whole minute, as seeding resolves it")
        self.scenario = scenario
        self.now_ms = now_ms
        self.start_ms = now_ms - scenario.history_ms
        self.step_s = scenario.step_ms // 1000
        self.history_minutes = scenario.history_ms // MINUTE_MS
        cluster = build_cluster(scenario, now_ms)
        plan = FaultPlan(scenario, now_ms)
        topology = compile_topology(scenario)
        self._traffic = TrafficGenerator(topology, cluster, plan, self.start_ms)
        self._writer = MemoryWriter()
        self._istio = IstioMetrics(self._writer, scenario.namespace, self.step_s)
        self._resources = ResourceMetrics(self._writer, scenario, cluster, plan)
        self._lock = threading.Lock()
        self._next_minute = 0
        self._minute = -1  # the minute whose samples are held
        self._samples: dict[int, dict[str, list[str]]] = {}  # step (epoch s) -> family -> lines
        self.skipped_minutes = 0
        self._resumed_minute: int | None = None  # the minute generated after the latest skip
        with self._lock:
            self._replay(self.history_minutes - 1)  # the counters reach the backfill's totals
            if started_ms is not None and self._step_of(started_ms) > now_ms // 1000:
                self._advance(self._minute_of(self._step_of(started_ms)))

    def _step_of(self, t_ms: int) -> int:
        """The latest step (epoch s) at or before ``t_ms``."""
        return t_ms // 1000 // self.step_s * self.step_s

    def _minute_of(self, step_s: int) -> int:
        """The minute of history a step after its start belongs to (steps end their minute)."""
        return (step_s - self.start_ms // 1000 - 1) // 60

    @property
    def resumed_ms(self) -> int | None:
        """Start of the minute generated after the latest skip (None: nothing skipped)."""
        if self._resumed_minute is None:
            return None
        return self.start_ms + self._resumed_minute * MINUTE_MS

    def _generate(self, minute: int) -> dict[str, str]:
        """The metric part of :func:`~opslens.scenarios.writer.generate` for one minute."""
        minute_start = self.start_ms + minute * MINUTE_MS
        _, mesh = self._traffic.minute(minute)
        self._istio.write_minute(mesh, minute_start // 1000)
        self._resources.write_minute(minute, self.start_ms, mesh.pod_requests, mesh.queries)
        self._next_minute = minute + 1
        return self._writer.drain()

    def _replay(self, minute: int) -> None:
        """Generate every minute up to ``minute`` (the history, whatever its length)."""
        while self._next_minute <= minute:
            self._generate(self._next_minute)
        self._minute = minute

    def _advance(self, minute: int) -> None:
        """Generate up to ``minute``, at most :data:`CATCH_UP_MINUTES` of them (the rest are
        skipped), and keep that minute's samples (only if after ``now``)."""
        gap = minute + 1 - self._next_minute
        if gap > CATCH_UP_MINUTES:
            self.skipped_minutes += gap - 1
            self._next_minute = self._resumed_minute = minute
        while self._next_minute <= minute:
            families = self._generate(self._next_minute)
            if self._next_minute - 1 == minute and minute >= self.history_minutes:
                self._keep(minute, families)
        self._minute = minute

    def _keep(self, minute: int, families: dict[str, str]) -> None:
        minute_start_s = (self.start_ms + minute * MINUTE_MS) // 1000
        samples: dict[int, dict[str, list[str]]] = {}
        for name, text in families.items():
            for line in text.splitlines():
                series_value, ts = line.rsplit(" ", 1)
                t = int(ts)
                if t <= minute_start_s:  # a new counter's zero, at the previous minute's step
                    continue
                series, value = series_value.rsplit(" ", 1)
                family = samples.setdefault(t, {}).setdefault(name, [])
                family.append(f"{_blank_target_labels(series)} {value} {ts}\n")
        self._samples = samples

    def exposition(self, t_ms: int) -> str:
        """OpenMetrics text of every series at the latest step at or before ``t_ms``, with
        the step's timestamp.

        Time only moves forward: a ``t_ms`` before the minute already served raises.
        """
        step_s = self._step_of(t_ms)
        families: dict[str, list[str]] = {}
        if step_s > self.now_ms // 1000:
            minute = self._minute_of(step_s)
            with self._lock:
                if minute < self._minute:
                    raise ValueError("the live tail only moves forward in time")
                if minute > self._minute:
                    self._advance(minute)
                families = self._samples.get(step_s, {})
        parts = []
        for name in sorted(families):
            parts.append(f"# TYPE {name} {self._writer.kinds[name]}\n")
            parts.extend(families[name])
        parts.append("# EOF\n")
        return "".join(parts)


def create_live_app(metrics: LiveMetrics, clock: Callable[[], float] = time.time) -> Starlette:
    """``GET /metrics`` (OpenMetrics at the current ``clock`` time) and ``GET /healthz``."""

    def scrape(request: Request) -> Response:
        try:
            text = metrics.exposition(int(clock() * 1000))
        except ValueError:  # the clock stepped back past a minute: nothing until it is back
            text = "# EOF\n"
        return Response(text, media_type=OPENMETRICS_TYPE)

    def healthz(request: Request) -> Response:
        return PlainTextResponse("ok")

    return Starlette(routes=[Route("/metrics", scrape), Route("/healthz", healthz)])
