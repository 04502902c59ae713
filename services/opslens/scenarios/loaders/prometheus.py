"""Metrics history into Prometheus: whoever runs Prometheus decides how blocks get in.

:class:`MetricsSink` is the one method the seeder needs. The devstack's ``PrometheusBackend``
already has it (``backfill`` runs promtool into its TSDB and restarts the server);
:class:`PromtoolBackfill` writes blocks into any TSDB directory, for a Prometheus that picks
them up itself.

Re-seeding replaces: the series a scenario wrote before (its backfill and any live samples
scraped after it) are deleted through Prometheus' admin API (``--web.enable-admin-api``)
before the new blocks go in, so two histories never overlap with different counter values.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

import httpx


class MetricsSink(Protocol):
    def backfill(self, openmetrics_file: Path, replacing: Sequence[str] = ()) -> None:
        """Make the samples of ``openmetrics_file`` queryable, after deleting every series
        that matches a selector of ``replacing``."""


def delete_series(prometheus_url: str, selectors: Sequence[str]) -> None:
    """Delete every sample up to now of the series matching ``selectors``.

    The deletion ends now, not at the end of time: a series scraped again afterwards (the
    live tail) keeps its new samples.
    """
    if not selectors:
        return
    params = httpx.QueryParams([("match[]", selector) for selector in selectors])
    params = params.add("end", datetime.now(UTC).isoformat())
    url = f"{prometheus_url.rstrip('/')}/api/v1/admin/tsdb/delete_series"
    try:
        response = httpx.post(url, params=params, timeout=120)
    except httpx.HTTPError as exc:
        raise RuntimeError(f"could not delete the seeded series at {url}: {exc!r}") from None
    if response.status_code != 204:
        raise RuntimeError(
            f"could not delete the seeded series: HTTP {response.status_code} "
            f"{response.text[:300]} (Prometheus needs --web.enable-admin-api)"
        )


class PromtoolBackfill:
    """``promtool tsdb create-blocks-from openmetrics FILE TSDB_DIR``; with the URL of the
    Prometheus serving that TSDB, the series being replaced are deleted there first."""

    def __init__(
        self, tsdb_dir: Path, promtool: str | None = None, prometheus_url: str | None = None
    ) -> None:
        self.tsdb_dir = Path(tsdb_dir)
        self.prometheus_url = prometheus_url
        found = promtool or shutil.which("promtool")
        if not found:
            raise RuntimeError("promtool is not installed (Debian package 'prometheus')")
        self.promtool = found

    def backfill(self, openmetrics_file: Path, replacing: Sequence[str] = ()) -> None:
        if replacing and self.prometheus_url:
            delete_series(self.prometheus_url, replacing)
        self.tsdb_dir.mkdir(parents=True, exist_ok=True)
        result = subprocess.run(
            [
                self.promtool,
                "tsdb",
                "create-blocks-from",
                "openmetrics",
                str(openmetrics_file),
                str(self.tsdb_dir),
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            raise RuntimeError(f"promtool failed: {(result.stderr or result.stdout)[-2000:]}")
