"""Every shipped scenario and the Nezha TrainTicket data in the session's real backends, and
the three MCP servers serving them over real HTTP (see :mod:`opslens_eval.testbed`).

Trace sampling is lowered to 1% of normal requests (errors and slow requests are always kept)
and INFO logs to 30%: the faults and the ground truth stay as they are and loading is several
times faster; ``bench/report_run.py`` runs the default demo as shipped. All metric history is
backfilled with a single Prometheus restart.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from opslens.devstack.kubeapi import KubeApiBackend
from opslens.devstack.opensearch import OpenSearchBackend
from opslens.devstack.prometheus import PrometheusBackend
from opslens.scenarios.loaders.prometheus import PromtoolBackfill
from opslens.scenarios.model import Sampling
from opslens_eval.seasonal import STEP_S, write_history
from opslens_eval.testbed import (
    NOLOGS_NAMESPACE,
    NOLOGS_PREFIX,
    ReportBackends,
    import_nezha_documents,
    seed_all,
    serving,
    without_logs,
)

TEST_SAMPLING = Sampling(traces=0.01, info_logs=0.3)


@pytest.fixture(scope="session")
def report_backends(
    prometheus_backend: PrometheusBackend,
    opensearch_backend: OpenSearchBackend,
    kube_backend: KubeApiBackend,
    shared_data: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[ReportBackends]:
    workdir = tmp_path_factory.mktemp("reports-data")
    blocks = PromtoolBackfill(prometheus_backend.tsdb_dir)  # picked up at the restart below
    scenarios = seed_all(
        opensearch_backend.url, kube_backend.kubeconfig_path, blocks, workdir, TEST_SAMPLING
    )
    nezha = import_nezha_documents(
        shared_data / "nezha-trainticket-all", opensearch_backend.url, workdir / "nezha"
    )
    nologs = import_nezha_documents(
        without_logs(shared_data / "nezha-trainticket", workdir / "nologs-data"),
        opensearch_backend.url,
        workdir / "nologs",
        NOLOGS_PREFIX,
        NOLOGS_NAMESPACE,
    )
    blocks.backfill(workdir / "nologs" / "metrics.om")
    end = (int(time.time()) // STEP_S - 10) * STEP_S  # ten minutes ago, on the step
    seasonal = write_history(workdir / "seasonal.om", end)
    blocks.backfill(workdir / "seasonal.om")
    prometheus_backend.backfill(workdir / "nezha" / "metrics.om")  # restarts Prometheus
    with serving(
        scenarios,
        nezha,
        prometheus_backend.url,
        opensearch_backend.url,
        kube_backend.readonly_kubeconfig_path,
        seasonal,
        nologs,
    ) as backends:
        yield backends
