"""Known services and namespaces for the understanding tests, read from the data they describe.

The demo scenario's services come from the header of ../shared/eval/questions-public.yaml; the
other scenarios' from the shared public data: TrainTicket pod names (nezha metric files), the
Jaeger HotROD service index, the OpenTelemetry demo service map and the namespaces of the
OpenShift pod sample.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from opslens_eval.questions.catalogs import (
    Catalog,
    demo_catalog_from_header,
    hotrod_catalog,
    openshift_catalog,
    oteldemo_catalog,
    public_questions_path,
    trainticket_catalog,
)

GENERALIZATION_FILE = Path(__file__).with_name("generalization.yaml")


@pytest.fixture(scope="session")
def public_questions(shared_data: Path) -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load(public_questions_path(shared_data).read_text())
    return document


@pytest.fixture(scope="session")
def catalogs(shared_data: Path) -> dict[str, Catalog]:
    demo = demo_catalog_from_header(public_questions_path(shared_data).read_text())
    return {
        "demo": demo,
        "trainticket": trainticket_catalog(shared_data),
        "hotrod": hotrod_catalog(shared_data),
        "oteldemo": oteldemo_catalog(shared_data),
        "openshift": openshift_catalog(shared_data),
    }


@pytest.fixture(scope="session")
def generalization() -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load(GENERALIZATION_FILE.read_text())
    return document
