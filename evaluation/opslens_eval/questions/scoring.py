"""Field-by-field comparison of a plan with the fields a question's expectation lists."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from opslens.agent.plan import Plan
from opslens.agent.settings import AgentSettings

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
HIGH_CONFIDENCE = AgentSettings.model_fields["llm_min_confidence"].default
"""At or above it a plan is trusted (no model is asked to plan it)."""


def parse_window(text: str) -> timedelta:
    """``3h`` -> 3 hours, ``30m`` -> 30 minutes, ``7d`` -> 7 days."""
    match = re.fullmatch(r"(\d+)([smhd])", str(text).strip())
    assert match, f"bad window {text!r}"
    return timedelta(seconds=int(match[1]) * _UNITS[match[2]])


@dataclass(frozen=True)
class FieldCheck:
    field: str
    expected: Any
    actual: Any

    @property
    def ok(self) -> bool:
        return bool(self.expected == self.actual)


def conversations(generalization: dict[str, Any]) -> list[list[dict[str, Any]]]:
    """Each case as a conversation (a single question is a conversation of one)."""
    return [case.get("conversation", [case]) for case in generalization["cases"]]


def check_fields(plan: Plan, expect: dict[str, Any], services_default: bool) -> list[FieldCheck]:
    """One check per expected field; ``services`` is checked as ``[]`` when not listed and
    ``services_default`` is set."""
    checks: list[FieldCheck] = []
    wanted = dict(expect)
    if services_default:
        wanted.setdefault("services", [])
    for name, value in wanted.items():
        if name == "window":
            checks.append(FieldCheck("window", parse_window(value), plan.window))
        elif name in ("start", "end", "baseline_start", "baseline_end"):
            actual: datetime | None = getattr(plan, name)
            checks.append(FieldCheck(name, datetime.fromisoformat(value), actual))
        elif name == "threshold":
            said = plan.threshold.model_dump() if plan.threshold else None
            wanted_limit = {"comparison": "above", **value} if value else None
            checks.append(FieldCheck(name, wanted_limit, said))
        elif name == "services":
            checks.append(FieldCheck("services", sorted(value), sorted(plan.services)))
        elif name == "unknown":
            checks.append(FieldCheck("unknown_services", True, bool(plan.unknown_services)))
        elif name == "low_confidence":
            checks.append(FieldCheck(name, value, plan.confidence < HIGH_CONFIDENCE))
        elif name == "min_duration_ms":
            checks.append(FieldCheck(name, float(value), plan.min_duration_ms))
        else:
            checks.append(FieldCheck(name, value, getattr(plan, name)))
    return checks
