"""Session fixtures: the real backends, started once per test run on free loopback ports.

Each backend starts on first use, so a run of pure unit tests starts nothing. Nothing here
skips: a backend that cannot start fails the tests that need it, with its log tail.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from opslens.agent.service import create_agent_app
from opslens.agent.settings import AgentSettings
from opslens.devstack.asgi import serve
from opslens.devstack.kubeapi import KubeApiBackend, ensure_kube_binaries
from opslens.devstack.opensearch import OpenSearchBackend, ensure_opensearch_launcher
from opslens.devstack.postgres import PostgresBackend
from opslens.devstack.process import free_port, progress
from opslens.devstack.prometheus import PrometheusBackend
from opslens.devstack.stack import DevStack, StackPorts
from opslens.scenarios.seed import seed_for_tests
from opslens.scenarios.truth import GroundTruth
from opslens_mcp.core.app import create_app
from opslens_mcp.core.settings import ServerSettings
from opslens_mcp.kubernetes.server import create_service as create_service_kubernetes
from opslens_mcp.kubernetes.settings import KubernetesSettings
from opslens_mcp.opensearch.server import create_service as create_service_opensearch
from opslens_mcp.opensearch.settings import OpenSearchSettings
from opslens_mcp.prometheus.server import create_service as create_service_prometheus
from opslens_mcp.prometheus.settings import PrometheusSettings

REPO_ROOT = Path(__file__).resolve().parents[1]


def shared_data_dir() -> Path:
    """The public test data (``../shared/data`` beside the repository, or $OPSLENS_SHARED_DATA)."""
    configured = os.environ.get("OPSLENS_SHARED_DATA")
    return Path(configured) if configured else REPO_ROOT.parent / "shared" / "data"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    path = shared_data_dir()
    assert path.is_dir(), f"shared test data not found at {path} (set OPSLENS_SHARED_DATA)"
    return path


@pytest.fixture(scope="session")
def prometheus_backend(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PrometheusBackend]:
    backend = PrometheusBackend(tmp_path_factory.mktemp("prometheus"), free_port())
    backend.start()
    try:
        yield backend
    finally:
        backend.stop()


@pytest.fixture(scope="session")
def opensearch_backend(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OpenSearchBackend]:
    ensure_opensearch_launcher(progress)
    backend = OpenSearchBackend(tmp_path_factory.mktemp("opensearch"), free_port())
    backend.start()
    try:
        yield backend
    finally:
        backend.stop()


@pytest.fixture(scope="session")
def kube_backend(tmp_path_factory: pytest.TempPathFactory) -> Iterator[KubeApiBackend]:
    ensure_kube_binaries()
    backend = KubeApiBackend(tmp_path_factory.mktemp("kube"), free_port())
    backend.start()
    try:
        yield backend
    finally:
        backend.stop()


@pytest.fixture(scope="session")
def postgres_backend(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PostgresBackend]:
    backend = PostgresBackend(tmp_path_factory.mktemp("postgres"), free_port())
    backend.start()
    try:
        yield backend
    finally:
        backend.remove()


@pytest.fixture
def postgres_url(postgres_backend: PostgresBackend, request: pytest.FixtureRequest) -> str:
    """A fresh, empty database on the session's Postgres for one test; its URL."""
    name = (
        "t_"
        + "".join(c if c.isascii() and c.isalnum() else "_" for c in request.node.name.lower())[
            -50:
        ]
    )
    with psycopg.connect(postgres_backend.database_url("postgres"), autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
    return postgres_backend.create_database(name)


# --- The demo: its own backends seeded with the default scenario, the servers, the agent ------
#
# Agent, UI and end-to-end tests need backends that hold exactly one story (the default demo
# scenario), so they get a stack of their own; other tests seed other scenarios into the shared
# backends above.


@pytest.fixture(scope="session")
def demo_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DevStack]:
    stack = DevStack(tmp_path_factory.mktemp("demo-stack"), StackPorts.free())
    stack.up()
    try:
        yield stack
    finally:
        stack.down()


@pytest.fixture(scope="session")
def seeded_demo(demo_stack: DevStack, tmp_path_factory: pytest.TempPathFactory) -> GroundTruth:
    """The default demo scenario, seeded at the current minute; its ground truth."""
    return seed_for_tests(
        opensearch_url=demo_stack.opensearch.url,
        kubeconfig=demo_stack.kubernetes.kubeconfig_path,
        metrics=demo_stack.prometheus,
        out_dir=tmp_path_factory.mktemp("demo-scenario"),
    )


@dataclass(frozen=True)
class DemoServers:
    opensearch: str
    prometheus: str
    kubernetes: str


@contextmanager
def servers_over(stack: DevStack, **opensearch_settings: object) -> Iterator[DemoServers]:
    """The three MCP servers over ``stack``'s backends (Kubernetes as the read-only user);
    ``opensearch_settings`` override the OpenSearch server's (e.g. ``cache_ttl_s=0``)."""
    settings = ServerSettings()
    opensearch = create_service_opensearch(
        OpenSearchSettings.model_validate({"url": stack.opensearch.url, **opensearch_settings})
    )
    prometheus = create_service_prometheus(PrometheusSettings(url=stack.prometheus.url))
    kubernetes = create_service_kubernetes(
        KubernetesSettings(kubeconfig=str(stack.kubernetes.readonly_kubeconfig_path))
    )
    with (
        serve(create_app(opensearch, settings)) as opensearch_url,
        serve(create_app(prometheus, settings)) as prometheus_url,
        serve(create_app(kubernetes, settings)) as kubernetes_url,
    ):
        yield DemoServers(opensearch_url, prometheus_url, kubernetes_url)


@pytest.fixture(scope="session")
def demo_servers(demo_stack: DevStack, seeded_demo: GroundTruth) -> Iterator[DemoServers]:
    """The three MCP servers over the seeded demo."""
    with servers_over(demo_stack) as servers:
        yield servers


def demo_agent_settings(servers: DemoServers, **overrides: object) -> AgentSettings:
    """Agent settings pointing at the demo servers, with in-memory sessions."""
    values: dict[str, object] = {
        "opensearch_url": servers.opensearch,
        "prometheus_url": servers.prometheus,
        "kubernetes_url": servers.kubernetes,
        "reports_url": "http://127.0.0.1:9",
        "checkpoint_url": "memory://",
        "timezone": "UTC",
        "llm_mode": "off",
        **overrides,
    }
    return AgentSettings.model_validate(values)


@pytest.fixture(scope="session")
def agent_url(demo_servers: DemoServers) -> Iterator[str]:
    """A real agent service over the demo servers, without an LLM."""
    with serve(create_agent_app(demo_agent_settings(demo_servers))) as url:
        yield url
