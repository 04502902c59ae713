"""Four days of one service's Istio request counters, written as OpenMetrics for a backfill:
every day traffic triples for the same 40 minutes (a daily rush), and only today a burst of
5xx hits the middle of the rush. A seasonal baseline knows the rush; a trailing one does not."""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path

NAMESPACE = "rep-seasonal"
SERVICE = "checkout"
DAYS = 4
STEP_S = 60
DAY_S = 86_400
QUIET_RPS, RUSH_RPS = 20.0, 60.0
RUSH_S = 40 * 60
NORMAL_ERRORS, BURST_ERRORS = 0.001, 0.3


@dataclass(frozen=True)
class SeasonalHistory:
    """What was written: ``end`` (Unix seconds, the end of today's rush) and today's burst."""

    end: int
    burst_start: int
    burst_end: int

    def in_rush(self, t: int) -> bool:
        return (self.end - t) % DAY_S < RUSH_S

    def in_burst(self, t: int) -> bool:
        return self.burst_start <= t < self.burst_end


def write_history(path: Path, end: int, seed: int = 7) -> SeasonalHistory:
    """Write the history ending at ``end`` (a multiple of the step) into ``path``."""
    history = SeasonalHistory(end, end - 30 * 60, end - 15 * 60)
    rng = random.Random(seed)
    labels = (
        f'reporter="destination",destination_service_name="{SERVICE}",'
        f'destination_service_namespace="{NAMESPACE}",destination_workload="{SERVICE}"'
    )
    totals = {"200": 0.0, "503": 0.0}
    lines = ["# TYPE istio_requests counter"]
    for t in range(end - DAYS * DAY_S, end + STEP_S, STEP_S):
        rps = (RUSH_RPS if history.in_rush(t) else QUIET_RPS) * rng.uniform(0.95, 1.05)
        errors = BURST_ERRORS if history.in_burst(t) else NORMAL_ERRORS
        totals["200"] += rps * STEP_S * (1 - errors)
        totals["503"] += rps * STEP_S * errors
        for code, total in totals.items():
            lines.append(f'istio_requests_total{{{labels},response_code="{code}"}} {total:.1f} {t}')
    lines.append("# EOF")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return history
