"""Metrics history into Prometheus: whoever runs Prometheus decides how blocks get in.

:class:`MetricsSink` is the one method the seeder needs. The devstack's ``PrometheusBackend``
already has it (``backfill`` runs promtool into its TSDB and restarts the server);
:class:`PromtoolBackfill` writes blocks into any TSDB directory, for a Prometheus that picks
them up itself.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Protocol


class MetricsSink(Protocol):
    def backfill(self, openmetrics_file: Path) -> None:
        """Make the samples of ``openmetrics_file`` queryable."""


class PromtoolBackfill:
    """``promtool tsdb create-blocks-from openmetrics FILE TSDB_DIR``."""

    def __init__(self, tsdb_dir: Path, promtool: str | None = None) -> None:
        self.tsdb_dir = Path(tsdb_dir)
        found = promtool or shutil.which("promtool")
        if not found:
            raise RuntimeError("promtool is not installed (Debian package 'prometheus')")
        self.promtool = found

    def backfill(self, openmetrics_file: Path) -> None:
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
