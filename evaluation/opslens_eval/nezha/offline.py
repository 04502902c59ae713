"""The root-cause method on the Nezha files directly (no backends): for developing the method and
measuring it fast on every labelled fault, with the same signals the reports read.

Each fault minute is compared with the minutes recorded before it (the fault-free reference and
the earlier fault minutes: a trailing baseline, never a later minute), and each pod's metrics
with its samples of the half hour before the injection. The inner-service label of
``construct_data/root_cause_ts.json`` is a resource (a metric column) or a code region between
two log statements; a fine-grained answer is right when its top evidence names that metric, or
the network for ``NetworkP90``, or quotes a statement at either end of the region.

Example::

    results = evaluate_offline(shared_data / "nezha-trainticket-all")
    sum(r.rank == 1 for r in results) / len(results)
"""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import timedelta
from pathlib import Path

from opslens.reports.models import Candidate
from opslens.reports.naming import service_of_pod
from opslens.reports.rootcause.ranking import rank_findings
from opslens.reports.rootcause.scoring import ResourceSamples, period_findings
from opslens.reports.rootcause.signals import LogLine, PeriodSignals, TemplateBook, period_signals
from opslens.reports.trace_analysis import Trace
from opslens_eval.nezha.cases import MinuteFiles, NezhaCase, load_cases, reference_minutes
from opslens_eval.nezha.documents import app_line, rows, span_documents
from opslens_eval.nezha.labels import inner_labels, inner_position
from opslens_eval.nezha.metrics import float_cell

RESOURCE_COLUMNS = ("CpuUsageRate(%)", "MemoryUsageRate(%)")
RESOURCE_BASELINE = timedelta(minutes=30)
RESOURCE_AFTER = timedelta(minutes=4)


def minute_traces(files: MinuteFiles) -> list[Trace]:
    """The minute's spans in the ``get_traces`` shape :func:`period_signals` reads."""
    traces: dict[str, Trace] = {}
    for doc in span_documents(files.trace, ""):
        trace = traces.setdefault(doc["traceId"], {"trace_id": doc["traceId"], "spans": []})
        trace["spans"].append(
            {
                "span_id": doc["spanId"],
                "parent_span_id": doc["parentSpanId"],
                "service": doc["serviceName"],
                "operation": doc["name"],
                "kind": doc["kind"],
                "duration_ms": doc["durationInNanos"] / 1e6,
                "start": doc["startTime"],
            }
        )
    return list(traces.values())


def minute_lines(files: MinuteFiles) -> list[LogLine]:
    return [
        LogLine(
            service_of_pod(row["PodName"]),
            row["SpanID"],
            app_line(row["Log"])[0],
            row["Timestamp"],
        )
        for row in rows(files.log)
    ]


def minute_signals(files: MinuteFiles, book: TemplateBook) -> PeriodSignals:
    return period_signals(minute_traces(files), minute_lines(files), book)


def pod_samples(root: Path) -> dict[str, dict[str, list[tuple[float, float]]]]:
    """Per pod and resource column: (epoch seconds, value) of every metric file."""
    samples: dict[str, dict[str, list[tuple[float, float]]]] = defaultdict(
        lambda: defaultdict(list)
    )
    for path in sorted(root.glob("rca_data/*/metric/*_metric.csv")):
        for row in rows(path):
            for column in RESOURCE_COLUMNS:
                value = float_cell(row.get(column))
                if value is not None:
                    samples[row["PodName"]][column].append((float(row["TimeStamp"]), value))
    return samples


def case_resources(
    case: NezhaCase, samples: dict[str, dict[str, list[tuple[float, float]]]]
) -> ResourceSamples:
    """Per service and column: samples of the half hour before the injection, and after it."""
    at = case.inject_time.timestamp()
    found: dict[str, dict[str, tuple[list[float], list[float]]]] = defaultdict(dict)
    for pod, columns in samples.items():
        for column, points in columns.items():
            before = [v for t, v in points if at - RESOURCE_BASELINE.total_seconds() <= t < at]
            after = [v for t, v in points if at < t <= at + RESOURCE_AFTER.total_seconds()]
            if before and after:
                found[service_of_pod(pod)][column] = (before, after)
    return found


@dataclass(frozen=True)
class OfflineResult:
    case: NezhaCase
    rank: int | None
    ranked: list[Candidate]
    inner_label: str | None
    inner_rank: int | None
    """Position of the first evidence of the true service that matches the inner label."""
    seconds: float
    cpu_seconds: float
    """Wall-clock and CPU time to read, mine and rank the fault's minute."""


def evaluate_offline(root: Path) -> list[OfflineResult]:
    """Rank every labelled fault of ``root`` against its trailing minutes."""
    labels = inner_labels(root)
    book = TemplateBook()
    baselines = [minute_signals(files, book) for files in reference_minutes(root)]
    samples = pod_samples(root)
    results = []
    for case in load_cases(root):
        started, cpu_started = time.perf_counter(), time.process_time()
        period = minute_signals(case.files, book)
        found = period_findings(period, baselines, case_resources(case, samples), book)
        ranked = rank_findings(found, period.edges)
        seconds = time.perf_counter() - started
        cpu_seconds = time.process_time() - cpu_started
        # Later faults see this minute as part of their past, but not as normal for the
        # service it blames (the reports also keep out the other services of an incident:
        # the files have no detectors to say which those are).
        baselines.append(replace(period, blamed=frozenset(c.service for c in ranked[:1])))
        services = [r.service for r in ranked]
        truth = case.root_cause_service
        rank = services.index(truth) + 1 if truth in services else None
        label = labels.get(truth, {}).get(case.fault_type)
        inner = inner_position(label, ranked[rank - 1].evidence) if rank is not None else None
        results.append(OfflineResult(case, rank, ranked, label, inner, seconds, cpu_seconds))
    return results
