"""Numbers and duration units as people write them, in English and Korean.

Shared by time windows ("last three hours", "지난 세 시간") and latency thresholds ("over 1.5 s",
"500밀리초 이상"). Patterns are strings to embed in larger expressions; :func:`number_value` and
:func:`unit_seconds` read what they matched.
"""

from __future__ import annotations

import re

EN_NUMBER_WORDS: dict[str, float] = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "fifteen": 15,
    "twenty": 20, "twenty-four": 24, "thirty": 30, "forty": 40, "forty-five": 45, "fifty": 50,
    "sixty": 60, "ninety": 90, "a couple of": 2, "couple of": 2, "a couple": 2, "a few": 3,
    "few": 3, "several": 3, "half an": 0.5, "half a": 0.5, "half": 0.5,
}  # fmt: skip

_KO_NATIVE_UNITS: dict[str, int] = {
    "한": 1, "두": 2, "세": 3, "네": 4, "다섯": 5, "여섯": 6, "일곱": 7, "여덟": 8, "아홉": 9,
}  # fmt: skip
_KO_NATIVE_TENS: dict[str, int] = {"열": 10, "스물": 20, "서른": 30, "마흔": 40, "쉰": 50}
_KO_SINO_DIGITS: dict[str, int] = {
    "일": 1, "이": 2, "삼": 3, "사": 4, "오": 5, "육": 6, "칠": 7, "팔": 8, "구": 9,
}  # fmt: skip


def _korean_numerals() -> dict[str, float]:
    """Korean number words up to 99 as they count hours and minutes: native ("두", "열두",
    "스물네", "서른") and Sino-Korean from ten up ("십오", "삼십", "사십오"; a lone "이" or "일"
    is a particle or a day, never a number)."""
    words: dict[str, float] = {
        "하나": 1, "둘": 2, "셋": 3, "넷": 4, "스무": 20, "몇": 3, "한두": 2, "두어": 2,
        "두세": 3, "서너": 4, "너댓": 5, "네댓": 5, "대여섯": 6,
    }  # fmt: skip
    words.update(_KO_NATIVE_UNITS)
    for ten, ten_value in _KO_NATIVE_TENS.items():
        words[ten] = ten_value
        for unit, unit_value in _KO_NATIVE_UNITS.items():
            words[ten + unit] = ten_value + unit_value
    for tens_word, tens in {"": 1, **_KO_SINO_DIGITS}.items():
        if tens == 1 and tens_word:
            continue
        words[f"{tens_word}십"] = tens * 10
        for unit, unit_value in _KO_SINO_DIGITS.items():
            words[f"{tens_word}십{unit}"] = tens * 10 + unit_value
    return words


KO_NUMBER_WORDS: dict[str, float] = _korean_numerals()

# Each unit's spellings, longest first within the alternation built below.
UNIT_SECONDS: dict[str, float] = {
    "milliseconds": 0.001, "millisecond": 0.001, "msecs": 0.001, "msec": 0.001, "ms": 0.001,
    "밀리초": 0.001, "밀리세컨드": 0.001,
    "seconds": 1, "second": 1, "secs": 1, "sec": 1, "s": 1, "초": 1,
    "minutes": 60, "minute": 60, "mins": 60, "min": 60, "m": 60, "분": 60,
    "hours": 3600, "hour": 3600, "hrs": 3600, "hr": 3600, "h": 3600, "시간": 3600,
    "days": 86400, "day": 86400, "d": 86400, "일": 86400,
    "weeks": 604800, "week": 604800, "wks": 604800, "wk": 604800, "w": 604800,
    "주일": 604800, "주": 604800,
    "months": 2592000, "month": 2592000, "개월": 2592000, "달": 2592000,
    "years": 31536000, "year": 31536000, "yrs": 31536000, "yr": 31536000, "년": 31536000,
}  # fmt: skip

# Whole Korean words that carry their own number.
KO_DURATION_WORDS: dict[str, float] = {
    "하루": 86400, "이틀": 172800, "사흘": 259200, "일주일": 604800, "한 주": 604800,
    "한주": 604800, "반나절": 21600, "한나절": 43200, "반 시간": 1800, "반시간": 1800,
}  # fmt: skip


def _alternation(words: list[str]) -> str:
    return "|".join(re.escape(word) for word in sorted(words, key=len, reverse=True))


DIGITS = r"\d+(?:[.,]\d+)?"
_HALF_MORE = r"\s+and\s+a\s+half"
EN_NUMBER = rf"(?:(?:{DIGITS}|{_alternation(list(EN_NUMBER_WORDS))})(?:{_HALF_MORE})?)"
KO_NUMBER = rf"(?:{DIGITS}|{_alternation(list(KO_NUMBER_WORDS))})"
EN_UNIT = rf"(?:{_alternation([u for u in UNIT_SECONDS if u.isascii()])})(?![a-z])"
KO_UNIT = rf"(?:{_alternation([u for u in UNIT_SECONDS if not u.isascii()])})"
KO_DURATION = rf"(?:{_alternation(list(KO_DURATION_WORDS))})"
SUBSECOND_UNIT = r"(?:milliseconds?|msecs?|ms|밀리초|밀리세컨드)"
SECOND_UNIT = r"(?:seconds?|secs?|s|초)"
MINUTE_UNIT = r"(?:minutes?|mins?|m|분)"
THRESHOLD_UNIT = rf"(?:{SUBSECOND_UNIT}|{SECOND_UNIT}|{MINUTE_UNIT})(?![a-z])"
# What may follow an amount to make it compound: "a day and a half", "1 hour 30 minutes",
# "1h30m", "하루 반", "1시간 반", "2시간 30분".
EN_MORE = rf"{_HALF_MORE}|\s*(?:and\s+)?\d+\s*(?:minutes?|mins?|m)(?![a-z])"
KO_MORE = r"\s*반(?!나절)(?=[^가-힣]|$|동안|간|의|에|이내|내|전|부터|까지|사이|만)|\s*\d+\s*분"


def number_value(text: str) -> float:
    """The value of a number matched by ``EN_NUMBER`` or ``KO_NUMBER`` (``"1,5"`` reads 1.5,
    ``"1,000"`` reads 1000)."""
    cleaned = " ".join(text.split())
    if cleaned.endswith(" and a half"):
        return number_value(cleaned.removesuffix(" and a half")) + 0.5
    if cleaned in EN_NUMBER_WORDS:
        return EN_NUMBER_WORDS[cleaned]
    if cleaned in KO_NUMBER_WORDS:
        return KO_NUMBER_WORDS[cleaned]
    if re.fullmatch(r"\d{1,3}(?:,\d{3})+", cleaned):
        return float(cleaned.replace(",", ""))
    return float(cleaned.replace(",", "."))


def unit_seconds(unit: str) -> float:
    """Seconds in one ``unit`` (any spelling in ``UNIT_SECONDS``)."""
    return UNIT_SECONDS[unit.strip()]


def duration_seconds(
    number: str | None, unit: str | None, word: str | None = None, more: str | None = None
) -> float:
    """Seconds in "``number`` ``unit``" (no number means one), or in a Korean duration word,
    plus what ``more`` adds: half of the unit ("and a half", "반") or some minutes."""
    if word:
        seconds = KO_DURATION_WORDS[" ".join(word.split())]
        unit_size = 86400.0 if seconds in (172800, 259200) else seconds  # 이틀 반: 2.5 days
    else:
        assert unit is not None
        unit_size = unit_seconds(unit)
        seconds = (number_value(number) if number else 1.0) * unit_size
    extra = (more or "").strip()
    if extra.endswith("half") or extra == "반":
        return seconds + unit_size / 2
    minutes = re.search(r"\d+", extra)
    return seconds + (int(minutes.group(0)) * 60 if minutes else 0)
