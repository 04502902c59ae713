""".env.example and README.md name every setting the code reads; .env.example holds no secret."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.deploy.settings_env import env_names, secret_env_names

REPO_ROOT = Path(__file__).resolve().parents[2]
# "NAME=value" or "# NAME=value"; NAME__PART=... sets a part of the object NAME.
ASSIGNMENT = re.compile(r"^#?\s*([A-Z][A-Z0-9_]*?)(?:__[A-Z0-9_]+)?=(.*)$")


def example_lines() -> list[str]:
    return (REPO_ROOT / ".env.example").read_text(encoding="utf-8").splitlines()


def example_values() -> dict[str, list[str]]:
    """Variable -> every value .env.example shows for it (commented out or not)."""
    values: dict[str, list[str]] = {}
    for line in example_lines():
        match = ASSIGNMENT.match(line)
        if match:
            values.setdefault(match.group(1), []).append(match.group(2))
    return values


def test_settings_are_found() -> None:
    # The introspection itself: the servers' shared settings and a validation alias.
    assert {"OPSLENS_API_TOKEN", "OPSLENS_KUBE_KUBECONFIG", "GOOGLE_API_KEY"} <= env_names()
    assert {"OPSLENS_API_TOKEN", "GOOGLE_API_KEY"} <= secret_env_names()


def test_env_example_lists_every_setting() -> None:
    missing = sorted(env_names() - set(example_values()))
    assert not missing, f".env.example does not list: {missing}"


@pytest.mark.parametrize("name", sorted(secret_env_names()))
def test_env_example_holds_no_secret(name: str) -> None:
    values = example_values().get(name, [])
    assert values, f"{name} is not listed"
    assert all(value == "" for value in values), f"{name} has a value in .env.example"


def test_env_example_changes_nothing_until_uncommented() -> None:
    # An empty list or number does not parse, so a copied .env must start with no assignment.
    assigned = [line for line in example_lines() if ASSIGNMENT.match(line) and line[0] != "#"]
    assert not assigned, f"uncommented assignments in .env.example: {assigned}"


def test_readme_names_every_setting() -> None:
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    missing = sorted(name for name in env_names() if name not in readme)
    assert not missing, f"README.md does not name: {missing}"
