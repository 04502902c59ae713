"""Points in time as written: ISO timestamps, dates, day words and clock times, both languages.

``POINT`` is a pattern for one point ("2026-11-25T10:00:00Z", "yesterday at 3pm", "어제 오후
3시 30분", "10:00 UTC"); :func:`read_point` turns the matched text into a :class:`PointSpec`
and :meth:`PointSpec.resolve` into a datetime.

Clock times without a date mean their most recent past occurrence (at 01:20, "10:00" is
yesterday 10:00). "3시" without 오전/오후 is read on the 24-hour clock, like "03:00".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo

_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"),
            ("may",), ("jun", "june"), ("jul", "july"), ("aug", "august"),
            ("sep", "sept", "september"), ("oct", "october"), ("nov", "november"),
            ("dec", "december"),
        ),
        start=1,
    )
    for name in names
}  # fmt: skip
_MONTH = "|".join(sorted(_MONTHS, key=len, reverse=True))

# Day words: how many days before today.
DAY_OFFSETS: dict[str, int] = {
    "today": 0, "오늘": 0, "금일": 0,
    "yesterday": 1, "어제": 1, "어저께": 1,
    "the day before yesterday": 2, "day before yesterday": 2, "그저께": 2, "그제": 2,
}  # fmt: skip
DAY_WORDS = "|".join(sorted((re.escape(w) for w in DAY_OFFSETS), key=len, reverse=True))

ZONE_ABBREVIATIONS: dict[str, tzinfo] = {
    "utc": ZoneInfo("UTC"),
    "gmt": ZoneInfo("UTC"),
    "z": ZoneInfo("UTC"),
    "kst": ZoneInfo("Asia/Seoul"),
    "jst": ZoneInfo("Asia/Tokyo"),
}

_ISO = (
    r"\d{4}-\d{2}-\d{2}(?:[t ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:z|[+-]\d{2}:?\d{2})?)?"
    r"(?![\d:])"
)
KO_DATE = r"(?:\d{4}\s*년\s*)?\d{1,2}\s*월\s*\d{1,2}\s*일(?!\s*(?:동안|간|전|이내))"
EN_DATE = (
    rf"(?<![a-z])(?:(?:{_MONTH})\.?\s+\d{{1,2}}(?:st|nd|rd|th)?(?:,?\s+\d{{4}})?"
    rf"|\d{{1,2}}(?:st|nd|rd|th)?\s+(?:{_MONTH})(?![a-z])(?:,?\s+\d{{4}})?)"
)
DAY = rf"(?<![a-z가-힣])(?:{DAY_WORDS})(?![a-z])"
_KO_PART = r"(?:오전|오후|새벽|아침|낮|저녁|밤)"
_ZONE = r"(?:\s*(?:utc|gmt|kst|jst)(?![a-z]))?"
_EN_CLOCK = (
    r"(?<![\d:.])(?:\d{1,2}:\d{2}(?::\d{2})?(?:\s*[ap]\.?m\.?(?![a-z]))?"
    r"|\d{1,2}\s*[ap]\.?m\.?(?![a-z])|noon|midnight)"
)
_KO_CLOCK = r"(?<!\d)\d{1,2}\s*시(?!간)(?:\s*\d{1,2}\s*분(?!\s*(?:동안|간|전|이내))|\s*반)?"
CLOCK = rf"(?:(?:{_KO_PART}\s*)?(?:{_EN_CLOCK}|{_KO_CLOCK})|정오|자정){_ZONE}"
POINT = (
    rf"(?:{_ISO}|(?:{KO_DATE}|{EN_DATE}|{DAY})(?:\s*(?:at\s+)?{CLOCK})?"
    rf"|{CLOCK}(?:\s+(?:on\s+)?(?:{DAY}|{EN_DATE}))?)"
)


@dataclass(frozen=True)
class PointSpec:
    """A point as written: its date (if said), its clock time (if said) and its zone (if said)."""

    day: date | None
    day_offset: int | None
    clock: time | None
    zone: tzinfo | None

    @property
    def has_day(self) -> bool:
        return self.day is not None or self.day_offset is not None

    def day_in(self, now: datetime) -> date | None:
        if self.day is not None:
            return self.day
        if self.day_offset is not None:
            return now.date() - timedelta(days=self.day_offset)
        return None

    def resolve(
        self, now: datetime, anchor: date | None = None, zone: tzinfo | None = None
    ) -> datetime:
        """The datetime meant, in the point's own zone if it named one, else ``zone``, else
        ``now``'s.

        Without a day: ``anchor`` if given, else the most recent past occurrence of the clock.
        Without a clock: the start of the day.
        """
        zone = self.zone or zone or now.tzinfo
        local_now = now.astimezone(zone)
        clock = self.clock or time(0, 0)
        day = self.day_in(local_now) or anchor
        if day is None:
            candidate = datetime.combine(local_now.date(), clock, tzinfo=zone)
            if candidate > local_now:
                candidate = datetime.combine(
                    local_now.date() - timedelta(days=1), clock, tzinfo=zone
                )
            return candidate.astimezone(now.tzinfo)
        return datetime.combine(day, clock, tzinfo=zone).astimezone(now.tzinfo)


def _hour_for_part(hour: int, part: str) -> int:
    if part in ("pm", "오후", "저녁", "밤") and hour < 12:
        return hour + 12
    if part in ("오후", "낮") and hour == 12:
        return 12
    if part == "낮" and hour < 7:
        return hour + 12
    if part in ("am", "오전", "새벽") and hour == 12:
        return 0
    if part == "밤" and hour == 12:
        return 0
    return hour


def _read_clock(text: str) -> time | None:
    if "정오" in text or "noon" in text:
        return time(12, 0)
    if "자정" in text or "midnight" in text:
        return time(0, 0)
    part_match = re.search(r"오전|오후|새벽|아침|낮|저녁|밤|[ap](?=\.?m)", text)
    part = (
        {"a": "am", "p": "pm"}.get(part_match.group(0), part_match.group(0)) if part_match else ""
    )
    colon = re.search(r"(\d{1,2}):(\d{2})(?::(\d{2}))?", text)
    korean = re.search(r"(\d{1,2})\s*시(?:\s*(\d{1,2})\s*분|\s*(반))?", text)
    bare = re.search(r"(\d{1,2})\s*[ap]\.?m", text)
    if colon:
        hour, minute, second = int(colon[1]), int(colon[2]), int(colon[3] or 0)
    elif korean:
        hour, minute, second = int(korean[1]), 30 if korean[3] else int(korean[2] or 0), 0
    elif bare:
        hour, minute, second = int(bare[1]), 0, 0
    else:
        return None
    hour = _hour_for_part(hour, part)
    if hour == 24 and minute == 0:
        hour = 0
    if not (0 <= hour < 24 and 0 <= minute < 60 and 0 <= second < 60):
        return None
    return time(hour, minute, second)


def _read_date(text: str, today: date) -> date | None:
    ko = re.search(r"(?:(\d{4})\s*년\s*)?(\d{1,2})\s*월\s*(\d{1,2})\s*일", text)
    en = re.search(
        rf"(?:({_MONTH})\.?\s+(\d{{1,2}})|(\d{{1,2}})(?:st|nd|rd|th)?\s+({_MONTH}))"
        r"(?:[a-z]*)(?:,?\s+(\d{4}))?",
        text,
    )
    try:
        if ko:
            return date(int(ko[1] or today.year), int(ko[2]), int(ko[3]))
        if en:
            month = _MONTHS[en[1] or en[4]]
            return date(int(en[5] or today.year), month, int(en[2] or en[3]))
    except ValueError:
        return None
    return None


def read_point(text: str, now: datetime) -> PointSpec | None:
    """What a ``POINT`` match says, or ``None`` when it names no real date or time."""
    iso = re.match(_ISO, text)
    if iso:
        try:
            parsed = datetime.fromisoformat(iso.group(0).upper().replace(" ", "T"))
        except ValueError:
            return None
        has_clock = ":" in iso.group(0)
        return PointSpec(
            day=parsed.date(),
            day_offset=None,
            clock=parsed.time() if has_clock else None,
            zone=parsed.tzinfo,
        )
    zone_match = re.search(r"(utc|gmt|kst|jst)$", text.strip())
    zone = ZONE_ABBREVIATIONS[zone_match.group(1)] if zone_match else None
    day_word = re.search(DAY, text)
    day_offset = DAY_OFFSETS[day_word.group(0)] if day_word else None
    day = _read_date(text, now.date())
    clock = _read_clock(re.sub(rf"{KO_DATE}|{EN_DATE}|{DAY}|(?:utc|gmt|kst|jst)$", " ", text))
    if day is None and day_offset is None and clock is None:
        return None
    return PointSpec(day=day, day_offset=day_offset, clock=clock, zone=zone)
