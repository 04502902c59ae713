"""Follow-up questions: "now show the traces for those", "그 서비스의 메모리는?", "and yesterday?".

A question is a follow-up when it points back ("those", "that service", "그 서비스", "그거",
"what about", "그럼") or is too short to stand alone (three words or fewer). A follow-up takes
from the previous plan what it does not say itself: services (and their pod), namespace, trace
id and window (a window the user stated; a defaulted one is defaulted again for the new
intent); and when it names no intent of its own ("what about payment-service?", "어제는?"),
the previous intent with its metric, level, text and latency filter too.
"""

from __future__ import annotations

import re

from opslens.agent.understanding.normalize import word

SHORT_QUESTION_WORDS = 3

_CUES = re.compile(
    word(
        r"those|these|them|they|that\s+service|this\s+service|the\s+same|same\s+(?:services?|time"
        r"|window|period|range|pods?)|its|their|that\s+(?:pod|trace|one|time|period|window)"
        r"|what\s+about|how\s+about|and\s+(?:the|its|their|for|what)|also|as\s+well|too|instead"
        r"|now\s+(?:show|give|let|the|its|their|check|what|for|get|list)|related"
    )
    + r"|^\s*then\b|\b(?:then|there)\s*[?.!]*\s*$"
    + r"|(?<![가-힣])(?:그|해당|이|저|같은|위|앞)\s*"
    + r"(?:서비스|파드|트레이스|로그|시간|시각|때|기간|구간)"
    + r"|그거|그것|그걸|그게|그때|그럼|그러면|이제|이번엔|이번에는|거기|그쪽|저거|방금\s*(?:그|거)"
)


def is_follow_up(folded_question: str) -> bool:
    """Whether the (case-folded) question leans on the previous one."""
    if _CUES.search(folded_question):
        return True
    return len(folded_question.split()) <= SHORT_QUESTION_WORDS
