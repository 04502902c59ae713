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
    "port_holder",
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


_HANDED_OUT: set[int] = set()


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free right now and not handed out before by this process.

    The kernel only avoids ports that are bound: a port returned earlier whose backend has not
    started yet (etcd's, while kube-apiserver's waits) could come back, and two backends would
    then be given the same port.
    """
    while True:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.bind(("127.0.0.1", 0))
            port = int(sock.getsockname()[1])
        if port not in _HANDED_OUT:
            _HANDED_OUT.add(port)
            return port


def port_in_use(port: int) -> bool:
    """True when something already listens on 127.0.0.1:``port``."""
    if _PROC_NET.exists():
        return _listening_inode(port) is not None
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


_PROC_NET = Path("/proc/net")
_TCP_LISTEN = "0A"
# Local addresses in /proc/net/tcp{,6} that take 127.0.0.1's port: loopback and "any".
_LOOPBACK_OR_ANY = {
    "0100007F",
    "00000000",
    "00000000000000000000000001000000",
    "00000000000000000000000000000000",
    "0000000000000000FFFF00000100007F",
}


def _listening_inode(port: int) -> str | None:
    """The inode of a socket listening on ``port`` on loopback or any address (Linux), else None.

    Read from ``/proc/net/tcp{,6}`` rather than probed with a connect: a probe's own socket can
    be given ``port`` as its local port and connect to itself, which looks like a listener.
    """
    for table in ("tcp", "tcp6"):
        with contextlib.suppress(OSError):
            for line in (_PROC_NET / table).read_text().splitlines()[1:]:
                fields = line.split()
                address, _, hex_port = fields[1].partition(":")
                if (
                    fields[3] == _TCP_LISTEN
                    and int(hex_port, 16) == port
                    and address in _LOOPBACK_OR_ANY
                ):
                    return fields[9]
    return None


def port_holder(port: int) -> str:
    """Who listens on ``port``: "pid 123 (prometheus)" if it can be told, else "another process"."""
    inode = _listening_inode(port) if _PROC_NET.exists() else None
    if inode is None:
        return "another process"
    target = f"socket:[{inode}]"
    for fd_dir in Path("/proc").glob("[0-9]*/fd"):
        with contextlib.suppress(OSError):
            for fd in fd_dir.iterdir():
                if os.readlink(fd) == target:
                    pid = fd_dir.parent.name
                    command = (fd_dir.parent / "comm").read_text().strip()
                    return f"pid {pid} ({command})"
    return "another process"


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
        user: str | None = None,
        stop_signal: int = signal.SIGTERM,
    ) -> None:
        """``user`` runs the child as that system user (servers that refuse root, such as
        PostgreSQL); ``stop_signal`` is what :meth:`stop` sends first."""
        self.name = name
        self.user = user
        self.stop_signal = stop_signal
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
                f"{self.name}: port {taken[0]} on 127.0.0.1 is already in use by "
                f"{port_holder(taken[0])}"
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
                user=self.user,
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
        """Send the stop signal (SIGTERM) to the process group, then SIGKILL what is left
        after ``timeout`` seconds."""
        popen = self._popen
        if popen is None:
            return
        if popen.poll() is None:
            try:
                os.killpg(popen.pid, signal.SIGCONT)
                os.killpg(popen.pid, self.stop_signal)
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
