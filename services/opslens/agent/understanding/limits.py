"""Limits on values: "above 5%", "more than 100 errors", "over 50 rps", "5% 넘는", "100건 이상".

Latencies ("over 300 ms") are read by :mod:`thresholds` (they filter traces); the planner turns
them into a limit when the question is about metrics. Only the comparison and the number are
consumed: "errors" in "more than 100 errors" still says what is counted.
"""

from __future__ import annotations

import re

from opslens.agent.plan import Threshold, ThresholdUnit

_NUM = r"(?P<num>\d+(?:[.,]\d+)?)"
_EN_ABOVE = (
    r"(?:above|over|more\s+than|greater\s+than|higher\s+than|exceed(?:s|ing)?|at\s+least|>=?|≥"
    r"|beyond|north\s+of)"
)
_EN_BELOW = r"(?:below|under|less\s+than|lower\s+than|fewer\s+than|at\s+most|<=?|≤)"
_KO_ABOVE = r"(?:이상|초과|넘는|넘은|넘게|넘어|넘|보다\s*(?:높|크|큰|많))"
_KO_BELOW = r"(?:이하|미만|아래|밑|보다\s*(?:낮|작|적))"
_PERCENT = r"(?:\s*%|\s*percent|\s*pct|\s*퍼센트|\s*프로(?![가-힣]))"
_RATE = r"\s*(?:rps|qps|req(?:uests?)?\s*/\s*s(?:ec)?|requests?\s+(?:per|a)\s+second)(?![a-z])"
_COUNTED = (
    r"\s*(?=(?:error|exception|failure|warning|log|line|time|request|event|restart|crash)s?"
    r"(?![a-z])|건|개|번|회)(?:건|개|번|회)?"
)

_PATTERNS: tuple[tuple[str, ThresholdUnit], ...] = (
    (rf"(?<![a-z])(?P<cmp>{_EN_ABOVE}|{_EN_BELOW})\s*{_NUM}{_PERCENT}", "percent"),
    (rf"(?<![\d.]){_NUM}{_PERCENT}\s*(?:이|가)?\s*(?P<cmp>{_KO_ABOVE}|{_KO_BELOW})", "percent"),
    (rf"(?<![a-z])(?P<cmp>{_EN_ABOVE}|{_EN_BELOW})\s*{_NUM}{_RATE}", "req/s"),
    (rf"(?<![\d.]){_NUM}{_RATE}\s*(?P<cmp>{_KO_ABOVE}|{_KO_BELOW})", "req/s"),
    (
        rf"초당\s*(?:요청|호출|트래픽)?\s*(?:이|가|은|는|수가)?\s*{_NUM}\s*(?:건|개|회|번|요청)?\s*"
        rf"(?:이|가)?\s*(?P<cmp>{_KO_ABOVE}|{_KO_BELOW})",
        "req/s",
    ),
    (rf"(?<![a-z])(?P<cmp>{_EN_ABOVE}|{_EN_BELOW})\s*{_NUM}(?={_COUNTED})", "count"),
    (
        rf"(?<![\d.]){_NUM}\s*(?:건|개|번|회)\s*(?:이|가)?\s*(?P<cmp>{_KO_ABOVE}|{_KO_BELOW})",
        "count",
    ),
)
_FORMS = tuple((re.compile(pattern), unit) for pattern, unit in _PATTERNS)
_BELOW = re.compile(rf"{_EN_BELOW}|{_KO_BELOW}")


def find_limit(scan_text: str) -> tuple[Threshold, tuple[int, int]] | None:
    """The first limit stated in ``scan_text`` and the span to consume, or ``None``."""
    for pattern, unit in _FORMS:
        match = pattern.search(scan_text)
        if match is None:
            continue
        value = float(match["num"].replace(",", "."))
        comparison = "below" if _BELOW.fullmatch(match["cmp"].strip()) else "above"
        end = (
            match.end("num")
            if unit == "count" and match.start("cmp") < match.start("num")
            else match.end()
        )
        return Threshold(comparison=comparison, value=value, unit=unit), (match.start(), end)
    return None
