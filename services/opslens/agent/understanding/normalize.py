"""Text normalization: Unicode NFC, case folding that keeps offsets, Korean particles, masking.

Extractors work on a :class:`Scan`: the question in NFC (``original``, for verbatim values such
as search text) and a lowercase copy of the same length (``text``) in which every consumed span
is blanked, so a phrase read as a time or a threshold is not read again as a service or an intent
word.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field

MAX_QUESTION_CHARS = 2000

# Longest first, so "으로" wins over "로" and "에서" over "에".
PARTICLES: tuple[str, ...] = tuple(
    sorted(
        (
            "에서",
            "의",
            "를",
            "을",
            "이",
            "가",
            "은",
            "는",
            "에",
            "로",
            "으로",
            "와",
            "과",
            "도",
            "만",
            "까지",
            "부터",
            "에게",
            "한테",
            "이랑",
            "랑",
            "하고",
            "에서의",
            "에서는",
            "에는",
            "에도",
            "로는",
            "으로는",
            "까지의",
            "부터의",
            "께서",
            "인가요",
            "는요",
            "은요",
        ),
        key=len,
        reverse=True,
    )
)

_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "`": "'"})
HANGUL = re.compile(r"[\uac00-\ud7a3\u1100-\u11ff\u3130-\u318f]")


def left(pattern: str) -> str:
    """``pattern`` not preceded by a Latin letter or digit (``\\b`` would treat Hangul as a
    word character and miss ``logs`` in ``logs에서``)."""
    return rf"(?<![a-z0-9]){pattern}"


def word(pattern: str) -> str:
    """``pattern`` as a whole Latin word: Korean particles may follow it directly."""
    return rf"(?<![a-z0-9])(?:{pattern})(?![a-z0-9])"


def phrases(english: str, korean: str = "") -> str:
    """One pattern from a table row of whitespace-separated alternatives: the English ones as
    whole words (Korean particles may follow), the Korean ones anywhere."""
    pattern = word("|".join(english.split())) if english.strip() else ""
    return "|".join(part for part in (pattern, *korean.split()) if part)


def fold_case(text: str) -> str:
    """Lowercase without changing the length (characters that would grow stay as they are)."""
    return "".join(lowered if len(lowered := char.lower()) == 1 else char for char in text)


def strip_particles(word_text: str) -> str:
    """A Korean word without its trailing particles (two at most).

    ``서비스에서는`` -> ``서비스``."""
    stem = word_text
    for _ in range(2):
        for particle in PARTICLES:
            if stem.endswith(particle) and len(stem) > len(particle):
                stem = stem[: -len(particle)]
                break
        else:
            break
    return stem


def has_hangul(text: str) -> bool:
    return HANGUL.search(text) is not None


@dataclass
class Scan:
    """The question being read: ``original`` (NFC) and ``text`` (folded, consumed spans blank)."""

    original: str
    text: str = field(init=False)

    def __post_init__(self) -> None:
        self.text = fold_case(self.original).translate(_APOSTROPHES)

    def consume(self, start: int, end: int) -> None:
        """Blank ``text[start:end]`` so later extractors do not see it."""
        self.text = self.text[:start] + " " * (end - start) + self.text[end:]

    def find(self, pattern: re.Pattern[str]) -> re.Match[str] | None:
        return pattern.search(self.text)

    def finditer(self, pattern: re.Pattern[str]) -> Iterator[re.Match[str]]:
        return pattern.finditer(self.text)

    def take(self, pattern: re.Pattern[str]) -> re.Match[str] | None:
        """The first match of ``pattern``, consumed."""
        match = pattern.search(self.text)
        if match:
            self.consume(match.start(), match.end())
        return match

    def take_all(self, pattern: re.Pattern[str]) -> list[re.Match[str]]:
        """Every match of ``pattern``, consumed."""
        matches = list(pattern.finditer(self.text))
        for match in matches:
            self.consume(match.start(), match.end())
        return matches

    def verbatim(self, start: int, end: int) -> str:
        """The user's own characters for a span of ``text``."""
        return self.original[start:end]


def prepare(question: str) -> tuple[str, bool]:
    """The question in NFC with whitespace collapsed, cut to ``MAX_QUESTION_CHARS``; and whether
    it was cut."""
    text = unicodedata.normalize("NFC", question)
    text = re.sub(r"\s+", " ", text).strip()
    if len(text) > MAX_QUESTION_CHARS:
        return text[:MAX_QUESTION_CHARS], True
    return text, False
