"""A real Prometheus (Debian's package) on loopback, with history backfilled by ``promtool``.

History is written as OpenMetrics text and turned into TSDB blocks with
``promtool tsdb create-blocks-from openmetrics`` before Prometheus starts (blocks added to a
running server are only picked up later, so :meth:`PrometheusBackend.backfill` restarts it).
Recent minutes come from scraping: Prometheus scrapes itself, and any exporter that drops a
target file into :attr:`PrometheusBackend.targets_dir` (file-based service discovery).
Given ``rules`` (a rule file's text) and an ``alertmanager`` (host:port), it evaluates the
rules and sends their alerts there.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Sequence
from pathlib import Path

import yaml

from opslens.devstack.process import BackendStartError, LoopbackServer, ManagedProcess, progress
from opslens.scenarios.loaders.prometheus import PromtoolBackfill, delete_series

SCRAPE_INTERVAL = "5s"
START_TIMEOUT_S = 60.0
ALERT_RESEND_DELAY = "5s"


def prometheus_binaries() -> tuple[str, str]:
    """Paths of ``prometheus`` and ``promtool``; ``make`` installs them from Debian."""
    prometheus = shutil.which("prometheus")
    promtool = shutil.which("promtool")
    if not prometheus or not promtool:
        raise BackendStartError(
            "prometheus and promtool are not installed; run "
            "'bash devstack/install-system-packages.sh' (Debian package 'prometheus')"
        )
    return prometheus, promtool


class PrometheusBackend(LoopbackServer):
    """One Prometheus server with its config, TSDB and logs under ``workdir``."""

    name = "prometheus"

    def __init__(
        self, workdir: Path, port: int, rules: str | None = None, alertmanager: str | None = None
    ) -> None:
        self.workdir = workdir
        self.port = port
        self.rules = rules
        self.alertmanager = alertmanager
        self.tsdb_dir = workdir / "tsdb"
        self.targets_dir = workdir / "targets"
        self.config_path = workdir / "prometheus.yml"
        self.rules_path = workdir / "rules" / "opslens-alerts.rules.yml"
        self._binary, self._promtool = prometheus_binaries()
        self._process = ManagedProcess(
            "prometheus",
            [
                self._binary,
                f"--config.file={self.config_path}",
                f"--storage.tsdb.path={self.tsdb_dir}",
                f"--web.listen-address=127.0.0.1:{port}",
                "--web.enable-lifecycle",
                "--web.enable-admin-api",  # re-seeding deletes the series it wrote before
                # Backfilled scenarios and imported datasets can be old: keep everything.
                "--storage.tsdb.retention.time=100y",
                "--log.level=warn",
                # Alerts go to Alertmanager again every 5s (default 1m): one found moments
                # after the first evaluation gets them at once.
                f"--rules.alert.resend-delay={ALERT_RESEND_DELAY}",
            ],
            workdir / "prometheus.log",
            ports=(port,),
        )

    def _write_config(self) -> None:
        self.targets_dir.mkdir(parents=True, exist_ok=True)
        config: dict[str, object] = {
            "global": {"scrape_interval": SCRAPE_INTERVAL, "evaluation_interval": SCRAPE_INTERVAL},
            "scrape_configs": [
                {
                    "job_name": "prometheus",
                    "static_configs": [{"targets": [f"127.0.0.1:{self.port}"]}],
                },
                {
                    "job_name": "opslens-exporters",
                    "honor_labels": True,
                    "file_sd_configs": [
                        {"files": [str(self.targets_dir / "*.json")], "refresh_interval": "5s"}
                    ],
                },
            ],
        }
        if self.rules is not None:
            self.rules_path.parent.mkdir(parents=True, exist_ok=True)
            self.rules_path.write_text(self.rules, encoding="utf-8")
            config["rule_files"] = [str(self.rules_path)]
        if self.alertmanager is not None:
            targets = [{"targets": [self.alertmanager]}]
            config["alerting"] = {"alertmanagers": [{"static_configs": targets}]}
        self.config_path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")

    def start(self) -> None:
        """Start Prometheus and wait until ``/-/ready`` answers."""
        self.workdir.mkdir(parents=True, exist_ok=True)
        self._write_config()
        self._process.start()
        self._process.wait_ready(self._ready, START_TIMEOUT_S)

    def add_scrape_target(
        self, job: str, address: str, labels: dict[str, str] | None = None
    ) -> None:
        """Have Prometheus scrape ``address`` (host:port) under ``job`` from now on.

        Scraped labels win (``honor_labels``): a series exposing its own ``job`` keeps it, and
        one exposing ``job=""`` gets none, so an exporter can continue backfilled series.
        """
        self.targets_dir.mkdir(parents=True, exist_ok=True)
        entry = [{"targets": [address], "labels": {"job": job, **(labels or {})}}]
        path = self.targets_dir / f"{job}.json"
        temporary = path.with_suffix(".tmp")
        temporary.write_text(json.dumps(entry), encoding="utf-8")
        temporary.replace(path)

    def remove_scrape_target(self, job: str) -> None:
        """Stop scraping what :meth:`add_scrape_target` added under ``job``."""
        (self.targets_dir / f"{job}.json").unlink(missing_ok=True)

    def backfill(self, openmetrics_file: Path, replacing: Sequence[str] = ()) -> None:
        """Turn OpenMetrics text into blocks in the TSDB, after deleting the series matching
        ``replacing``; restart so queries see them at once."""
        was_running = self.alive()
        if replacing:
            if not was_running:
                self.start()
            try:
                delete_series(self.url, replacing)
            except RuntimeError as exc:
                raise BackendStartError(str(exc)) from None
        if was_running or replacing:
            self.stop()
        progress(f"prometheus: backfilling {openmetrics_file.name}")
        try:
            PromtoolBackfill(self.tsdb_dir, self._promtool).backfill(openmetrics_file)
        except RuntimeError as exc:
            raise BackendStartError(f"could not backfill {openmetrics_file.name}: {exc}") from None
        if was_running:
            self.start()
