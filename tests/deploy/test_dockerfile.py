"""The Dockerfile keeps its promises: multi-stage, slim, non-root, health-checked, one image for
every service. Read statically (no Docker engine here); compose's own validation is in
test_compose.py."""

from __future__ import annotations

import fnmatch
import json
import shlex
from pathlib import Path

from opslens.components import SERVICES
from tests.deploy.dockerfile import Stage, read_stages

REPO_ROOT = Path(__file__).resolve().parents[2]
UI_PORT = 8501


def stages() -> list[Stage]:
    return read_stages(REPO_ROOT / "Dockerfile")


def runtime() -> Stage:
    return stages()[-1]


def test_builder_makes_wheels_and_runtime_installs_only_them() -> None:
    *builders, final = stages()
    builder_names = {stage.name for stage in builders}
    assert any("pip wheel" in run for stage in builders for run in stage.all("RUN"))
    installs = [run for run in final.all("RUN") if "pip install" in run]
    assert installs, "the runtime stage installs nothing"
    for run in installs:
        assert "--no-index" in run, "the runtime stage must not reach an index"
        mounted_from = {
            part.split("=", 1)[1] for part in run.split(",") if part.startswith("from=")
        }
        assert mounted_from <= builder_names and mounted_from, run


def test_runtime_is_slim_python_311() -> None:
    assert runtime().base == "python:3.11-slim"


def test_runtime_runs_as_a_non_root_user() -> None:
    users = runtime().all("USER")
    assert users, "no USER in the runtime stage"
    user = users[-1].split(":")[0]
    assert user not in {"0", "root"}


def test_health_check_reads_the_url_each_service_sets() -> None:
    checks = runtime().all("HEALTHCHECK")
    assert len(checks) == 1
    assert "OPSLENS_HEALTHCHECK_URL" in checks[0]
    defaults = " ".join(runtime().all("ENV"))
    assert "OPSLENS_HEALTHCHECK_URL=http://127.0.0.1:" in defaults


def test_command_selects_the_service() -> None:
    assert not runtime().all("ENTRYPOINT"), "an ENTRYPOINT would stop the command choosing"
    command = json.loads(runtime().all("CMD")[-1])
    assert command[:2] == ["opslens", "serve"] and command[2] in SERVICES


def test_every_service_port_is_exposed() -> None:
    exposed = {int(port) for line in runtime().all("EXPOSE") for port in line.split()}
    wanted = {component.default_port for component in SERVICES.values()} | {UI_PORT}
    assert wanted <= exposed


def _ignored(path: str, patterns: list[str]) -> bool:
    """Docker's rule: the last pattern matching the path (or a parent) decides."""
    ignored = False
    parts = Path(path).parts
    for pattern in patterns:
        negated = pattern.startswith("!")
        body = pattern.lstrip("!").rstrip("/")
        prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
        if any(fnmatch.fnmatch(prefix, body) for prefix in prefixes):
            ignored = not negated
    return ignored


def test_copied_files_exist_and_reach_the_build_context() -> None:
    lines = (REPO_ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
    patterns = [line.strip() for line in lines if line.strip() and not line.startswith("#")]
    sources = [
        source
        for stage in stages()
        for copy in stage.all("COPY")
        if "--from" not in copy
        for source in shlex.split(copy)[:-1]
        if not source.startswith("--")
    ]
    assert sources
    for source in sources:
        assert (REPO_ROOT / source).exists(), f"COPY {source}: no such path"
        assert not _ignored(source, patterns), f"COPY {source}: excluded by .dockerignore"
    assert _ignored(".env", patterns), ".env (secrets) must never reach the build context"
    assert _ignored(".venv", patterns)
