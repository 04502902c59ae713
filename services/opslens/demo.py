"""``opslens demo``: the whole product on one machine, on embedded defaults.

Starts the real backends (devstack), seeds the default incident scenario, starts its live
metrics (the scenario continued after ``now``, scraped by Prometheus), the three MCP servers,
the agent, the reports service and the UI as child processes, prints where each is, and stops
everything on Ctrl-C, SIGTERM or SIGHUP.
"""

from __future__ import annotations

import os
import signal
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import typer

from opslens.devstack.alertmanager import Route
from opslens.devstack.process import ManagedProcess, progress
from opslens.devstack.stack import DevStack, StackPorts
from opslens.shared.envfile import devstack_root


@dataclass(frozen=True)
class DemoService:
    name: str
    argv: list[str]
    port: int
    health_path: str = "/healthz"


def demo_services(python: str) -> list[DemoService]:
    """What the demo runs besides the backends, with the usual ports."""
    from opslens_ui.launch import DEFAULT_PORT, streamlit_command

    serve = [python, "-m", "opslens.cli", "serve"]
    services = [
        DemoService("opensearch server", [*serve, "opensearch", "--port", "8101"], 8101),
        DemoService("prometheus server", [*serve, "prometheus", "--port", "8102"], 8102),
        DemoService("kubernetes server", [*serve, "kubernetes", "--port", "8103"], 8103),
        DemoService("agent", [*serve, "agent", "--port", "8100"], 8100),
    ]
    services.append(DemoService("reports", [*serve, "reports", "--port", "8104"], 8104))
    ui = streamlit_command(python, DEFAULT_PORT)
    services.append(DemoService("ui", ui, DEFAULT_PORT, "/_stcore/health"))
    return services


def live_metrics_service(python: str, scenario_file: Path, now: str) -> DemoService:
    """The seeded scenario's metrics after ``now`` (``opslens scenario live``)."""
    from opslens.scenarios.live import DEFAULT_PORT

    argv = [python, "-m", "opslens.cli", "scenario", "live", "--scenario", str(scenario_file)]
    argv += ["--now", now, "--port", str(DEFAULT_PORT)]
    return DemoService("live metrics", argv, DEFAULT_PORT)


def _wait_http(url: str, timeout: float, process: ManagedProcess) -> None:
    def ready() -> bool:
        return httpx.get(url, timeout=2).status_code == 200

    process.wait_ready(ready, timeout)


def run_demo(root: Path, scenario: str, keep_running: bool = True) -> None:
    """Bring everything up; block until Ctrl-C when ``keep_running``."""
    from opslens.scenarios.live import SCRAPE_JOB
    from opslens.scenarios.seed import scenario_path, seed_scenario

    # Alertmanager posts alerts to the reports service, with its token when the API has one.
    stack = DevStack(root, StackPorts(), Route(token=os.environ.get("OPSLENS_API_TOKEN") or None))
    processes: list[ManagedProcess] = []
    try:
        progress("starting the backends (first run builds OpenSearch and kube-apiserver)")
        stack.up()
        progress(f"seeding scenario {scenario}")
        started = time.monotonic()
        scenario_file = scenario_path(scenario)
        report = seed_scenario(
            scenario_file,
            opensearch_url=stack.opensearch.url,
            kubeconfig=stack.kubernetes.kubeconfig_path,
            metrics=stack.prometheus,
        )
        progress(f"seeded in {time.monotonic() - started:.1f}s (now = {report.truth.now})")
        stack.record()  # seeding restarted Prometheus: `opslens devstack down` needs its pid
        env = {
            **os.environ,
            **stack.env(),
            "OPSLENS_AGENT_CHECKPOINT_URL": f"sqlite:///{root}/sessions.sqlite",
        }
        live = live_metrics_service(sys.executable, scenario_file, report.truth.now.isoformat())
        for service in [live, *demo_services(sys.executable)]:
            process = ManagedProcess(
                service.name,
                service.argv,
                root / "logs" / f"{service.name.replace(' ', '-')}.log",
                env=env,
            )
            process.start()
            processes.append(process)
            _wait_http(f"http://127.0.0.1:{service.port}{service.health_path}", 90, process)
            progress(f"{service.name:<18} http://127.0.0.1:{service.port}")
            if service is live:  # Prometheus scrapes it from now on
                stack.prometheus.add_scrape_target(SCRAPE_JOB, f"127.0.0.1:{live.port}")
        typer.echo("\nopslens is running. Open the UI: http://127.0.0.1:8501")
        typer.echo(
            "Or ask from a terminal: "
            'opslens ask "order-service의 에러 로그와 관련된 트레이스를 찾아서 분석해줘"'
        )
        typer.echo("Ctrl-C stops everything.")
        while keep_running:
            time.sleep(1)
            for process in processes:
                if not process.alive():
                    raise RuntimeError(f"{process.name} stopped; its log: {process.log_path}")
    except KeyboardInterrupt:
        typer.echo("\nstopping ...")
    finally:
        for process in reversed(processes):
            process.stop()
        stack.down()


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt(signal.Signals(signum).name)


def stop_on_signals() -> None:
    """Stop like Ctrl-C on SIGTERM and SIGHUP (a service manager, a closed terminal), and on
    SIGINT even when started in the background, where shells ignore it."""
    signal.signal(signal.SIGINT, signal.default_int_handler)
    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, _interrupt)


def demo(
    scenario: str = typer.Option("checkout-incident", help="Scenario from scenarios/ to seed."),
) -> None:
    """Run the whole product on embedded defaults: backends, demo data, servers, agent, UI."""
    stop_on_signals()
    run_demo(devstack_root(), scenario)
