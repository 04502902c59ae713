"""schemathesis against the receiver's routes in the reports server's OpenAPI document, over
real HTTP: generated requests, valid and invalid, never get a 5xx, and every answer is what
the document says."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from schemathesis.schemas import BaseSchema

from opslens.alerts.settings import AlertSettings
from opslens.devstack.process import free_port
from opslens_eval.alerts.receiver import TOKEN, running_receiver, settings_towards
from tests.hardening.fuzz import fuzz

pytestmark = pytest.mark.integration
OPERATIONS = ["POST /v1/alerts", "GET /v1/alerts", "GET /v1/alerts/{investigation_id}"]
AUTH = {"authorization": f"Bearer {TOKEN}"}


@pytest.fixture(scope="module")
def schema(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BaseSchema]:
    store: Path = tmp_path_factory.mktemp("receiver-openapi") / "reports.sqlite"
    dead = f"http://127.0.0.1:{free_port()}"
    alerts = AlertSettings(queue_size=1000)
    with running_receiver(settings_towards(store, dead), alerts) as receiver:
        yield schemathesis.openapi.from_url(f"{receiver.url}/openapi.json", headers=AUTH)


@pytest.mark.parametrize("label", OPERATIONS)
def test_receiver_operations_conform_and_never_fail(schema: BaseSchema, label: str) -> None:
    method, path = label.split(" ")
    fuzz(schema[path][method], max_examples=25, timeout_s=60, headers=AUTH)
