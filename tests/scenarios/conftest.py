"""Generated scenario files, made once per test session and shared by the unit tests here."""

from __future__ import annotations

import os
from collections.abc import Callable

import pytest

from opslens.scenarios.clock import resolve_now
from opslens.scenarios.model import load_scenario
from opslens.scenarios.seed import scenario_path
from opslens.scenarios.writer import generate
from tests.scenarios.files import Generated

# A fixed moment, so failures reproduce; its day boundary splits the daily log indices.
# OPSLENS_TEST_PINNED_NOW moves it (keep 02:00 UTC): the tests must pass for any distance
# between it and the wall clock, e.g. with it 400 days back or ahead.
PINNED_NOW = os.environ.get("OPSLENS_TEST_PINNED_NOW", "2026-11-26T02:00:00Z")


@pytest.fixture(scope="session")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], Generated]:
    """``generated(name)``: the shipped scenario ``name`` written to files (cached)."""
    cache: dict[str, Generated] = {}

    def make(name: str) -> Generated:
        if name not in cache:
            out = tmp_path_factory.mktemp(name)
            truth = generate(load_scenario(scenario_path(name)), resolve_now(PINNED_NOW), out)
            cache[name] = Generated(out, truth)
        return cache[name]

    return make


@pytest.fixture(scope="session")
def shop(generated: Callable[[str], Generated]) -> Generated:
    return generated("checkout-incident")
