"""The ``opslens`` command line: serve the servers, the devstack, the demo, questions."""

from __future__ import annotations

from typing import Annotated

import typer

from opslens.ask_cli import ask
from opslens.components import SERVICES, Component
from opslens.demo import demo
from opslens.devstack.cli import app as devstack_app
from opslens.reports.cli import app as report_app
from opslens.scenarios.cli import app as scenario_app
from opslens.scenarios.cli import seed

app = typer.Typer(
    name="opslens",
    help="Ask your Kubernetes platform what broke: logs, traces, metrics and cluster state.",
    no_args_is_help=True,
    add_completion=False,
)
app.add_typer(devstack_app, name="devstack")
app.add_typer(report_app, name="report")
app.add_typer(scenario_app, name="scenario")
app.command()(ask)
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

    settings = ServerSettings()
    configure_logging(settings.log_level)  # logs go to stderr; stdout is the protocol
    service = _component(server).create_service()
    executor = ToolExecutor(service.registry, timeout_s=settings.call_timeout_s)
    server_ = build_mcp_server(f"opslens-{service.name}", executor, service.instructions)
    run_stdio(server_, service.resources)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
