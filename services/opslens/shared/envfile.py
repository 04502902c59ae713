"""The devstack's ``env`` file as the settings of commands run beside it.

``opslens devstack up`` (and ``opslens demo``) write the settings that point opslens at the
local backends to ``<devstack dir>/env``. A command run afterwards in the same folder with no
opslens setting of its own reads them from there, and says so, instead of failing with "no
backend configured" or reaching for the defaults.
"""

from __future__ import annotations

import os
from pathlib import Path

import typer

ENV_FILE = "env"


def devstack_root() -> Path:
    """``$OPSLENS_DEVSTACK_DIR`` or ``.devstack`` in the current folder."""
    return Path(os.environ.get("OPSLENS_DEVSTACK_DIR", ".devstack")).resolve()


def read_env_file(path: Path) -> dict[str, str]:
    """``KEY=VALUE`` lines (blank lines and ``#`` comments skipped)."""
    values = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        key, sep, value = line.strip().partition("=")
        if sep and key and not key.startswith("#"):
            values[key.strip()] = value.strip()
    return values


def use_devstack_env() -> Path | None:
    """Take the devstack's settings when none of them is set; their file, if taken."""
    path = devstack_root() / ENV_FILE
    if not path.is_file():
        return None
    values = read_env_file(path)
    if not values or any(key in os.environ for key in values):
        return None
    os.environ.update(values)
    typer.echo(
        f"[opslens] no backend configured: using the devstack's settings in {path}", err=True
    )
    return path
