"""The import contract of ``.importlinter`` (run by ``make lint``): the tree keeps it, and an
upward or sideways import between the layers breaks it."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import grimp
import pytest
from importlinter.api import read_configuration
from importlinter.configuration import configure
from importlinter.contracts.forbidden import ForbiddenContract
from importlinter.contracts.independence import IndependenceContract
from importlinter.contracts.layers import LayersContract
from importlinter.domain.contract import Contract

CONFIG = Path(__file__).resolve().parents[2] / ".importlinter"
TYPES: dict[str, type[Contract]] = {
    "layers": LayersContract,
    "forbidden": ForbiddenContract,
    "independence": IndependenceContract,
}


def _contracts() -> dict[str, Contract]:
    configure()
    config = read_configuration(str(CONFIG))
    contracts = {}
    for raw in config["contracts_options"]:
        options: dict[str, Any] = dict(raw)
        key, name, kind = options.pop("id"), options.pop("name"), options.pop("type")
        contracts[key] = TYPES[kind](
            name=name, session_options=config["session_options"], contract_options=options
        )
    return contracts


@pytest.fixture(scope="module")
def contracts() -> dict[str, Contract]:
    return _contracts()


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    return grimp.build_graph("opslens_eval", "opslens", "opslens_mcp", "opslens_ui", cache_dir=None)


def _kept(contract: Contract, graph: grimp.ImportGraph) -> bool:
    """Checked on a copy: a check removes the imports it ignores from the graph it is given."""
    return contract.check(copy.deepcopy(graph), verbose=False).kept


def test_the_tree_keeps_every_contract(
    contracts: dict[str, Contract], graph: grimp.ImportGraph
) -> None:
    assert [c.name for c in contracts.values() if not _kept(c, graph)] == []


@pytest.mark.parametrize(
    ("contract", "importer", "imported"),
    [
        ("layers", "opslens.shared.llm", "opslens.agent.plan"),  # upward
        ("layers", "opslens.reports.summary", "opslens.agent.answer"),  # the old cycle
        ("layers", "opslens_mcp.core.app", "opslens.reports.models"),  # a server on a caller
        ("agent-uses-detection", "opslens.agent.steps.anomaly", "opslens.reports.pipeline"),
        ("ui-over-http", "opslens_ui.app", "opslens.agent.response"),
        ("servers-independent", "opslens_mcp.opensearch.client", "opslens_mcp.prometheus.promql"),
    ],
)
def test_an_import_across_the_layers_breaks_its_contract(
    contracts: dict[str, Contract],
    graph: grimp.ImportGraph,
    contract: str,
    importer: str,
    imported: str,
) -> None:
    crossed = copy.deepcopy(graph)
    crossed.add_import(importer=importer, imported=imported)
    assert not _kept(contracts[contract], crossed)
