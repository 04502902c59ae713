"""opslens servers as separate processes (``opslens serve ...``), as replicas are: each with its
own settings from the environment, all sharing one Postgres."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from opslens.devstack.process import ManagedProcess, free_port

START_TIMEOUT_S = 60.0


@dataclass(frozen=True)
class Replica:
    process: ManagedProcess
    url: str
    pid: int


@contextmanager
def replica(server: str, env: dict[str, str], log_dir: Path, name: str) -> Iterator[Replica]:
    """``opslens serve <server>`` on a free port, as its own process, until the block ends."""
    port = free_port()
    argv = [sys.executable, "-m", "opslens.cli", "serve", server, "--port", str(port)]
    process = ManagedProcess(name, argv, log_dir / f"{name}.log", env=env, ports=(port,))
    url = f"http://127.0.0.1:{port}"
    process.start()
    try:
        process.wait_ready(
            lambda: httpx.get(f"{url}/healthz", timeout=2).status_code == 200, START_TIMEOUT_S
        )
        assert process.pid is not None
        yield Replica(process, url, process.pid)
    finally:
        process.stop()
