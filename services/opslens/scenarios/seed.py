"""Seed a scenario into running backends: generate its files and load them (OpenSearch chunk
by chunk while the rest is generated, then Prometheus and Kubernetes side by side).

Idempotent: what an earlier seeding of the same scenario wrote is removed first (documents of
its namespace, objects with its label). Prometheus cannot forget backfilled samples without its
admin API, so re-seeding with another ``now`` leaves the older series next to the new ones.

Example::

    truth = seed_scenario(
        scenario_path("checkout-incident"),
        opensearch_url="http://127.0.0.1:9200",
        kubeconfig=Path("~/.kube/config").expanduser(),
        metrics=PromtoolBackfill(Path("/var/lib/prometheus")),
    ).truth
"""

from __future__ import annotations

import asyncio
import queue
import tempfile
import time
from collections.abc import AsyncIterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import orjson

from opslens.scenarios.clock import resolve_now
from opslens.scenarios.loaders.kubernetes import KubernetesLoader
from opslens.scenarios.loaders.opensearch import LoadStats, OpenSearchLoader
from opslens.scenarios.loaders.prometheus import MetricsSink
from opslens.scenarios.model import Scenario, load_scenario
from opslens.scenarios.truth import GroundTruth
from opslens.scenarios.writer import (
    KUBERNETES_FILE,
    METRICS_FILE,
    IndexLayout,
    generate,
)
from opslens_mcp.prometheus.promql import quote, regex_quote

# The repository's scenarios/, which a wheel carries inside the package (see pyproject.toml).
_INSTALLED_SCENARIOS = Path(__file__).resolve().parent / "shipped"
SCENARIOS_DIR = (
    _INSTALLED_SCENARIOS
    if _INSTALLED_SCENARIOS.is_dir()
    else Path(__file__).resolve().parents[3] / "scenarios"
)
DEFAULT_SCENARIO = "checkout-incident"


def scenario_path(name: str = DEFAULT_SCENARIO) -> Path:
    """The shipped scenario file ``scenarios/<name>.yaml``."""
    path = SCENARIOS_DIR / f"{name}.yaml"
    if not path.is_file():
        known = ", ".join(sorted(p.stem for p in SCENARIOS_DIR.glob("*.yaml")))
        raise FileNotFoundError(f"no scenario {name!r}; shipped: {known}")
    return path


@dataclass
class Loads:
    """What the loaders did, filled in from their threads."""

    seconds: dict[str, float] = field(default_factory=dict)
    opensearch: LoadStats | None = None
    kubernetes_objects: int = 0


@dataclass
class SeedReport:
    truth: GroundTruth
    out_dir: Path
    seconds: dict[str, float]
    opensearch: LoadStats | None
    kubernetes_objects: int


def _timed(seconds: dict[str, float], name: str, started: float) -> None:
    seconds[name] = round(time.perf_counter() - started, 2)


def seed_scenario(
    scenario: Path | Scenario,
    *,
    now: str | None = None,
    seed: int | None = None,
    opensearch_url: str | None = None,
    kubeconfig: Path | None = None,
    metrics: MetricsSink | None = None,
    out_dir: Path | None = None,
    layout: IndexLayout | None = None,
) -> SeedReport:
    """Generate ``scenario`` at ``now`` and load it into the backends that are given.

    ``now`` is ISO-8601 (default: the current minute); ``seed`` overrides the file's seed;
    the files stay in ``out_dir`` (default: a temporary directory, removed afterwards).
    """
    spec = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    if seed is not None:
        spec = spec.model_copy(update={"seed": seed})
    layout = layout or IndexLayout()
    if out_dir is None:
        with tempfile.TemporaryDirectory(prefix=f"opslens-{spec.name}-") as tmp:
            return _seed(
                spec, resolve_now(now), Path(tmp), opensearch_url, kubeconfig, metrics, layout
            )
    return _seed(spec, resolve_now(now), out_dir, opensearch_url, kubeconfig, metrics, layout)


class FileFeed:
    """Hands finished bulk files from the generating thread to the loading event loop."""

    def __init__(self) -> None:
        self._queue: queue.SimpleQueue[list[Path] | None] = queue.SimpleQueue()

    def put(self, files: list[Path]) -> None:
        self._queue.put(files)

    def close(self) -> None:
        self._queue.put(None)

    async def batches(self) -> AsyncIterator[list[Path]]:
        while (files := await asyncio.to_thread(self._queue.get)) is not None:
            yield files


def _seed(
    spec: Scenario,
    now_ms: int,
    out_dir: Path,
    opensearch_url: str | None,
    kubeconfig: Path | None,
    metrics: MetricsSink | None,
    layout: IndexLayout,
) -> SeedReport:
    loads = Loads()
    started = time.perf_counter()
    feed = FileFeed()
    # OpenSearch loads each chunk of history while the next one is generated; the metrics
    # and the Kubernetes objects follow once generation is done. Each load waits on its own
    # backend, in its own thread (the OpenSearch one with its own event loop, so this also
    # works when called from async code).
    with ThreadPoolExecutor(max_workers=3, thread_name_prefix="seed") as pool:
        pending: list[Future[None]] = []
        if opensearch_url is not None:
            coroutine = _load_opensearch(opensearch_url, spec, layout, feed, loads)
            pending.append(pool.submit(asyncio.run, coroutine))
        try:
            truth = generate(spec, now_ms, out_dir, layout, on_chunk=feed.put)
        finally:
            feed.close()
        _timed(loads.seconds, "generate", started)
        if metrics is not None:
            pending.append(pool.submit(_backfill, metrics, spec, out_dir / METRICS_FILE, loads))
        if kubeconfig is not None:
            pending.append(pool.submit(_load_kubernetes, kubeconfig, spec, out_dir, loads))
        for future in pending:
            future.result()
    _timed(loads.seconds, "total", started)
    return SeedReport(truth, out_dir, loads.seconds, loads.opensearch, loads.kubernetes_objects)


def seeded_series(spec: Scenario) -> list[str]:
    """Selectors of every series seeding ``spec`` writes: its namespace's (cAdvisor,
    kube-state-metrics, Istio on either side of a request) and its nodes' (node-exporter)."""
    namespace = quote(spec.namespace)
    nodes = quote("|".join(regex_quote(node) for node in spec.nodes))
    return [
        f"{{namespace={namespace}}}",
        f"{{destination_workload_namespace={namespace}}}",
        f"{{source_workload_namespace={namespace}}}",
        f'{{__name__=~"node_.+",instance=~{nodes}}}',
    ]


def _backfill(metrics: MetricsSink, spec: Scenario, path: Path, loads: Loads) -> None:
    started = time.perf_counter()
    metrics.backfill(path, replacing=seeded_series(spec))
    _timed(loads.seconds, "prometheus", started)


def _load_kubernetes(kubeconfig: Path, spec: Scenario, out_dir: Path, loads: Loads) -> None:
    started = time.perf_counter()
    loader = KubernetesLoader(kubeconfig)
    try:
        loader.clear(spec.name, spec.namespace)
        objects = orjson.loads((out_dir / KUBERNETES_FILE).read_bytes())
        loads.kubernetes_objects = loader.load(objects)
    finally:
        loader.close()
    _timed(loads.seconds, "kubernetes", started)


async def _load_opensearch(
    url: str, spec: Scenario, layout: IndexLayout, feed: FileFeed, loads: Loads
) -> None:
    started = time.perf_counter()
    loader = OpenSearchLoader(url)
    try:
        await loader.ensure_templates(layout)
        await loader.clear_namespace(layout, spec.namespace, [s.name for s in spec.services])
        _timed(loads.seconds, "opensearch_clear", started)
        loads.opensearch = await loader.load_stream(feed.batches())
    finally:
        await loader.close()
    _timed(loads.seconds, "opensearch", started)


def seed_for_tests(
    name: str = DEFAULT_SCENARIO,
    *,
    opensearch_url: str,
    kubeconfig: Path,
    metrics: MetricsSink,
    out_dir: Path,
    now: str | None = None,
) -> GroundTruth:
    """Seed a shipped scenario into the test backends (for a session fixture); files stay in
    ``out_dir``. ``now`` defaults to the current minute, so the data is recent."""
    report = seed_scenario(
        scenario_path(name),
        now=now,
        opensearch_url=opensearch_url,
        kubeconfig=kubeconfig,
        metrics=metrics,
        out_dir=out_dir,
    )
    return report.truth
