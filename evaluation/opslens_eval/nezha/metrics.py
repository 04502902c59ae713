"""Nezha's per-pod metric CSVs as OpenMetrics for a Prometheus backfill, with cAdvisor names.

Each row is one minute of one pod (``TimeStamp``: epoch seconds, UTC). CPU and network are
rates in the CSV; cAdvisor exports counters, so they are integrated over the minute between
rows (``rate()`` then gives the CSV's values back). Memory is a gauge. The rest, which has no
cAdvisor name (latency percentiles as the mesh measured them, workload, success rate), keeps
a ``nezha_pod_*`` name so it stays queryable. ``NaN`` cells are left out.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

from opslens.reports.naming import service_of_pod
from opslens.scenarios.openmetrics import OpenMetricsWriter, number, render_labels
from opslens_eval.nezha.documents import rows

MIB = 2**20


@dataclass(frozen=True)
class Column:
    """How a CSV column is exported: metric name, type, scale, and whether it is integrated."""

    name: str
    kind: str
    scale: float = 1.0
    integrate: bool = False
    extra: tuple[tuple[str, str], ...] = ()


COLUMNS: dict[str, Column] = {
    "CpuUsage(m)": Column("container_cpu_usage_seconds_total", "counter", 1e-3, integrate=True),
    "MemoryUsage(Mi)": Column("container_memory_working_set_bytes", "gauge", MIB),
    "NetworkReceiveBytes": Column(
        "container_network_receive_bytes_total", "counter", integrate=True
    ),
    "NetworkTransmitBytes": Column(
        "container_network_transmit_bytes_total", "counter", integrate=True
    ),
    "PodServerLatencyP90(s)": Column(
        "nezha_pod_server_latency_seconds", "gauge", extra=(("quantile", "0.9"),)
    ),
    "PodServerLatencyP95(s)": Column(
        "nezha_pod_server_latency_seconds", "gauge", extra=(("quantile", "0.95"),)
    ),
    "PodServerLatencyP99(s)": Column(
        "nezha_pod_server_latency_seconds", "gauge", extra=(("quantile", "0.99"),)
    ),
    "PodClientLatencyP90(s)": Column(
        "nezha_pod_client_latency_seconds", "gauge", extra=(("quantile", "0.9"),)
    ),
    "PodWorkload(Ops)": Column("nezha_pod_workload_ops", "gauge"),
    "PodSuccessRate(%)": Column("nezha_pod_success_ratio", "gauge", 0.01),
}


def float_cell(text: str | None) -> float | None:
    try:
        value = float(text) if text not in (None, "") else None
    except ValueError:
        return None
    return value if value is not None and math.isfinite(value) else None


def write_pod_metrics(path: Path, writer: OpenMetricsWriter, namespace: str) -> int:
    """Append one pod file's samples to ``writer``; returns the samples written."""
    written = 0
    totals: dict[str, float] = {}
    previous: float | None = None
    for row in sorted(rows(path), key=lambda r: int(r["TimeStamp"])):
        stamp = int(row["TimeStamp"])
        pod = row["PodName"]
        labels = {
            "namespace": namespace,
            "pod": pod,
            "container": service_of_pod(pod),
            "service": service_of_pod(pod),
        }
        gap = 60.0 if previous is None else max(stamp - previous, 1)
        previous = stamp
        for column, spec in COLUMNS.items():
            value = float_cell(row.get(column))
            if spec.integrate:
                totals[column] = totals.get(column, 0.0) + (value or 0.0) * spec.scale * gap
                value = totals[column]
            elif value is not None:
                value *= spec.scale
            if value is None:
                continue
            text = render_labels({**labels, **dict(spec.extra)})
            writer.family(spec.name.removesuffix("_total"), spec.kind).write(
                f"{spec.name}{text} {number(value)} {stamp}\n"
            )
            written += 1
    return written
