"""The typer commands the ``opslens`` CLI mounts: ``seed`` and ``scenario generate``."""

from __future__ import annotations

from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from opslens.scenarios.cli import generate_files, seed
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


def test_seed_without_any_backend_says_what_to_set(monkeypatch: pytest.MonkeyPatch) -> None:
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
