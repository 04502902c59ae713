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


def _label_pairs(pairs: list[str]) -> dict[str, str]:
    from opslens_mcp.prometheus.profiles import check_label_name

    labels = {}
    for pair in pairs:
        name, sign, value = pair.partition("=")
        if not sign:
            raise typer.BadParameter(f"{pair!r} is not NAME=VALUE", param_hint="--label")
        try:
            labels[check_label_name(name.strip())] = value
        except ValueError as exc:
            raise typer.BadParameter(str(exc), param_hint="--label") from None
    return labels


def investigate(
    alertmanager: Annotated[str, typer.Option(help="Alertmanager base URL, e.g. :9093.")],
    alertname: Annotated[str | None, typer.Option(help="Only alerts of this name.")] = None,
    label: Annotated[
        list[str] | None, typer.Option(help="Only alerts with this label, NAME=VALUE (repeatable).")
    ] = None,
    token: Annotated[
        str | None, typer.Option(envvar="OPSLENS_ALERTMANAGER_TOKEN", help="Bearer token.")
    ] = None,
) -> None:
    """Investigate the alerts firing now in an Alertmanager, one investigation per group."""
    import asyncio

    from opslens.alerts.investigator import AlertInvestigator
    from opslens.alerts.pull import AlertmanagerError, firing_groups
    from opslens.alerts.settings import AlertSettings
    from opslens.reports.reporter import Reporter
    from opslens.reports.settings import ReportSettings
    from opslens.shared.envfile import use_devstack_env

    wanted = _label_pairs(label or [])
    use_devstack_env()

    async def run() -> int:
        try:
            groups = await firing_groups(alertmanager, alertname, wanted, token)
        except AlertmanagerError as exc:
            typer.echo(str(exc), err=True)
            return 2
        if not groups:
            typer.echo("no firing alert matches", err=True)
            return 0
        reporter = Reporter.from_settings(ReportSettings())
        investigator = AlertInvestigator(reporter, AlertSettings(deliver=False))
        try:
            for payload in groups:
                done = await investigator.investigate_now(payload)
                scope = ", ".join(f"{k}={v}" for k, v in payload.groupLabels.items())
                cause = done.root_cause or "-"
                typer.echo(
                    f"{scope}: {done.state}, root cause {cause}, report {done.report_id or '-'}"
                    + (f" ({done.error})" if done.error else "")
                )
        finally:
            await reporter.aclose()
        return 0

    raise typer.Exit(asyncio.run(run()))
