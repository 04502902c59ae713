"""The ``opslens`` command line: serve the servers, the devstack, the demo, questions."""

from __future__ import annotations

import os
import sys
from typing import Annotated

import typer

from opslens.alerts.cli import app as alerts_app
from opslens.alerts.cli import investigate
from opslens.ask_cli import ask
from opslens.components import SERVICES, Component
from opslens.demo import demo
from opslens.devstack.cli import app as devstack_app
from opslens.reports.cli import app as report_app
from opslens.scenarios.cli import app as scenario_app
from opslens.scenarios.cli import seed
from opslens.shared.envfile import use_devstack_env

app = typer.Typer(
    name="opslens",
    help="Ask your Kubernetes platform what broke: logs, traces, metrics and cluster state.",
    no_args_is_help=True,
    add_completion=False,
)
app.add_typer(alerts_app, name="alerts")
app.add_typer(devstack_app, name="devstack")
app.add_typer(report_app, name="report")
app.add_typer(scenario_app, name="scenario")
app.command()(ask)
app.command()(investigate)
app.command()(demo)
app.command()(seed)


def _component(name: str) -> Component:
    component = SERVICES.get(name)
    if component is None:
        known = ", ".join(SERVICES)
        raise typer.BadParameter(f"unknown server {name!r}; choose one of: {known}")
    return component


@app.command()
def serve(
    server: Annotated[str, typer.Argument(help=f"One of: {', '.join(SERVICES)}.")],
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int | None, typer.Option(help="Port (default: the server's own).")] = None,
) -> None:
    """Serve one server over HTTP: JSON-RPC at /rpc, MCP at /mcp, /healthz, /readyz, /metrics."""
    import uvicorn

    use_devstack_env()
    component = _component(server)
    application = component.create_http_app()
    uvicorn.run(
        application,
        host=host,
        port=port or component.default_port,
        log_level="warning",
        access_log=False,
    )


@app.command()
def mcp(
    server: Annotated[str, typer.Argument(help=f"One of: {', '.join(SERVICES)}.")],
    stdio: Annotated[bool, typer.Option("--stdio", help="Speak MCP over stdin/stdout.")] = False,
) -> None:
    """Run one server as an MCP server over stdio (for Claude Desktop, MCP Inspector, ...)."""
    if not stdio:
        raise typer.BadParameter("only --stdio is supported here; use 'opslens serve' for HTTP")
    from opslens_mcp.core.executor import ToolExecutor
    from opslens_mcp.core.logs import configure_logging
    from opslens_mcp.core.mcp_server import build_mcp_server, run_stdio
    from opslens_mcp.core.settings import ServerSettings

    use_devstack_env()
    settings = ServerSettings()
    configure_logging(settings.log_level)  # logs go to stderr; stdout is the protocol
    service = _component(server).create_service()
    executor = ToolExecutor(service.registry, timeout_s=settings.call_timeout_s)
    server_ = build_mcp_server(f"opslens-{service.name}", executor, service.instructions)
    run_stdio(server_, service.resources)


@app.command()
def ui(
    port: Annotated[int, typer.Option(help="Port of the UI.")] = 8501,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    agent_url: Annotated[
        str | None,
        typer.Option(help="The agent service (default: OPSLENS_UI_AGENT_URL, else :8100)."),
    ] = None,
) -> None:
    """Serve the Streamlit UI (chat, evidence, reports) against a running agent."""
    from opslens_ui.launch import streamlit_command

    if agent_url:
        os.environ["OPSLENS_UI_AGENT_URL"] = agent_url
    typer.echo(f"opslens UI: http://{host}:{port}", err=True)
    os.execv(sys.executable, streamlit_command(sys.executable, port, host))


def main() -> None:
    app()


if __name__ == "__main__":
    main()
