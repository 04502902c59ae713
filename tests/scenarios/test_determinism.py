"""Same scenario, seed and ``now``: byte-identical files; a minute does not depend on others."""

from __future__ import annotations

import filecmp
from pathlib import Path

import pytest

from opslens.scenarios.clock import resolve_now
from opslens.scenarios.cluster import build_cluster
from opslens.scenarios.faults import FaultPlan
from opslens.scenarios.model import load_scenario
from opslens.scenarios.seed import scenario_path
from opslens.scenarios.topology import compile_topology
from opslens.scenarios.traffic import Request, TrafficGenerator
from opslens.scenarios.writer import generate
from tests.scenarios.conftest import PINNED_NOW

NOW = PINNED_NOW


def _files(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def test_same_inputs_give_byte_identical_files(tmp_path: Path) -> None:
    scenario = load_scenario(scenario_path("travel-pricing-down"))
    first, second = tmp_path / "first", tmp_path / "second"
    generate(scenario, resolve_now(NOW), first)
    generate(scenario, resolve_now(NOW), second)
    names = _files(first)
    assert names == _files(second)
    assert {"metrics.om", "kubernetes.json", "truth.json"} <= set(names)
    match, mismatch, errors = filecmp.cmpfiles(first, second, names, shallow=False)
    assert (mismatch, errors) == ([], [])
    assert sorted(match) == names


def test_another_seed_gives_another_story(tmp_path: Path) -> None:
    scenario = load_scenario(scenario_path("travel-healthy"))
    one = generate(scenario, resolve_now(NOW), tmp_path / "one")
    other = generate(
        scenario.model_copy(update={"seed": scenario.seed + 1}),
        resolve_now(NOW),
        tmp_path / "other",
    )
    assert one.series["api-gateway"].requests != other.series["api-gateway"].requests


def _summary(requests: list[Request]) -> list[tuple[str, float, int, bool]]:
    return [(r.root.node.route, round(r.root.start_ms, 3), r.root.status, r.keep) for r in requests]


def test_a_minute_is_the_same_whatever_was_generated_before() -> None:
    scenario = load_scenario(scenario_path("checkout-incident"))
    now = resolve_now(NOW)
    cluster = build_cluster(scenario, now)
    topology = compile_topology(scenario)
    start = now - scenario.history_ms

    def fresh() -> TrafficGenerator:
        return TrafficGenerator(topology, cluster, FaultPlan(scenario, now), start)

    target = scenario.history_ms // 60_000 - 40  # inside the dependency outage
    warmed = fresh()
    for minute in range(target - 5, target):
        warmed.minute(minute)
    after_others, mesh = warmed.minute(target)
    alone, mesh_alone = fresh().minute(target)
    assert _summary(after_others) == _summary(alone)
    assert {k: v.count for k, v in mesh.edges.items()} == {
        k: v.count for k, v in mesh_alone.edges.items()
    }


def test_an_unrelated_non_empty_directory_is_never_replaced(tmp_path: Path) -> None:
    keep = tmp_path / "notes.txt"
    keep.write_text("mine")
    scenario = load_scenario(scenario_path("travel-healthy"))
    with pytest.raises(FileExistsError):
        generate(scenario, resolve_now(NOW), tmp_path)
    assert keep.read_text() == "mine"
