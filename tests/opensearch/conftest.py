"""The public datasets in the session's OpenSearch, and this server serving them over HTTP.

Three servers read the same node through different profiles, as three deployments would:
``platform`` (the user's layout: Vector logs, OTel logs, Data Prepper spans and service map),
``otel2`` (the nested 2.x span format with the OTel logs linked to it) and ``jaeger``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from opslens.devstack.asgi import serve
from opslens.devstack.opensearch import OpenSearchBackend
from opslens_mcp.core.app import create_app
from opslens_mcp.core.settings import ServerSettings
from opslens_mcp.opensearch.profiles import Profiles
from opslens_mcp.opensearch.server import create_service
from opslens_mcp.opensearch.settings import OpenSearchSettings
from tests.opensearch import public_data
from tests.opensearch.public_data import PublicData
from tests.opensearch.rpc import Rpc


@pytest.fixture(scope="session")
def pubdata(opensearch_backend: OpenSearchBackend, shared_data: Path) -> PublicData:
    """Every public dataset, loaded once per session into ``pubdata-*`` indices."""
    return public_data.load_public_data(opensearch_backend.url, shared_data)


def _serve(url: str, profiles: Profiles) -> Iterator[Rpc]:
    # The datasets lie years apart; a window over all of them needs a generous bound.
    settings = OpenSearchSettings(url=url, profiles=profiles, max_window_days=1200)
    with serve(create_app(create_service(settings), ServerSettings())) as base_url:
        yield Rpc(base_url)


@pytest.fixture(scope="session")
def platform(opensearch_backend: OpenSearchBackend, pubdata: PublicData) -> Iterator[Rpc]:
    yield from _serve(opensearch_backend.url, public_data.platform_profiles())


@pytest.fixture(scope="session")
def otel2(opensearch_backend: OpenSearchBackend, pubdata: PublicData) -> Iterator[Rpc]:
    yield from _serve(opensearch_backend.url, public_data.otel2_profiles())


@pytest.fixture(scope="session")
def jaeger(opensearch_backend: OpenSearchBackend, pubdata: PublicData) -> Iterator[Rpc]:
    yield from _serve(opensearch_backend.url, public_data.jaeger_profiles())
