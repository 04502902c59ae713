"""Generate a whole scenario as files, minute by minute, with flat memory.

The output directory holds ``opensearch/<index>.ndjson`` (``_bulk`` bodies, one per index),
``metrics.om`` (OpenMetrics for ``promtool``), ``kubernetes.json`` (objects to create) and
``truth.json`` (:class:`~opslens.scenarios.truth.GroundTruth`). Same scenario, seed and
``now`` give byte-identical files.
"""

from __future__ import annotations

import random
import shutil
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import orjson

from opslens.scenarios.clock import MINUTE_MS, day_suffix
from opslens.scenarios.cluster import build_cluster
from opslens.scenarios.events import fault_events
from opslens.scenarios.faults import FaultPlan
from opslens.scenarios.istio import IstioMetrics
from opslens.scenarios.kube import kubernetes_objects
from opslens.scenarios.logs import LogEvent, container_doc, otel_doc
from opslens.scenarios.model import Scenario
from opslens.scenarios.openmetrics import OpenMetricsWriter
from opslens.scenarios.params import Params
from opslens.scenarios.pod_logs import PodLogs
from opslens.scenarios.request_logs import narrate
from opslens.scenarios.resources import ResourceMetrics
from opslens.scenarios.topology import compile_topology
from opslens.scenarios.traces import SpanIds, SpanWriter, service_map_docs
from opslens.scenarios.traffic import TrafficGenerator
from opslens.scenarios.truth import GroundTruth
from opslens.scenarios.truth_recorder import TruthRecorder

OPENSEARCH_DIR = "opensearch"
METRICS_FILE = "metrics.om"
KUBERNETES_FILE = "kubernetes.json"
TRUTH_FILE = "truth.json"
CHUNK_MINUTES = 30
_ANY_ID = b'{"index":{}}\n'


@dataclass(frozen=True)
class IndexLayout:
    """Index names written; the defaults are the user's platform (Data Prepper, Vector).

    ``prefix`` is prepended to every name, e.g. to keep a test's data apart.
    """

    prefix: str = ""
    spans: str = "otel-v1-apm-span-000001"
    service_map: str = "otel-v1-apm-service-map"
    container_logs: str = "logs-"
    otel_logs: str = "otel-logs-"

    def container_index(self, t_ms: int) -> str:
        return f"{self.prefix}{self.container_logs}{day_suffix(t_ms)}"

    def otel_index(self, t_ms: int) -> str:
        return f"{self.prefix}{self.otel_logs}{day_suffix(t_ms)}"

    def patterns(self) -> dict[str, str]:
        """Kind -> the index pattern a reader queries."""
        return {
            "spans": f"{self.prefix}{self.spans.rsplit('-', 1)[0]}-*",
            "service_map": f"{self.prefix}{self.service_map}",
            "container_logs": f"{self.prefix}{self.container_logs}*",
            "otel_logs": f"{self.prefix}{self.otel_logs}*",
        }


def bulk_file_index(path: Path) -> str:
    """The index a bulk file belongs to: ``logs-2026.11.26#003.ndjson`` -> ``logs-2026.11.26``."""
    return path.stem.split("#", 1)[0]  # '#' cannot occur in an index name


class BulkFiles:
    """``_bulk`` NDJSON bodies per index, appended as documents come, in numbered chunks
    (``<index>#<chunk>.ndjson``) so finished chunks can be loaded while the next is written."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        directory.mkdir(parents=True, exist_ok=True)
        self._files: dict[str, IO[bytes]] = {}
        self._chunk = 0
        self.counts: dict[str, int] = {}

    def write(
        self, index: str, docs: Iterable[dict[str, Any]], id_field: str | None = None
    ) -> None:
        handle = self._files.get(index)
        if handle is None:
            path = self.directory / f"{index}#{self._chunk:03d}.ndjson"
            handle = self._files[index] = path.open("wb")
            self.counts.setdefault(index, 0)
        n = 0
        for doc in docs:
            if id_field:
                handle.write(b'{"index":{"_id":"' + doc[id_field].encode() + b'"}}\n')
            else:
                handle.write(_ANY_ID)
            handle.write(orjson.dumps(doc) + b"\n")
            n += 1
        self.counts[index] += n

    def rotate(self) -> list[Path]:
        """Close the current chunk's files and return them; later writes start a new chunk."""
        done = [Path(handle.name) for handle in self._files.values()]
        self.close()
        self._files.clear()
        self._chunk += 1
        return done

    def close(self) -> None:
        for handle in self._files.values():
            handle.close()


def generate(
    scenario: Scenario,
    now_ms: int,
    out_dir: Path,
    layout: IndexLayout | None = None,
    on_chunk: Callable[[list[Path]], None] | None = None,
) -> GroundTruth:
    """Write the scenario's files into ``out_dir`` and return its ground truth.

    ``out_dir`` must be empty, missing, or an earlier output (which is replaced).

    ``on_chunk`` receives each finished set of bulk files (every ``CHUNK_MINUTES`` of history),
    so loading can start while the rest is generated.
    """
    layout = layout or IndexLayout()
    if out_dir.exists() and any(out_dir.iterdir()):
        if not (out_dir / TRUTH_FILE).exists():
            raise FileExistsError(f"{out_dir} is not empty and holds no earlier scenario output")
        shutil.rmtree(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    start_ms = now_ms - scenario.history_ms
    cluster = build_cluster(scenario, now_ms)
    plan = FaultPlan(scenario, now_ms)
    topology = compile_topology(scenario)
    traffic = TrafficGenerator(topology, cluster, plan, start_ms)
    metrics = OpenMetricsWriter(out_dir / ".metrics-parts")
    istio = IstioMetrics(metrics, scenario.namespace, scenario.step_ms // 1000)
    resources = ResourceMetrics(metrics, scenario, cluster, plan)
    bulk = BulkFiles(out_dir / OPENSEARCH_DIR)
    recorder = TruthRecorder(scenario, topology, now_ms)
    spans_out = SpanWriter(topology, scenario.namespace)
    pod_logs = PodLogs(scenario, cluster, plan)
    ns, info_ratio = scenario.namespace, scenario.sampling.info_logs

    def emit(events: list[LogEvent]) -> None:
        for event in events:
            minute = (event.t_ms - start_ms) // MINUTE_MS  # counted where a query finds it
            bulk.write(layout.container_index(event.t_ms), [container_doc(event, ns)])
            recorder.log(minute, "container", event.service.name, event.level)
            if event.service.otel_logs:
                bulk.write(layout.otel_index(event.t_ms), [otel_doc(event, ns)])
                recorder.log(minute, "otel", event.service.name, event.level)

    for minute in range(scenario.history_ms // MINUTE_MS):
        minute_start = start_ms + minute * MINUTE_MS
        rng = random.Random(f"{scenario.seed}/details/{minute}")
        kept, mesh = traffic.minute(minute)
        for request in kept:
            ids = SpanIds.assign(request, rng)
            story = narrate(request, ids, Params(rng), info_ratio, rng, ns)
            spans = spans_out.spans(request, ids, story.urls, story.exceptions)
            bulk.write(layout.prefix + layout.spans, spans, id_field="spanId")
            recorder.trace(request, ids.trace_id, spans)
            emit(story.events)
        emit(pod_logs.minute(minute, minute_start))
        istio.write_minute(mesh, minute_start // 1000)
        resources.write_minute(minute, start_ms, mesh.pod_requests, mesh.queries)
        recorder.mesh(minute, mesh)
        if (minute + 1) % CHUNK_MINUTES == 0:
            finished = bulk.rotate()
            if on_chunk is not None:
                on_chunk(finished)
    bulk.write(layout.prefix + layout.service_map, service_map_docs(topology), id_field="hashId")
    last = bulk.rotate()
    if on_chunk is not None:
        on_chunk(last)
    metrics.finish(out_dir / METRICS_FILE)
    shutil.rmtree(out_dir / ".metrics-parts")
    objects = kubernetes_objects(scenario, cluster, plan, now_ms)
    (out_dir / KUBERNETES_FILE).write_bytes(orjson.dumps(objects, option=orjson.OPT_INDENT_2))
    for index, count in bulk.counts.items():
        recorder.documents_written(index, count)
    truth = recorder.finish(
        cluster, plan, fault_events(scenario, cluster, plan, now_ms), layout.patterns()
    )
    (out_dir / TRUTH_FILE).write_text(truth.model_dump_json(indent=1), encoding="utf-8")
    return truth
