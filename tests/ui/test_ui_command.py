"""``opslens ui`` serves the UI from an installed (non-editable) package, not only a checkout.

The project is built into a wheel and installed into a folder of its own, which comes first on
the path; the command runs from an empty folder, and the page is opened in Chromium.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from opslens.devstack.process import ManagedProcess, free_port
from tests.ui.browser import assert_no_exception, chromium_page, serving_ui, wait_until_idle
from tests.ui.helpers import APP_PATH

REPO_ROOT = APP_PATH.parents[2]


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The project's wheel, installed (without its dependencies) into a folder of its own."""
    wheels, site = tmp_path_factory.mktemp("wheel"), tmp_path_factory.mktemp("site")
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
    subprocess.run([*pip, "wheel", "--no-deps", "-w", str(wheels), str(REPO_ROOT)], check=True)
    [wheel] = wheels.glob("opslens-*.whl")
    subprocess.run([*pip, "install", "--no-deps", "--target", str(site), str(wheel)], check=True)
    return site


@pytest.fixture
def ui_command(installed: Path, closed_agent_url: str, tmp_path: Path) -> Iterator[ManagedProcess]:
    port = free_port()
    argv = [sys.executable, "-m", "opslens.cli", "ui", "--port", str(port)]
    argv += ["--agent-url", closed_agent_url]
    env = {"PYTHONPATH": str(installed)}
    process = ManagedProcess("ui", argv, tmp_path / "ui.log", env=env, ports=(port,), cwd=tmp_path)
    with serving_ui(process, port):
        yield process


def test_the_ui_command_serves_the_installed_app(
    ui_command: ManagedProcess, installed: Path, closed_agent_url: str
) -> None:
    [port] = ui_command.ports
    cmdline = Path(f"/proc/{ui_command.pid}/cmdline").read_bytes().split(b"\0")
    assert str(installed / "opslens_ui" / "app.py").encode() in cmdline, cmdline
    with chromium_page() as page:
        page.goto(f"http://127.0.0.1:{port}/", wait_until="domcontentloaded")
        page.wait_for_selector('[data-testid="stChatInput"]', timeout=60_000)
        wait_until_idle(page, 60_000)
        assert_no_exception(page)
        body = page.inner_text("body")
    assert "not reachable" in body and closed_agent_url in body


def test_the_installed_package_carries_the_shipped_scenarios(
    installed: Path, tmp_path: Path
) -> None:
    """``opslens demo`` seeds a shipped scenario: an installed package finds it in itself."""
    code = "from opslens.scenarios.seed import scenario_path; print(scenario_path())"
    found = subprocess.run(
        [sys.executable, "-c", code],
        env={"PYTHONPATH": str(installed)},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert Path(found).is_relative_to(installed)
    assert Path(found).read_text() == (REPO_ROOT / "scenarios" / Path(found).name).read_text()
