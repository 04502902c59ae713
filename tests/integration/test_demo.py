"""``opslens demo`` as a person runs it: everything comes up on the usual ports, a question is
answered from the seeded incident, and SIGTERM (a service manager, ``kill``) stops every process
it started, as Ctrl-C does.

The demo uses fixed ports (the backends' usual ones, 8100-8105 and 8501): nothing else in the
suite uses them, and the test refuses to start when something on the machine does.
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from opslens.demo import demo_services, live_metrics_service
from opslens.devstack.stack import StackPorts
from opslens.scenarios.model import load_scenario
from opslens.scenarios.seed import scenario_path
from tests.integration.processes import command_line, descendants, pid_exists

pytestmark = pytest.mark.integration
READY_LINE = "opslens is running"
START_TIMEOUT_S = 600  # cold JVM and a busy two-core machine; warm it takes about a minute
STOP_TIMEOUT_S = 90
QUESTION = "order-service의 에러 로그와 관련된 트레이스를 찾아서 분석해줘"


def demo_ports() -> list[int]:
    backends = StackPorts()
    services = [*demo_services(sys.executable), live_metrics_service(sys.executable, Path(), "")]
    return [
        backends.prometheus,
        backends.alertmanager,
        backends.opensearch,
        backends.kubernetes,
    ] + [service.port for service in services]


def in_use(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


class Demo:
    """``opslens demo`` as a child process, its output read line by line."""

    def __init__(self, root: Path) -> None:
        env = {**os.environ, "OPSLENS_DEVSTACK_DIR": str(root), "PYTHONUNBUFFERED": "1"}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "opslens.cli", "demo"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        self.lines: queue.Queue[str] = queue.Queue()
        self.output: list[str] = []
        self.seen: set[int] = set()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.put(line)

    def children(self) -> list[int]:
        """The processes the demo runs now (remembered: orphans are no longer below it)."""
        found = descendants(self.process.pid)
        self.seen.update(found)
        return found

    def wait_for(self, text: str, timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=1)
            except queue.Empty:
                assert self.process.poll() is None, "the demo exited:\n" + "".join(self.output)
                continue
            self.output.append(line)
            if text in line:
                return
        raise AssertionError(f"no {text!r} within {timeout_s}s:\n" + "".join(self.output))


@pytest.fixture
def demo(tmp_path: Path) -> Iterator[Demo]:
    busy = [port for port in demo_ports() if in_use(port)]
    assert not busy, f"the demo's ports are in use (a demo running?): {busy}"
    running = Demo(tmp_path / "devstack")
    try:
        yield running
    finally:
        # Only after a failure is anything left: kill it, so the rest of the suite runs.
        for pid in [running.process.pid, *running.seen, *descendants(running.process.pid)]:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)


def test_the_demo_answers_then_stops_everything_on_sigterm(demo: Demo, tmp_path: Path) -> None:
    demo.wait_for(READY_LINE, START_TIMEOUT_S)
    started = demo.children()
    names = [command_line(pid) for pid in started]
    assert any("prometheus --config.file" in name for name in names)
    assert any("serve agent" in name for name in names) and any(
        "streamlit" in name for name in names
    )

    # The seeded incident answers; state.json names the Prometheus running now (seeding
    # restarted it), so `opslens devstack down` from another shell stops the right one.
    fault = next(f for f in load_scenario(scenario_path()).faults if f.type == "dependency_down")
    body = httpx.post(
        "http://127.0.0.1:8100/v1/ask", json={"question": QUESTION}, timeout=120
    ).json()
    assert body["language"] == "ko" and body["correlation"]["root_cause"] == fault.target
    assert httpx.get("http://127.0.0.1:8501/_stcore/health", timeout=10).status_code == 200
    state = json.loads((tmp_path / "devstack" / "state.json").read_text(encoding="utf-8"))
    [prometheus_pid] = state["backends"]["prometheus"]["pids"]
    assert "prometheus --config.file" in command_line(prometheus_pid)

    demo.process.send_signal(signal.SIGTERM)
    assert demo.process.wait(timeout=STOP_TIMEOUT_S) == 0
    left = [f"{pid} {command_line(pid)}" for pid in started if pid_exists(pid)]
    assert not left, left
    assert not [port for port in demo_ports() if in_use(port)]
    assert not (tmp_path / "devstack" / "state.json").exists()
