"""``opslens devstack up|down|status``: the local backends from the command line."""

from __future__ import annotations

from typing import Annotated

import typer

from opslens.devstack.stack import (
    OPTIONAL_BACKENDS,
    DevStack,
    StackPorts,
    recorded_status,
    stop_recorded,
)
from opslens.shared.envfile import devstack_root

app = typer.Typer(
    help="Run real Prometheus, Alertmanager, OpenSearch and kube-apiserver (and PostgreSQL) "
    "on loopback."
)


@app.command()
def up(
    prometheus_port: Annotated[int, typer.Option(help="Prometheus port.")] = 9090,
    opensearch_port: Annotated[int, typer.Option(help="OpenSearch HTTP port.")] = 9200,
    kube_port: Annotated[int, typer.Option(help="kube-apiserver port.")] = 6443,
    alertmanager_port: Annotated[int, typer.Option(help="Alertmanager port.")] = 9093,
    postgres_port: Annotated[int, typer.Option(help="PostgreSQL port.")] = 5432,
    with_: Annotated[
        list[str] | None,
        typer.Option(
            "--with",
            help="Optional backend to start too: postgres (the shared state of several "
            "replicas; its URL goes to the env file as the agent's and reports' store).",
        ),
    ] = None,
) -> None:
    """Build what is missing, start the backends detached, print their URLs."""
    extras = set(with_ or [])
    unknown = extras - set(OPTIONAL_BACKENDS)
    if unknown:
        raise typer.BadParameter(
            f"unknown backend {sorted(unknown)[0]!r}; choose from {', '.join(OPTIONAL_BACKENDS)}",
            param_hint="--with",
        )
    root = devstack_root()
    status = recorded_status(root / "state.json")
    if status and all(entry["running"] for entry in status.values()) and extras <= set(status):
        typer.echo(f"devstack already running ({root}):")
    else:
        stop_recorded(root / "state.json")
        ports = StackPorts(
            prometheus=prometheus_port,
            opensearch=opensearch_port,
            kubernetes=kube_port,
            alertmanager=alertmanager_port,
            postgres=postgres_port,
        )
        DevStack(root, ports, with_postgres="postgres" in extras).up()
        status = recorded_status(root / "state.json")
    for name, entry in status.items():
        typer.echo(f"  {name:<11} {entry['url']}")
    typer.echo(f"settings for opslens servers: {root / 'env'}")


@app.command()
def down() -> None:
    """Stop the backends recorded by 'up'."""
    root = devstack_root()
    stop_recorded(root / "state.json")
    typer.echo("devstack stopped")


@app.command()
def status() -> None:
    """Show each recorded backend and whether it runs; exit 1 if any is down."""
    entries = recorded_status(devstack_root() / "state.json")
    if not entries:
        typer.echo("devstack is not running")
        raise typer.Exit(1)
    for name, entry in entries.items():
        state = "running" if entry["running"] else "DOWN"
        typer.echo(f"  {name:<11} {state:<8} {entry['url']}")
    if not all(entry["running"] for entry in entries.values()):
        raise typer.Exit(1)
