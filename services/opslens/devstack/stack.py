"""The three local backends together: build what is missing, start, record, stop.

``opslens devstack up`` starts Prometheus (with opslens' alert rules), Alertmanager (routing
to opslens' receiver), OpenSearch and kube-apiserver (with etcd), and with ``--with postgres``
a PostgreSQL for the state several replicas share, under one
folder (``.devstack/`` by default), detached, and records their URLs and process ids in
``state.json`` and the settings the servers need in ``env`` (``OPSLENS_*=...`` lines), so that
``status`` and ``down`` work from another process. Tests use :class:`DevStack` in-process.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Protocol

from opslens.alerts.files import rule_file_text
from opslens.devstack.alertmanager import AlertmanagerBackend, Route
from opslens.devstack.kubeapi import KubeApiBackend, ensure_kube_binaries
from opslens.devstack.opensearch import OpenSearchBackend, ensure_opensearch_launcher
from opslens.devstack.postgres import PostgresBackend
from opslens.devstack.process import free_port, progress
from opslens.devstack.prometheus import PrometheusBackend

BACKEND_NAMES = ("prometheus", "alertmanager", "opensearch", "kubernetes")
OPTIONAL_BACKENDS = ("postgres",)  # started only when asked for (``--with postgres``)


class Backend(Protocol):
    @property
    def url(self) -> str: ...

    def start(self) -> None: ...

    def stop(self) -> None: ...

    def alive(self) -> bool: ...


@dataclass(frozen=True)
class StackPorts:
    """Ports of the backends; the demo uses the usual ones, tests pass free ones."""

    prometheus: int = 9090
    opensearch: int = 9200
    kubernetes: int = 6443
    alertmanager: int = 9093
    postgres: int = 5432

    @classmethod
    def free(cls) -> StackPorts:
        return cls(
            prometheus=free_port(),
            opensearch=free_port(),
            kubernetes=free_port(),
            alertmanager=free_port(),
            postgres=free_port(),
        )


@dataclass
class BackendRecord:
    url: str
    pids: list[int] = field(default_factory=list)
    stop_signal: int = signal.SIGTERM


@dataclass
class StackState:
    """What ``up`` leaves in ``state.json`` for ``status`` and ``down``."""

    backends: dict[str, BackendRecord]
    env: dict[str, str]
    started_at: float

    def write(self, path: Path) -> None:
        path.write_text(json.dumps(asdict(self), indent=2), encoding="utf-8")
        path.chmod(0o600)  # env holds the Postgres password when it runs

    @classmethod
    def read(cls, path: Path) -> StackState | None:
        if not path.is_file():
            return None
        raw = json.loads(path.read_text(encoding="utf-8"))
        backends = {name: BackendRecord(**record) for name, record in raw["backends"].items()}
        return cls(backends=backends, env=raw["env"], started_at=raw["started_at"])


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _pids_of(backend: object) -> list[int]:
    pids = getattr(backend, "pids", None)
    if pids is None:
        pid = getattr(backend, "pid", None)
        pids = [pid] if pid else []
    return [int(pid) for pid in pids if pid]


class DevStack:
    """Prometheus, Alertmanager, OpenSearch and kube-apiserver under ``root``, PostgreSQL too
    when asked; ``route`` is where Alertmanager sends alerts (default: the demo's reports
    service)."""

    def __init__(
        self,
        root: Path,
        ports: StackPorts | None = None,
        route: Route | None = None,
        *,
        with_postgres: bool = False,
    ) -> None:
        self.root = root
        self.ports = ports or StackPorts()
        self.state_path = root / "state.json"
        self.env_path = root / "env"
        self.alertmanager = AlertmanagerBackend(
            root / "alertmanager", self.ports.alertmanager, route
        )
        self.prometheus = PrometheusBackend(
            root / "prometheus",
            self.ports.prometheus,
            rules=rule_file_text(),
            alertmanager=f"127.0.0.1:{self.ports.alertmanager}",
        )
        self.opensearch = OpenSearchBackend(root / "opensearch", self.ports.opensearch)
        self.kubernetes = KubeApiBackend(root / "kubernetes", self.ports.kubernetes)
        self.postgres = (
            PostgresBackend(root / "postgres", self.ports.postgres) if with_postgres else None
        )

    @property
    def backends(self) -> dict[str, Backend]:
        backends: dict[str, Backend] = {
            "prometheus": self.prometheus,
            "alertmanager": self.alertmanager,
            "opensearch": self.opensearch,
            "kubernetes": self.kubernetes,
        }
        if self.postgres is not None:
            backends["postgres"] = self.postgres
        return backends

    def env(self) -> dict[str, str]:
        """The settings that point opslens servers at these backends."""
        env = {
            "OPSLENS_PROMETHEUS_URL": self.prometheus.url,
            "OPSLENS_DEVSTACK_ALERTMANAGER_URL": self.alertmanager.url,
            "OPSLENS_OPENSEARCH_URL": self.opensearch.url,
            "OPSLENS_KUBE_KUBECONFIG": str(self.kubernetes.readonly_kubeconfig_path),
            "OPSLENS_DEVSTACK_ADMIN_KUBECONFIG": str(self.kubernetes.kubeconfig_path),
            "OPSLENS_DEVSTACK_PROMETHEUS_DIR": str(self.prometheus.workdir),
        }
        if self.postgres is not None:
            env["OPSLENS_AGENT_CHECKPOINT_URL"] = self.postgres.url
            env["OPSLENS_REPORTS_STORE_URL"] = self.postgres.url
        return env

    @staticmethod
    def build() -> None:
        """Build (or find in the cache) OpenSearch's launcher and the Kubernetes binaries."""
        with ThreadPoolExecutor(max_workers=2) as pool:
            opensearch = pool.submit(ensure_opensearch_launcher, progress)
            kube = pool.submit(ensure_kube_binaries, progress)
            opensearch.result()
            kube.result()

    def up(self) -> StackState:
        """Build what is missing, start the backends (in parallel), wait, record the state."""
        self.root.mkdir(parents=True, exist_ok=True)
        self.build()
        started = time.monotonic()
        with ThreadPoolExecutor(max_workers=len(self.backends)) as pool:
            futures = {name: pool.submit(backend.start) for name, backend in self.backends.items()}
            errors = []
            for name, future in futures.items():
                try:
                    future.result()
                except Exception as exc:  # noqa: BLE001 - collected and raised together below
                    errors.append(f"{name}: {exc}")
        if errors:
            self.down()
            raise RuntimeError("the devstack did not start:\n" + "\n".join(errors))
        progress(f"all backends ready in {time.monotonic() - started:.1f}s")
        return self.record()

    def record(self) -> StackState:
        """Write ``state.json`` (the backends' process groups) and the ``env`` file; again
        whenever a backend restarted, so another process can stop them."""
        state = StackState(
            backends={
                name: BackendRecord(
                    url=getattr(backend, "public_url", backend.url),
                    pids=_pids_of(backend),
                    stop_signal=getattr(
                        getattr(backend, "process", None), "stop_signal", signal.SIGTERM
                    ),
                )
                for name, backend in self.backends.items()
            },
            env=self.env(),
            started_at=time.time(),
        )
        state.write(self.state_path)
        self.env_path.write_text(
            "".join(f"{key}={value}\n" for key, value in state.env.items()), encoding="utf-8"
        )
        self.env_path.chmod(0o600)  # holds the Postgres password when it runs
        return state

    def down(self) -> None:
        """Stop the backends this object started, and any recorded in ``state.json``."""
        for backend in self.backends.values():
            backend.stop()
        stop_recorded(self.state_path)


def stop_recorded(state_path: Path, timeout: float = 20.0) -> None:
    """Stop the process groups recorded by an ``up`` in another process."""
    state = StackState.read(state_path)
    if state is None:
        return
    pids = [pid for record in state.backends.values() for pid in record.pids]
    for record in state.backends.values():
        for pid in record.pids:
            for signum in (signal.SIGCONT, record.stop_signal):
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(pid, signum)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and any(_pid_alive(pid) for pid in pids):
        time.sleep(0.2)
    for pid in pids:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pid, signal.SIGKILL)
    state_path.unlink(missing_ok=True)


def recorded_status(state_path: Path) -> dict[str, dict[str, object]]:
    """Each recorded backend's URL and whether all its processes still run."""
    state = StackState.read(state_path)
    if state is None:
        return {}
    return {
        name: {"url": record.url, "running": all(_pid_alive(pid) for pid in record.pids)}
        for name, record in state.backends.items()
    }
