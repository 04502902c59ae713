"""A real Alertmanager (Debian's ``prometheus-alertmanager``) on loopback, routing every alert
to opslens' receiver (``POST /v1/alerts`` on the reports service) as a webhook.

Clustering is off (no gossip port); the bearer token, when there is one, sits in a file of its
own next to the configuration (mode 0600), never in the configuration or a log.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import yaml

from opslens.alerts.payload import GROUP_BY
from opslens.devstack.process import BackendStartError, LoopbackServer, ManagedProcess

START_TIMEOUT_S = 30.0
RECEIVER = "opslens"
DEFAULT_RECEIVER_URL = "http://127.0.0.1:8104/v1/alerts"
"""The demo's reports service."""


def alertmanager_binary() -> str:
    """Path of Debian's ``prometheus-alertmanager``; ``make`` installs it."""
    binary = shutil.which("prometheus-alertmanager") or shutil.which("alertmanager")
    if not binary:
        raise BackendStartError(
            "alertmanager is not installed; run 'bash devstack/install-system-packages.sh' "
            "(Debian package 'prometheus-alertmanager')"
        )
    return binary


@dataclass(frozen=True)
class Route:
    """Where and how often alerts go: the webhook, its token, Alertmanager's timers."""

    url: str = DEFAULT_RECEIVER_URL
    token: str | None = None
    group_wait: str = "10s"
    group_interval: str = "1m"
    repeat_interval: str = "4h"


class AlertmanagerBackend(LoopbackServer):
    """One Alertmanager with its configuration, data and log under ``workdir``."""

    name = "alertmanager"

    def __init__(self, workdir: Path, port: int, route: Route | None = None) -> None:
        self.workdir = workdir
        self.port = port
        self.route = route or Route()
        self.config_path = workdir / "alertmanager.yml"
        self.token_path = workdir / "receiver-token"
        self._process = ManagedProcess(
            "alertmanager",
            [
                alertmanager_binary(),
                f"--config.file={self.config_path}",
                f"--storage.path={workdir / 'data'}",
                f"--web.listen-address=127.0.0.1:{port}",
                "--cluster.listen-address=",
                "--log.level=warn",
            ],
            workdir / "alertmanager.log",
            ports=(port,),
        )

    def config(self) -> dict[str, Any]:
        webhook: dict[str, Any] = {"url": self.route.url, "send_resolved": True}
        if self.route.token:
            webhook["http_config"] = {
                "authorization": {"type": "Bearer", "credentials_file": str(self.token_path)}
            }
        return {
            "route": {
                "receiver": RECEIVER,
                "group_by": list(GROUP_BY),
                "group_wait": self.route.group_wait,
                "group_interval": self.route.group_interval,
                "repeat_interval": self.route.repeat_interval,
            },
            "receivers": [{"name": RECEIVER, "webhook_configs": [webhook]}],
        }

    def _write_config(self) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        if self.route.token:
            descriptor = os.open(self.token_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(descriptor, "w", encoding="utf-8") as file:
                file.write(self.route.token)
        text = yaml.safe_dump(self.config(), sort_keys=False)
        self.config_path.write_text(text, encoding="utf-8")

    def start(self) -> None:
        """Start Alertmanager and wait until ``/-/ready`` answers."""
        self._write_config()
        self._process.start()
        self._process.wait_ready(self._ready, START_TIMEOUT_S)

    def route_to(self, route: Route) -> None:
        """Send alerts to ``route`` from now on (the running server reloads its config)."""
        self.route = route
        self._write_config()
        if self.alive():
            answer = httpx.post(f"{self.url}/-/reload", timeout=10)
            if answer.status_code != 200:
                raise BackendStartError(f"alertmanager refused its new config: {answer.text}")
