"""Load the Nezha TrainTicket data into the real backends in the platform's formats.

Logs become Vector container-log documents and OpenTelemetry log records, spans become Data
Prepper spans (indices named by an :class:`~opslens.scenarios.writer.IndexLayout`, so a test
can keep them apart with a prefix), and the per-pod metric CSVs become cAdvisor-style series
backfilled into Prometheus. Every case's ground truth comes back with the window its data
covers, measured from the data itself.

Example::

    imported = import_nezha(shared_data / "nezha-trainticket", opensearch_url=url,
                            metrics=prometheus_backend, workdir=tmp, namespace="trainticket")
    for case in imported.cases: ...
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from opslens.scenarios.loaders.opensearch import OpenSearchLoader
from opslens.scenarios.loaders.prometheus import MetricsSink
from opslens.scenarios.openmetrics import OpenMetricsWriter
from opslens.scenarios.writer import BulkFiles, IndexLayout
from opslens_eval.nezha.cases import (
    MinuteFiles,
    NezhaCase,
    load_cases,
    metric_files,
    reference_minutes,
)
from opslens_eval.nezha.documents import data_window, log_documents, rows, span_documents
from opslens_eval.nezha.metrics import write_pod_metrics

DEFAULT_NAMESPACE = "trainticket"


@dataclass(frozen=True)
class ImportedCase:
    case: NezhaCase
    start: datetime
    end: datetime


@dataclass(frozen=True)
class NezhaImport:
    cases: list[ImportedCase]
    references: list[tuple[datetime, datetime]]
    namespace: str
    documents: dict[str, int]
    samples: int
    warnings: list[str] = field(default_factory=list)
    """Minutes left out because they hold no log line and no span."""


def _day_suffix(moment: datetime) -> str:
    return moment.strftime("%Y.%m.%d")


def write_minute(
    files: MinuteFiles, bulk: BulkFiles, layout: IndexLayout, namespace: str
) -> tuple[datetime, datetime] | None:
    """Write one minute's logs and spans as ``_bulk`` files; returns the window it covers
    (None when the minute holds neither)."""
    window = data_window(files.log, files.trace)
    if window is None:
        return None
    start, end = window
    day = _day_suffix(start)
    containers, otels = [], []
    for row in rows(files.log):
        container, otel = log_documents(row, namespace)
        containers.append(container)
        otels.append(otel)
    prefix = layout.prefix
    bulk.write(f"{prefix}{layout.container_logs}{day}", containers)
    bulk.write(f"{prefix}{layout.otel_logs}{day}", otels)
    bulk.write(prefix + layout.spans, span_documents(files.trace, namespace), id_field="spanId")
    return start, end


def write_files(root: Path, workdir: Path, layout: IndexLayout, namespace: str) -> NezhaImport:
    """Convert everything into ``workdir`` (``opensearch/*.ndjson`` and ``metrics.om``)."""
    bulk = BulkFiles(workdir / "opensearch")
    cases, references, warnings = [], [], []
    for case in load_cases(root):
        window = write_minute(case.files, bulk, layout, namespace)
        if window is None:
            warnings.append(f"{case.name}: no log line and no span in {case.files.trace.stem}")
        else:
            cases.append(ImportedCase(case, *window))
    for files in reference_minutes(root):
        window = write_minute(files, bulk, layout, namespace)
        if window is None:
            warnings.append(f"reference {files.trace.stem}: no log line and no span")
        else:
            references.append(window)
    bulk.close()
    writer = OpenMetricsWriter(workdir / "metric-parts")
    samples = sum(write_pod_metrics(path, writer, namespace) for path in metric_files(root))
    writer.finish(workdir / "metrics.om")
    return NezhaImport(cases, references, namespace, dict(bulk.counts), samples, warnings)


async def load_files(url: str, layout: IndexLayout, workdir: Path, namespace: str) -> None:
    """Load the ``_bulk`` files of :func:`write_files` (replacing an earlier import)."""
    loader = OpenSearchLoader(url)
    try:
        await loader.ensure_templates(layout)
        await loader.clear_namespace(layout, namespace, [])
        await loader.load_files(sorted((workdir / "opensearch").glob("*.ndjson")))
    finally:
        await loader.close()


def import_nezha(
    root: Path,
    *,
    opensearch_url: str,
    metrics: MetricsSink,
    workdir: Path,
    layout: IndexLayout | None = None,
    namespace: str = DEFAULT_NAMESPACE,
) -> NezhaImport:
    """Convert and load the data; returns the cases with their data windows."""
    layout = layout or IndexLayout()
    imported = write_files(root, workdir, layout, namespace)
    asyncio.run(load_files(opensearch_url, layout, workdir, namespace))
    metrics.backfill(workdir / "metrics.om")
    return imported
