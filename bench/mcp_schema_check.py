"""What an MCP client spends checking one Prometheus answer against the tool's outputSchema.

The official MCP Python SDK's ``mcp.Client`` checks every structured result against the tool's
``outputSchema`` with jsonschema (pure Python), the way this script does (the schema's own
draft, an empty registry, ``best_match`` over ``iter_errors``). It times that check, in this
process, for an instant answer (60 series, one point each) and a range answer (60 series of
119 points, 7,140 points: the sizes of ``bench/compare_prometheus.py``), made by the tool's own
``tidy`` from Prometheus-shaped data, against:

* ``points typed``: pydantic's schema with an item type on every point (as published before);
* ``pydantic``: pydantic's schema of the models as they are (points as plain arrays);
* ``published``: what the servers publish (``opslens_mcp.core.schemas.published``);
* ``bare object``: ``{"type": "object"}``, what prometheus-mcp-server 1.6.2 declares.

    PYTHONPATH=mcp:services:ui:. .venv/bin/python bench/mcp_schema_check.py [--repeat 5]
"""

from __future__ import annotations

import argparse
import copy
import time
from typing import Any

from jsonschema.exceptions import best_match
from jsonschema.validators import validator_for
from referencing import Registry

from opslens_mcp.contract.prometheus import InstantResult, RangeResult
from opslens_mcp.core.schemas import published
from opslens_mcp.prometheus.series import tidy

SERIES = 60
RANGE_POINTS = 119
START = 1_767_225_600
POINT_ITEMS = {
    "timestamps": {"type": "number"},
    "values": {"anyOf": [{"type": "number"}, {"type": "null"}]},
}


def answer(kind: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """``(schema, structured content)`` of one answer of ``kind`` (instant or range)."""
    labels = [
        {"service": f"svc-{i}", "namespace": "mesh", "caller": f"c{i % 3}"} for i in range(SERIES)
    ]
    if kind == "range":
        data = {
            "resultType": "matrix",
            "result": [
                {
                    "metric": metric,
                    "values": [[START + 15 * j, str(j / 7)] for j in range(RANGE_POINTS)],
                }
                for metric in labels
            ],
        }
        extra: dict[str, Any] = {
            "start": "2026-01-01T00:00:00Z",
            "end": "2026-01-01T00:30:00Z",
            "step": "15s",
            "step_seconds": 15.0,
        }
        model: type[InstantResult | RangeResult] = RangeResult
    else:
        data = {
            "resultType": "vector",
            "result": [
                {"metric": metric, "value": [START, str(i / 7)]} for i, metric in enumerate(labels)
            ],
        }
        extra = {"time": "2026-01-01T00:00:00Z"}
        model = InstantResult
    series = tidy(data, limit=2000, max_points=500_000)
    result = model.model_validate({**series.model_dump(), **extra, "promql": "rate(x[5m])"})
    return model.model_json_schema(), result.model_dump(mode="json", by_alias=True)


def points_typed(schema: dict[str, Any]) -> dict[str, Any]:
    """``schema`` with an item type on every point again."""
    typed = copy.deepcopy(schema)
    for name, items in POINT_ITEMS.items():
        typed["$defs"]["Series"]["properties"][name]["anyOf"][0]["items"] = items
    return typed


def check_ms(schema: dict[str, Any], instance: Any, calls: int, repeat: int) -> float:
    """The fastest of ``repeat`` runs of ``calls`` checks, in ms per check."""
    validator = validator_for(schema)(schema, registry=Registry())
    assert best_match(validator.iter_errors(instance)) is None
    runs = []
    for _ in range(repeat):
        started = time.perf_counter()
        for _ in range(calls):
            best_match(validator.iter_errors(instance))
        runs.append((time.perf_counter() - started) / calls * 1000)
    return min(runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument(
        "--repeat", type=int, default=5, help="Runs per figure (the fastest counts)."
    )
    args = parser.parse_args()
    print("| answer | points typed | pydantic | published | bare object |")
    print("|---|---|---|---|---|")
    for kind, calls in (("instant", 200), ("range", 20)):
        schema, instance = answer(kind)
        schemas = (points_typed(schema), schema, published(schema), {"type": "object"})
        figures = [check_ms(each, instance, calls, args.repeat) for each in schemas]
        print(f"| {kind} | " + " | ".join(f"{ms:.2f} ms" for ms in figures) + " |")


if __name__ == "__main__":
    main()
