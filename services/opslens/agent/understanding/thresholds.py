"""Latency thresholds: "over 500ms", "slower than 1.5 seconds", "1초 이상", "500밀리초 넘는".

Only durations with a comparison (or "took 2s" / "2초 걸린") count, so "last 30 minutes" stays
a time window. The result is the minimum duration in milliseconds.
"""

from __future__ import annotations

import re

from opslens.agent.understanding.normalize import Scan
from opslens.agent.understanding.quantities import (
    DIGITS,
    THRESHOLD_UNIT,
    number_value,
    unit_seconds,
)

MAX_THRESHOLD_S = 86_400.0  # no request is slower than a day; bigger numbers are typos

_EN_COMPARE = (
    r"(?:(?:longer|slower|more|greater|higher|bigger)\s+than|over|above|exceeding|exceeds?"
    r"|at\s+least|>=?|≥|beyond)"
)
_EN_VERB = r"(?:taking|took|takes?|lasting|lasted|spent|spending)"
_KO_COMPARE = (
    r"(?:이|가)?\s*(?:이상|초과|넘는|넘은|넘게|넘어가는|넘어간|넘어선|넘"
    r"|보다\s*(?:오래|느린|긴|길게|더|큰|많이))"
)
_KO_TOOK = r"(?:이상\s*)?(?:걸린|걸리는|걸렸던|걸렸|소요된|소요되는|소요)"
_AMOUNT = rf"(?P<num>{DIGITS})\s*(?P<unit>{THRESHOLD_UNIT})"

PATTERNS: tuple[re.Pattern[str], ...] = tuple(
    re.compile(pattern)
    for pattern in (
        rf"(?<![a-z])(?:{_EN_VERB}\s+)?{_EN_COMPARE}\s*{_AMOUNT}(?!\s+ago)",
        rf"(?<![a-z]){_EN_VERB}\s+{_AMOUNT}(?!\s+ago)",
        rf"(?<![\d.]){_AMOUNT}\s*(?:\+|or\s+(?:more|longer|slower|above)|and\s+(?:up|above|over)|plus)",
        rf"(?<![\d.]){_AMOUNT}\s*{_KO_COMPARE}",
        rf"(?<![\d.]){_AMOUNT}\s*{_KO_TOOK}",
    )
)


def find_min_duration_ms(scan: Scan) -> float | None:
    """The smallest latency asked for, in milliseconds (consumed), or ``None``."""
    for pattern in PATTERNS:
        match = scan.take(pattern)
        if match:
            seconds = number_value(match["num"]) * unit_seconds(match["unit"])
            return round(min(seconds, MAX_THRESHOLD_S) * 1000, 3)
    return None
