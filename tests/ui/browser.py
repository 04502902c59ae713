"""The UI as a person gets it: ``streamlit run`` on a free port, opened in headless Chromium.

Chromium is Debian's (``devstack/install-browser-packages.sh``), driven by Playwright, which
never downloads a browser of its own here.
"""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import httpx
from playwright.sync_api import Page, sync_playwright

from opslens.devstack.process import ManagedProcess, free_port
from opslens_ui.launch import streamlit_command
from tests.ui.helpers import APP_PATH

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORT = {"width": 1400, "height": 2400}  # tall: Streamlit scrolls inside the page
EXCEPTION_BOX = '[data-testid="stException"]'
IDLE_APP = '[data-testid="stApp"][data-test-script-state="notRunning"]'
CHAT_BOX = '[data-testid="stChatInput"] textarea'
ARTIFACTS = APP_PATH.parents[2] / "test-artifacts"


@contextmanager
def serving_ui(process: ManagedProcess, port: int) -> Iterator[str]:
    """Start ``process`` (a UI on ``port``), yield its URL once Streamlit is healthy; stop it."""
    process.start()
    url = f"http://127.0.0.1:{port}"
    try:
        process.wait_ready(
            lambda: httpx.get(f"{url}/_stcore/health", timeout=2).status_code == 200, 60
        )
        yield url
    finally:
        process.stop()


@contextmanager
def running_ui(agent_url: str, log_dir: Path, now: datetime | None = None) -> Iterator[str]:
    """``streamlit run`` the app on a free loopback port; yield its URL; stop it afterwards."""
    port = free_port()
    env = {"OPSLENS_UI_AGENT_URL": agent_url}
    if now is not None:
        env["OPSLENS_UI_NOW"] = now.isoformat()
    argv = [*streamlit_command(sys.executable, port), "--server.fileWatcherType=none"]
    process = ManagedProcess("ui", argv, log_dir / "streamlit.log", env=env, ports=(port,))
    with serving_ui(process, port) as url:
        yield url


@contextmanager
def chromium_page() -> Iterator[Page]:
    """A page in headless Debian Chromium with a fresh profile."""
    with (
        tempfile.TemporaryDirectory(prefix="opslens-chromium-") as profile,
        sync_playwright() as pw,
    ):
        context = pw.chromium.launch_persistent_context(
            profile,
            executable_path=CHROMIUM,
            headless=True,
            args=CHROMIUM_ARGS,
            viewport=VIEWPORT,  # type: ignore[arg-type]
            locale="ko-KR",
        )
        try:
            yield context.pages[0] if context.pages else context.new_page()
        finally:
            context.close()


def wait_until_idle(page: Page, timeout_ms: float) -> None:
    """Wait until the app's script has finished its run (the page is complete)."""
    page.wait_for_selector(IDLE_APP, timeout=timeout_ms)


def assert_no_exception(page: Page) -> None:
    """Fail when the page shows a Python exception or traceback instead of a message."""
    assert page.locator(EXCEPTION_BOX).count() == 0, page.locator(EXCEPTION_BOX).first.inner_text()
    assert "Traceback" not in page.inner_text("body")


def screenshot(page: Page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / name
    page.screenshot(path=str(path), full_page=True)
    return path
