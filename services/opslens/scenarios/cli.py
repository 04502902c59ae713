"""``opslens seed``, ``opslens scenario generate`` and ``opslens scenario live``: typer
commands for the scenario engine.

The backends come from the environment, like every opslens server's settings:
``OPSLENS_OPENSEARCH_URL``, ``OPSLENS_KUBE_KUBECONFIG`` and, for metrics,
``OPSLENS_PROMETHEUS_TSDB`` (a TSDB directory promtool writes blocks into; a running
Prometheus loads them within about a minute). The devstack's ``env`` file works as is. A
backend that is not configured is skipped.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from opslens.scenarios.clock import format_duration, iso_seconds, resolve_now
from opslens.scenarios.live import DEFAULT_PORT, LiveMetrics, create_live_app
from opslens.scenarios.loaders.prometheus import PromtoolBackfill
from opslens.scenarios.model import load_scenario
from opslens.scenarios.seed import seed_scenario
from opslens.scenarios.writer import IndexLayout, generate
from opslens.shared.envfile import use_devstack_env


class SeedSettings(BaseSettings):
    """Where seeding writes to (``OPSLENS_*``); a devstack's ``env`` file sets them all."""

    model_config = SettingsConfigDict(env_prefix="OPSLENS_", extra="ignore")

    opensearch_url: str | None = Field(default=None, description="OpenSearch base URL.")
    prometheus_url: str | None = Field(
        default=None,
        description="Prometheus serving the TSDB; re-seeding deletes the series it wrote before "
        "there (admin API).",
    )
    kube_kubeconfig: Path | None = Field(default=None, description="Kubeconfig that may write.")
    devstack_admin_kubeconfig: Path | None = Field(
        default=None, description="The devstack's admin kubeconfig (preferred: seeding writes)."
    )
    prometheus_tsdb: Path | None = Field(
        default=None, description="Prometheus TSDB directory for promtool's blocks."
    )
    devstack_prometheus_dir: Path | None = Field(
        default=None, description="The devstack's Prometheus folder (its TSDB is in 'tsdb')."
    )

    @property
    def kubeconfig(self) -> Path | None:
        return self.devstack_admin_kubeconfig or self.kube_kubeconfig

    @property
    def tsdb(self) -> Path | None:
        """Blocks written here reach a running Prometheus within about a minute."""
        if self.prometheus_tsdb is None and self.devstack_prometheus_dir is not None:
            return self.devstack_prometheus_dir / "tsdb"
        return self.prometheus_tsdb


ScenarioFile = Annotated[
    Path,
    typer.Option(
        "--scenario",
        exists=True,
        dir_okay=False,
        help="Scenario YAML, e.g. scenarios/checkout-incident.yaml.",
    ),
]
NowOption = Annotated[str | None, typer.Option(help="End of history, ISO-8601 (default: now).")]
SeedOption = Annotated[int | None, typer.Option(help="Random seed (default: the file's).")]
PrefixOption = Annotated[str, typer.Option(help="Prefix for every index name.")]


def seed(
    scenario: ScenarioFile,
    now: NowOption = None,
    seed: SeedOption = None,
    out: Annotated[Path | None, typer.Option(help="Keep the generated files here.")] = None,
    index_prefix: PrefixOption = "",
) -> None:
    """Load a scenario into the running backends; re-seeding replaces what it wrote before."""
    use_devstack_env()
    settings = SeedSettings()
    if not (settings.opensearch_url or settings.kubeconfig or settings.tsdb):
        raise typer.BadParameter(
            "no backend configured: set OPSLENS_OPENSEARCH_URL, OPSLENS_KUBE_KUBECONFIG "
            "and/or OPSLENS_PROMETHEUS_TSDB (or source a devstack's env file)"
        )
    metrics = None
    if settings.tsdb:
        metrics = PromtoolBackfill(settings.tsdb, prometheus_url=settings.prometheus_url)
        if not settings.prometheus_url:
            typer.echo(
                "OPSLENS_PROMETHEUS_URL is not set: series seeded before stay in Prometheus "
                "beside the new ones",
                err=True,
            )
    report = seed_scenario(
        scenario,
        now=now,
        seed=seed,
        opensearch_url=settings.opensearch_url,
        kubeconfig=settings.kubeconfig,
        metrics=metrics,
        out_dir=out,
        layout=IndexLayout(prefix=index_prefix),
    )
    truth = report.truth
    typer.echo(
        f"seeded {truth.scenario} (namespace {truth.namespace}) "
        f"from {truth.start:%Y-%m-%dT%H:%MZ} to {truth.now:%Y-%m-%dT%H:%MZ}"
    )
    typer.echo(
        f"documents: {sum(truth.documents.values())}, "
        f"kubernetes objects: {report.kubernetes_objects}"
    )
    if report.opensearch is not None:
        typer.echo(f"opensearch: {report.opensearch.docs_per_second:,.0f} docs/s")
    typer.echo("seconds: " + ", ".join(f"{k} {v}" for k, v in report.seconds.items()))


def generate_files(
    scenario: ScenarioFile,
    out: Annotated[Path, typer.Option(help="Output directory: empty, new, or an earlier output.")],
    now: NowOption = None,
    seed: SeedOption = None,
    index_prefix: PrefixOption = "",
) -> None:
    """Write a scenario's files (bulk NDJSON, metrics.om, kubernetes.json, truth.json)."""
    spec = load_scenario(scenario)
    if seed is not None:
        spec = spec.model_copy(update={"seed": seed})
    truth = generate(spec, resolve_now(now), out, IndexLayout(prefix=index_prefix))
    typer.echo(f"wrote {sum(truth.documents.values())} documents and truth.json to {out}")


def live(
    scenario: ScenarioFile,
    now: Annotated[str, typer.Option(help="The end of the seeded history, ISO-8601.")],
    seed: SeedOption = None,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port of /metrics.")] = DEFAULT_PORT,
) -> None:
    """Serve a seeded scenario's metrics after its history, minute by minute, at /metrics.

    Give the scenario, --seed and --now it was seeded with. Scrape with honor_labels: true.
    """
    import uvicorn

    spec = load_scenario(scenario)
    if seed is not None:
        spec = spec.model_copy(update={"seed": seed})
    started_ms = int(time.time() * 1000)
    metrics = LiveMetrics(spec, resolve_now(now), started_ms=started_ms)
    if metrics.resumed_ms is not None:
        distance = format_duration(resolve_now() - metrics.now_ms)
        typer.echo(
            f"--now is {distance} before the current time: resuming at "
            f"{iso_seconds(metrics.resumed_ms)}; {metrics.skipped_minutes:,} minutes not generated",
            err=True,
        )
    typer.echo(f"live metrics of {spec.name} after {now}: http://{host}:{port}/metrics")
    application = create_live_app(metrics)
    uvicorn.run(application, host=host, port=port, log_level="warning", access_log=False)


app = typer.Typer(
    name="scenario",
    help="Scenario files, and the live metrics that continue a seeded scenario.",
    no_args_is_help=True,
)
app.command("generate")(generate_files)
app.command("live")(live)
