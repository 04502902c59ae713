"""Comparisons over time: "than 3 hours ago", "than yesterday", "vs last week", "1시간 전보다",
"어제보다", "지난주 대비".

The result is how far back the baseline window lies; the planner shifts the question's own
window by it, so both windows have the same length ("is it slower than yesterday?" compares the
last hour with the same hour yesterday). "Than before" / "이전보다" means the window just before.
Read before time windows, so "3 hours ago" here is not taken for the question's own window.
"""

from __future__ import annotations

import re
from datetime import timedelta

from opslens.agent.understanding.normalize import Scan
from opslens.agent.understanding.quantities import (
    EN_NUMBER,
    EN_UNIT,
    KO_DURATION,
    KO_NUMBER,
    KO_UNIT,
    duration_seconds,
    number_value,
    unit_seconds,
)

PREVIOUS_WINDOW = timedelta(0)
"""The baseline is the window right before the question's own."""

_DAY, _WEEK = timedelta(days=1), timedelta(days=7)
_EN_LEAD = (
    r"(?<![a-z])(?:than|compared\s+(?:to|with)|in\s+comparison\s+(?:to|with)|vs\.?|versus"
    r"|relative\s+to|against)\s+(?:(?:it|they|this|that|things)\s+(?:was|were|is|did)\s+|"
    r"(?:at\s+)?(?:the\s+)?same\s+time\s+)?"
)
_EN_AGO = rf"(?P<num>{EN_NUMBER})\s*(?P<unit>{EN_UNIT})\s+(?:ago|before|earlier)"
_EN_NAMED = (
    r"(?P<named>yesterday|last\s+week|a\s+week\s+ago|one\s+week\s+ago|the\s+day\s+before"
    r"|a\s+day\s+ago|last\s+month)"
)
_EN_PREVIOUS = (
    r"(?P<previous>before|earlier|previously|the\s+(?:previous|prior|preceding)\s+"
    r"(?:hour|period|window|one)|an?\s+(?:hour|bit)\s+before)"
)
_KO_TAIL = (
    r"\s*(?:보다|대비|과\s*비교|와\s*비교|이랑\s*비교|랑\s*비교|하고\s*비교|에\s*비해|에\s*비하면)"
)
_KO_AGO = (
    rf"(?:(?<![가-힣])(?P<word>{KO_DURATION})|(?<![\d.가-힣])(?P<num>{KO_NUMBER})\s*"
    rf"(?P<unit>{KO_UNIT}))\s*전"
)
_KO_NAMED = (
    r"(?P<named>어제|어저께|지난\s*주|저번\s*주|일주일\s*전|지난\s*달|저번\s*달)"
    r"(?:\s*(?:이맘때|같은\s*시간))?"
)
_KO_PREVIOUS = r"(?P<previous>이전|그\s*전|직전|아까)"

# After "compare" earlier in the question: "compare X now with 2 hours ago", "X 어제랑 비교".
_EN_AFTER_COMPARE = r"(?<![a-z])(?:with|to|against|and)\s+(?:(?:at\s+)?(?:the\s+)?same\s+time\s+)?"
_COMPARE = re.compile(r"(?<![a-z])compar(?:e|ed|ing|ison)(?![a-z])")
AFTER_COMPARE: tuple[re.Pattern[str], ...] = tuple(
    re.compile(pattern)
    for pattern in (
        rf"{_EN_AFTER_COMPARE}{_EN_AGO}",
        rf"{_EN_AFTER_COMPARE}{_EN_NAMED}(?![a-z])",
        rf"{_EN_AFTER_COMPARE}{_EN_PREVIOUS}(?![a-z])",
    )
)

FORMS: tuple[re.Pattern[str], ...] = tuple(
    re.compile(pattern)
    for pattern in (
        rf"{_EN_LEAD}{_EN_AGO}",
        rf"{_EN_LEAD}{_EN_NAMED}(?![a-z])",
        rf"{_EN_LEAD}{_EN_PREVIOUS}(?![a-z])",
        rf"{_KO_AGO}{_KO_TAIL}",
        rf"{_KO_NAMED}{_KO_TAIL}",
        rf"{_KO_PREVIOUS}{_KO_TAIL}",
    )
)

_NAMED: dict[str, timedelta] = {
    "yesterday": _DAY, "the day before": _DAY, "a day ago": _DAY, "어제": _DAY, "어저께": _DAY,
    "last week": _WEEK, "a week ago": _WEEK, "one week ago": _WEEK, "지난주": _WEEK,
    "저번주": _WEEK, "일주일전": _WEEK, "last month": timedelta(days=30),
    "지난달": timedelta(days=30), "저번달": timedelta(days=30),
}  # fmt: skip


def find_baseline_offset(scan: Scan) -> timedelta | None:
    """How far back the window to compare with lies (consumed), ``PREVIOUS_WINDOW`` for the
    window just before, or ``None`` when nothing is compared."""
    forms = FORMS + AFTER_COMPARE if scan.find(_COMPARE) else FORMS
    for pattern in forms:
        match = scan.take(pattern)
        if match is None:
            continue
        groups = match.groupdict()
        if groups.get("word"):
            return timedelta(seconds=duration_seconds(None, None, groups["word"]))
        if groups.get("num"):
            return timedelta(seconds=number_value(groups["num"]) * unit_seconds(groups["unit"]))
        if groups.get("named"):
            named = " ".join(groups["named"].split())
            return _NAMED.get(named, _NAMED.get(named.replace(" ", ""), _DAY))
        return PREVIOUS_WINDOW
    return None
