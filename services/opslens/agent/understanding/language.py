"""Which language a question is in: Korean when it has any Hangul, English otherwise.

Korean questions routinely carry English service names and terms ("order-service 에러 로그"),
so one Hangul syllable is enough to answer in Korean.
"""

from __future__ import annotations

from opslens.agent.plan import Language
from opslens.agent.understanding.normalize import has_hangul


def detect_language(question: str) -> Language:
    """``"ko"`` if the question contains Hangul, else ``"en"``."""
    return "ko" if has_hangul(question) else "en"
