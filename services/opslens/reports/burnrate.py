"""Multi-window, multi-burn-rate SLO alerts on the error ratio (Google SRE Workbook, ch. 5).

The burn rate is the error ratio divided by the error budget (1 - SLO): 1.0 spends exactly the
budget over the SLO period. An alert fires while both windows of a rule burn faster than its
factor: the long window proves the burn is significant, the short one that it is still going.

==========  ============  ======  ===================================================
long        short         factor  meaning (30-day SLO)
==========  ============  ======  ===================================================
1h          5m            14.4    2% of the month's budget in one hour: page
6h          30m           6       5% of the month's budget in six hours: page
==========  ============  ======  ===================================================

A rule judges a moment only when its long window is full of data: over a service's first
minutes the "6h" ratio is just the ratio of those minutes, so the two windows would collapse
into one short, noisy window (a fresh deployment or the start of the retained history).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from opslens_mcp.core.times import parse_duration


@dataclass(frozen=True)
class BurnRule:
    long: str
    short: str
    factor: float


RULES: tuple[BurnRule, ...] = (BurnRule("1h", "5m", 14.4), BurnRule("6h", "30m", 6.0))
WINDOWS: tuple[str, ...] = tuple(dict.fromkeys(w for r in RULES for w in (r.long, r.short)))
LONGEST_S = max(parse_duration(r.long) for r in RULES)
"""How far before a report's window the burn series are read, to see where their data begins."""


def burn_rates(error_ratios: Sequence[float | None], slo: float) -> list[float | None]:
    """Burn rate of each error ratio against the budget ``1 - slo``."""
    budget = 1.0 - slo
    return [None if ratio is None else ratio / budget for ratio in error_ratios]


def rule_scores(
    long_burn: Sequence[float | None], short_burn: Sequence[float | None], factor: float
) -> list[float]:
    """Per point: min(long, short) / factor, so above 1.0 means the rule fires."""
    scores = []
    for long, short in zip(long_burn, short_burn, strict=False):
        scores.append(0.0 if long is None or short is None else min(long, short) / factor)
    return scores
