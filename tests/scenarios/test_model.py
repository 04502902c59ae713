"""Scenario files: every shipped one is valid, the demo is the one the questions describe."""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import pytest
import yaml
from pydantic import ValidationError

from opslens.scenarios.clock import format_duration, parse_duration_ms, resolve_now
from opslens.scenarios.model import FAULT_TYPES, DependencyDown, Scenario, load_scenario
from opslens.scenarios.seed import SCENARIOS_DIR, scenario_path
from opslens.scenarios.topology import compile_topology

SHIPPED = sorted(p.stem for p in SCENARIOS_DIR.glob("*.yaml"))


def _questions_header(shared_data: Path) -> str:
    """The comment block at the top of the public questions: the demo's description."""
    text = (shared_data.parent / "eval" / "questions-public.yaml").read_text(encoding="utf-8")
    return "\n".join(line[1:].strip() for line in text.splitlines() if line.startswith("#"))


@pytest.mark.parametrize("name", SHIPPED)
def test_every_shipped_scenario_is_valid(name: str) -> None:
    scenario = load_scenario(scenario_path(name))
    topology = compile_topology(scenario)
    assert scenario.name == name
    assert topology.entries, "some endpoint must receive traffic"


def test_the_shipped_scenarios_cover_every_fault_type_and_a_healthy_one() -> None:
    scenarios = [load_scenario(scenario_path(name)) for name in SHIPPED]
    assert len(scenarios) >= 6
    assert {f.type for s in scenarios for f in s.faults} == set(FAULT_TYPES)
    assert any(not s.faults for s in scenarios)
    namespaces = [s.namespace for s in scenarios]
    assert len(set(namespaces)) == len(namespaces), "each scenario seeds its own namespace"


def test_the_demo_matches_the_description_above_the_public_questions(shared_data: Path) -> None:
    header = _questions_header(shared_data)
    demo = load_scenario(scenario_path("checkout-incident"))
    assert f"namespace: {demo.namespace}" in header
    listed = re.search(r"services:(.*?)\ncalls:", header, re.S)
    assert listed
    names = set(re.findall(r"[a-z]+(?:-[a-z]+)*-service|frontend|postgres", listed.group(1)))
    assert names == {s.name for s in demo.services}
    chains = re.search(r"calls:(.*?)\nhistory:", header, re.S)
    assert chains
    expected_calls = set()
    for chain in re.split(r";", chains.group(1)):
        hops = [part.strip() for part in chain.split("->")]
        expected_calls |= set(itertools.pairwise(hops))
    assert set(compile_topology(demo).edges()) == expected_calls
    hours = re.search(r"history: (\d+) hours ending at `now`", header)
    assert hours and demo.history_ms == int(hours.group(1)) * 3_600_000
    faults = {f.type: f for f in demo.faults}
    section = header.split("faults:")[1].split("\n\n")[0]
    blocks = [" ".join(block.split()) for block in re.split(r"^- ", section, flags=re.M)[1:]]
    described = []
    for block in blocks:
        match = re.match(r"(\w+): ([a-z-]+) (.*)", block)
        assert match, block
        described.append(match.groups())
    assert {fault_type for fault_type, _, _ in described} == set(faults)
    windows = 0
    for fault_type, target, text in described:
        assert faults[fault_type].target == target
        window = re.search(r"from now(-\d+m) for (\d+m)", text)
        if window:
            windows += 1
            assert (faults[fault_type].start, faults[fault_type].duration) == window.groups()
    assert windows == 2
    down = faults["dependency_down"]
    assert isinstance(down, DependencyDown) and down.dependency == "postgres"


def _base(**changes: object) -> dict[str, object]:
    data = yaml.safe_load(scenario_path("travel-healthy").read_text(encoding="utf-8"))
    data.update(changes)
    return data


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {
                "faults": [
                    {"type": "latency", "target": "nope", "start": "-10m", "p50_ms": 1, "p95_ms": 2}
                ]
            },
            "unknown service",
        ),
        (
            {
                "faults": [
                    {
                        "type": "latency",
                        "target": "search-service",
                        "start": "-10h",
                        "p50_ms": 1,
                        "p95_ms": 2,
                    }
                ]
            },
            "within history",
        ),
        (
            {
                "faults": [
                    {
                        "type": "latency",
                        "target": "search-service",
                        "start": "-90s",
                        "p50_ms": 1,
                        "p95_ms": 2,
                    }
                ]
            },
            "whole minutes",
        ),
        (
            {
                "faults": [
                    {
                        "type": "dependency_down",
                        "target": "search-service",
                        "dependency": "mysql",
                        "start": "-10m",
                    }
                ]
            },
            "does not call",
        ),
        (
            {"faults": [{"type": "meteor", "target": "search-service", "start": "-10m"}]},
            "does not match any of the expected tags",
        ),
        ({"metrics_step": "7s"}, "divide a minute"),
    ],
)
def test_invalid_scenarios_are_refused_with_a_reason(
    changes: dict[str, object], message: str
) -> None:
    with pytest.raises(ValidationError, match=message):
        Scenario.model_validate(_base(**changes))


def test_call_cycles_are_refused() -> None:
    data = _base()
    services = data["services"]
    assert isinstance(services, list)
    pricing = next(s for s in services if s["name"] == "pricing-service")
    pricing["endpoints"][0]["calls"] = [{"to": "search-service"}]
    with pytest.raises(ValidationError, match="cycle"):
        Scenario.model_validate(data)


def test_base_files_are_merged_key_by_key(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(scenario_path("travel-healthy").read_text())
    (tmp_path / "b.yaml").write_text("base: a.yaml\nname: b\nnamespace: bee\n")
    merged = load_scenario(tmp_path / "b.yaml")
    original = load_scenario(tmp_path / "a.yaml")
    assert (merged.name, merged.namespace) == ("b", "bee")
    assert merged.services == original.services


@pytest.mark.parametrize(
    ("text", "ms"),
    [
        ("6h", 21_600_000),
        ("-50m", -3_000_000),
        ("1h30m", 5_400_000),
        ("90s", 90_000),
        ("250ms", 250),
    ],
)
def test_durations_round_trip(text: str, ms: int) -> None:
    assert parse_duration_ms(text) == ms
    assert parse_duration_ms(format_duration(ms)) == ms


@pytest.mark.parametrize("bad", ["", "5", "m5", "5 m", "-", "1h-5m"])
def test_bad_durations_are_refused(bad: str) -> None:
    with pytest.raises(ValueError, match="duration"):
        parse_duration_ms(bad)


def test_now_is_truncated_to_the_minute_and_naive_times_are_utc() -> None:
    assert resolve_now("2026-11-26T01:02:03.456Z") == resolve_now("2026-11-26T01:02:00")
    assert resolve_now("2026-11-26T10:02:59+09:00") % 60_000 == 0
    assert resolve_now("2026-11-26T10:02:59+09:00") == resolve_now("2026-11-26T01:02:00Z")


def test_the_format_example_in_the_readme_is_a_valid_scenario() -> None:
    text = (SCENARIOS_DIR / "README.md").read_text(encoding="utf-8")
    example = text.split("```yaml", 1)[1].split("```", 1)[0]
    scenario = Scenario.model_validate(yaml.safe_load(example))
    assert compile_topology(scenario).edges() == [("web", "api"), ("web", "mailer"), ("api", "db")]
