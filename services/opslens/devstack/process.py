"""Child processes for the local backends: start in their own process group, wait, stop.

Every backend of the devstack (Prometheus, OpenSearch, kube-apiserver, etcd) is one
:class:`ManagedProcess`. Its output goes to a log file of ours; when it fails to become ready
the error carries the tail of that log, so a broken start explains itself.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx

__all__ = [
    "BackendStartError",
    "LoopbackServer",
    "ManagedProcess",
    "cache_dir",
    "free_port",
    "port_in_use",
    "progress",
]


class BackendStartError(RuntimeError):
    """A backend did not start or did not become ready in time."""


def cache_dir() -> Path:
    """Where built binaries and downloaded artifacts are kept between runs.

    ``$OPSLENS_CACHE_DIR`` or ``~/.cache/opslens``; outside the repository so that a fresh
    clone (as CI makes) reuses what an earlier run built on the same machine.
    """
    configured = os.environ.get("OPSLENS_CACHE_DIR")
    path = Path(configured) if configured else Path.home() / ".cache" / "opslens"
    path.mkdir(parents=True, exist_ok=True)
    return path


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def port_in_use(port: int) -> bool:
    """True when something already listens on 127.0.0.1:``port``."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def progress(message: str) -> None:
    """Print one progress line for a long step (builds, starts) to stderr."""
    print(f"[opslens devstack] {message}", file=sys.stderr, flush=True)


def _tail(path: Path, lines: int = 40) -> str:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return "(no log)"
    return "\n".join(text.splitlines()[-lines:])


class ManagedProcess:
    """One child process in its own process group, with stdout and stderr in a log file."""

    def __init__(
        self,
        name: str,
        argv: list[str],
        log_path: Path,
        env: dict[str, str] | None = None,
        cwd: Path | None = None,
        ports: tuple[int, ...] = (),
    ) -> None:
        self.name = name
        self.ports = ports
        self.argv = argv
        self.log_path = log_path
        self.env = env
        self.cwd = cwd
        self._popen: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int | None:
        return self._popen.pid if self._popen else None

    def start(self) -> None:
        """Start the process (a no-op when it is already running)."""
        if self.alive():
            return
        taken = [port for port in self.ports if port_in_use(port)]
        if taken:
            # Otherwise the readiness probe would talk to whatever holds the port.
            raise BackendStartError(
                f"{self.name}: port {taken[0]} on 127.0.0.1 is already in use by another process"
            )
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        env = {**os.environ, **(self.env or {})}
        with self.log_path.open("ab") as log:
            self._popen = subprocess.Popen(
                self.argv,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env=env,
                cwd=self.cwd,
                start_new_session=True,
            )

    def alive(self) -> bool:
        """True while the process runs (a stopped, i.e. SIGSTOPped, process counts as alive)."""
        return self._popen is not None and self._popen.poll() is None

    def wait_ready(self, probe: Callable[[], bool], timeout: float) -> None:
        """Poll ``probe`` until it returns True; raise with the log tail on exit or timeout."""
        deadline = time.monotonic() + timeout
        delay = 0.05
        while time.monotonic() < deadline:
            if not self.alive():
                code = self._popen.returncode if self._popen else None
                raise BackendStartError(
                    f"{self.name} exited with code {code} before it was ready; "
                    f"log {self.log_path}:\n{_tail(self.log_path)}"
                )
            try:
                if probe():
                    return
            except Exception:  # noqa: BLE001 - a probe failing means "not ready yet"
                pass
            time.sleep(delay)
            delay = min(delay * 1.5, 0.5)
        raise BackendStartError(
            f"{self.name} was not ready within {timeout:.0f}s; "
            f"log {self.log_path}:\n{_tail(self.log_path)}"
        )

    def signal(self, signum: int) -> None:
        """Send a signal to the whole process group (used by fault tests: SIGSTOP, SIGKILL)."""
        if self._popen is not None and self._popen.poll() is None:
            os.killpg(self._popen.pid, signum)

    def stop(self, timeout: float = 10.0) -> None:
        """SIGTERM the process group, then SIGKILL what is left after ``timeout`` seconds."""
        popen = self._popen
        if popen is None:
            return
        if popen.poll() is None:
            try:
                os.killpg(popen.pid, signal.SIGCONT)
                os.killpg(popen.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                popen.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(popen.pid, signal.SIGKILL)
                popen.wait(timeout=timeout)
        # Children that outlived the leader (same group) go too.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(popen.pid, signal.SIGKILL)
        self._popen = None


class LoopbackServer:
    """A backend that is one :class:`ManagedProcess` serving HTTP on ``127.0.0.1:port``, ready
    when ``ready_path`` answers 200 (Prometheus and Alertmanager: ``/-/ready``)."""

    port: int
    _process: ManagedProcess
    ready_path = "/-/ready"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int | None:
        return self._process.pid

    @property
    def process(self) -> ManagedProcess:
        return self._process

    def _ready(self) -> bool:
        return httpx.get(f"{self.url}{self.ready_path}", timeout=1).status_code == 200

    def alive(self) -> bool:
        return self._process.alive()

    def stop(self) -> None:
        self._process.stop()
