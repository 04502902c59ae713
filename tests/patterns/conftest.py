"""Fixtures of the template-mining tests: the Loghub samples, read once."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.patterns.loghub import LoghubSample, load_sample, loghub_systems


@pytest.fixture(scope="session")
def loghub_samples(shared_data: Path) -> dict[str, LoghubSample]:
    systems = loghub_systems(shared_data)
    assert systems, f"no Loghub samples under {shared_data / 'loghub'}"
    return {system: load_sample(shared_data, system) for system in systems}
