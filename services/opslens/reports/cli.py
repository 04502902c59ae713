"""``opslens report run|list|show``: reports from the command line (and the Kubernetes CronJob).

Settings come from ``OPSLENS_REPORTS_*``; the MCP servers must be running.
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from pathlib import Path
from typing import Annotated, Literal, cast

import typer

app = typer.Typer(help="Anomaly reports: run one now, list and show stored ones.")
OutputFormat = Literal["md", "html", "json"]


def _render(report: object, form: OutputFormat) -> str:
    from opslens.reports.models import Report
    from opslens.reports.render_html import render_html
    from opslens.reports.render_md import render_markdown

    assert isinstance(report, Report)
    if form == "html":
        return render_html(report)
    if form == "json":
        return report.model_dump_json(indent=1)
    return render_markdown(report)


def _emit(text: str, output: Path | None) -> None:
    if output is None:
        typer.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")
        typer.echo(f"written to {output}", err=True)


@app.command()
def run(
    window: Annotated[str, typer.Option(help="Period to examine, e.g. 1h, 6h, 24h.")] = "1h",
    end: Annotated[
        str | None, typer.Option(help="End of the window (ISO-8601); default now.")
    ] = None,
    output_format: Annotated[
        OutputFormat, typer.Option("--format", help="md, html or json.")
    ] = "md",
    output: Annotated[
        Path | None, typer.Option(help="Write to this file instead of stdout.")
    ] = None,
    language: Annotated[str | None, typer.Option(help="en or ko (default: settings).")] = None,
    namespace: Annotated[list[str] | None, typer.Option(help="Namespace (repeatable).")] = None,
    save: Annotated[bool, typer.Option(help="Keep the report in the store.")] = True,
    deliver: Annotated[bool, typer.Option(help="Send it to the configured webhook.")] = False,
    known_problem: Annotated[
        bool,
        typer.Option(
            help="Something is known to be wrong in the window: what moved convincingly makes "
            "an incident even if no detector alarmed."
        ),
    ] = False,
) -> None:
    """Run one report now and print it."""
    from opslens.reports.pipeline import RunRequest
    from opslens.reports.reporter import Reporter
    from opslens.reports.settings import Language, ReportSettings

    if language not in (None, "en", "ko"):
        raise typer.BadParameter("language must be en or ko")
    request = RunRequest(
        window=window,
        end=datetime.fromisoformat(end.replace("Z", "+00:00")) if end else None,
        language=cast(Language | None, language),
        namespaces=namespace or None,
        known_problem=known_problem,
    )

    async def go() -> str:
        reporter = Reporter.from_settings(ReportSettings())
        try:
            report = await reporter.run(request, save=save)
            if deliver:
                await reporter.deliver(report)
        finally:
            await reporter.aclose()
        typer.echo(
            f"report {report.id}: {len(report.incidents)} incident(s) in "
            f"{report.duration_ms / 1000:.1f}s",
            err=True,
        )
        return _render(report, output_format)

    _emit(asyncio.run(go()), output)


@app.command("list")
def list_reports(
    limit: Annotated[int, typer.Option(help="How many, newest first.")] = 20,
) -> None:
    """List stored reports."""
    from opslens.reports.settings import ReportSettings
    from opslens.reports.store import open_store

    rows, total = open_store(ReportSettings().store_location()).recent(limit=limit)
    for row in rows:
        causes = ", ".join(row.root_causes) or "-"
        typer.echo(
            f"{row.id}  {row.window_start:%Y-%m-%d %H:%M} – {row.window_end:%H:%M}  "
            f"{row.incidents} incident(s)  {causes}"
        )
    typer.echo(f"{len(rows)} of {total}", err=True)


@app.command()
def show(
    report_id: Annotated[str, typer.Argument(help="A report id from 'list'.")],
    output_format: Annotated[
        OutputFormat, typer.Option("--format", help="md, html or json.")
    ] = "md",
    output: Annotated[
        Path | None, typer.Option(help="Write to this file instead of stdout.")
    ] = None,
) -> None:
    """Print one stored report."""
    from opslens.reports.settings import ReportSettings
    from opslens.reports.store import open_store

    report = open_store(ReportSettings().store_location()).get(report_id)
    if report is None:
        raise typer.BadParameter(f"no report {report_id!r}")
    _emit(_render(report, output_format), output)
