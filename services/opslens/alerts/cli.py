"""``opslens alerts rules``: print or (re)write the alert rules opslens ships."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

import typer

app = typer.Typer(help="Alert rules for Prometheus and kube-prometheus-stack.")
Shape = Literal["file", "prometheusrule"]


@app.command()
def rules(
    shape: Annotated[
        Shape, typer.Option("--format", help="file (rule_files) or prometheusrule.")
    ] = "file",
    write: Annotated[
        Path | None,
        typer.Option(help="Write both shipped files under this repository root instead."),
    ] = None,
) -> None:
    """The rules from the current OPSLENS_REPORTS_* settings (profiles, SLOs, baseline)."""
    from opslens.alerts.files import PROMETHEUS_RULE_FILE, RULE_FILE, shipped_files
    from opslens.reports.settings import ReportSettings

    files = shipped_files(ReportSettings())
    if write is not None:
        for path, text in files.items():
            target = write / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
            typer.echo(f"written {path}", err=True)
        return
    typer.echo(files[RULE_FILE if shape == "file" else PROMETHEUS_RULE_FILE], nl=False)
