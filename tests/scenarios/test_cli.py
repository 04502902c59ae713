"""The typer commands the ``opslens`` CLI mounts: ``seed`` and ``scenario generate``."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
import typer
import yaml
from typer.testing import CliRunner

from opslens.devstack.opensearch import OpenSearchBackend
from opslens.scenarios.cli import generate_files, seed
from opslens.scenarios.model import load_scenario
from opslens.scenarios.seed import scenario_path
from opslens.scenarios.truth import GroundTruth


def _app() -> typer.Typer:
    app = typer.Typer()
    app.command("seed")(seed)
    app.command("generate")(generate_files)
    return app


def test_generate_writes_the_files_and_the_truth(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = CliRunner().invoke(
        _app(),
        [
            "generate",
            "--scenario",
            str(scenario_path("travel-error-burst")),
            "--out",
            str(out),
            "--now",
            "2026-11-26T02:00:00Z",
            "--seed",
            "5",
        ],
    )
    assert result.exit_code == 0, result.output
    truth = GroundTruth.load(out / "truth.json")
    assert (truth.seed, truth.now.isoformat()) == (5, "2026-11-26T02:00:00+00:00")
    assert f"wrote {sum(truth.documents.values())} documents" in result.output


def test_seed_without_any_backend_says_what_to_set(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("OPSLENS_DEVSTACK_DIR", str(tmp_path))  # no devstack either
    for name in (
        "OPSLENS_OPENSEARCH_URL",
        "OPSLENS_KUBE_KUBECONFIG",
        "OPSLENS_PROMETHEUS_TSDB",
        "OPSLENS_DEVSTACK_ADMIN_KUBECONFIG",
        "OPSLENS_DEVSTACK_PROMETHEUS_DIR",
    ):
        monkeypatch.delenv(name, raising=False)
    result = CliRunner().invoke(
        _app(), ["seed", "--scenario", str(scenario_path("travel-healthy"))]
    )
    assert result.exit_code != 0
    assert "OPSLENS_OPENSEARCH_URL" in result.output


@pytest.mark.integration
def test_seed_after_devstack_up_reads_the_devstack_env_file(
    opensearch_backend: OpenSearchBackend, tmp_path: Path
) -> None:
    """Run where ``.devstack/env`` is, with no opslens setting: the file's settings are used."""
    devstack = tmp_path / ".devstack"
    devstack.mkdir()
    (devstack / "env").write_text(f"OPSLENS_OPENSEARCH_URL={opensearch_backend.url}\n")
    spec = load_scenario(scenario_path("travel-healthy"))
    spec = spec.model_copy(update={"history": "10m", "namespace": "cli-envfile"})
    scenario_file = tmp_path / "scenario.yaml"
    scenario_file.write_text(yaml.safe_dump(spec.model_dump(mode="json")), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPSLENS_")}
    argv = [sys.executable, "-m", "opslens.cli", "seed", "--scenario", str(scenario_file)]
    argv += ["--index-prefix", "cli-envfile-"]
    result = subprocess.run(
        argv, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300, check=False
    )
    assert result.returncode == 0, result.stderr
    assert f"using the devstack's settings in {devstack / 'env'}" in result.stderr
    assert "seeded travel-healthy (namespace cli-envfile)" in result.stdout
    count = httpx.get(f"{opensearch_backend.url}/cli-envfile-logs-*/_count", timeout=30).json()
    assert count["count"] > 0
