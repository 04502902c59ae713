"""How the UI is started: ``streamlit run`` on the app file this package ships.

The app file is found through the package, so the same command works from a checkout, an
editable install and an installed wheel.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

DEFAULT_PORT = 8501


def app_path() -> Path:
    """The Streamlit entry script (``opslens_ui/app.py``) of the imported package."""
    return Path(str(files("opslens_ui").joinpath("app.py")))


def streamlit_command(
    python: str, port: int = DEFAULT_PORT, address: str = "127.0.0.1"
) -> list[str]:
    """The command line that serves the UI headless on ``address:port``."""
    return [
        python,
        "-m",
        "streamlit",
        "run",
        str(app_path()),
        f"--server.port={port}",
        f"--server.address={address}",  # loopback by default; also skips the external-IP lookup
        "--server.headless=true",
        "--browser.gatherUsageStats=false",
        "--client.toolbarMode=viewer",
    ]
