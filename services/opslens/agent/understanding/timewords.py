"""Time windows in questions, English and Korean, read into ``[start, end]``.

The forms are a table tried in order; the first that matches wins and is consumed:

- ranges counted back from now: "between 3 and 2 hours ago", "3시간 전부터 2시간 전까지" (given
  the wrong way round they are swapped, and :attr:`TimeWindow.swapped` says so);
- ranges: "between 10:00 and 11:00", "from 2026-11-25T10:00Z to 12:00", "10시부터 11시까지",
  "10:00~11:00";
- "since 2 hours ago", "3시간 전부터": from then to now;
- relative: "last 3 hours", "past day", "within 30 minutes", "지난 3시간", "최근 15분",
  "2시간 동안", "1시간 이내";
- since/until a point: "since 10:00", "오늘 9시 이후", "until 11:00", "11시까지";
- "N ago": "40 minutes ago", "30분 전": a window around that moment, half-width a quarter of
  N, between 5 minutes and an hour (40 minutes ago = [now-50m, now-30m]); whole days for days
  ("2 days ago" is that calendar day);
- around a point: "at 14:05", "around 3pm", "10시쯤", "2026-11-25T10:00:00Z": +-15 minutes;
- parts of days: "this morning", "yesterday afternoon", "last night", "오늘 오전", "어젯밤";
- "this week", "이번 주", "this month", "이번 달": from its first day to now;
- a day alone: "today"/"오늘" = local midnight to now, "yesterday"/"어제" = the whole previous
  local day, a date = that whole day.

Everything is in ``now``'s zone (the configured one) unless the text names a zone or offset.
Ends are capped at ``now``: there is no data from the future.
"""

from __future__ import annotations

import re
from datetime import date, datetime

from opslens.agent.understanding import windows
from opslens.agent.understanding.clock import DAY, EN_DATE, KO_DATE, POINT, read_point
from opslens.agent.understanding.normalize import Scan
from opslens.agent.understanding.quantities import (
    DIGITS,
    EN_MORE,
    EN_NUMBER,
    EN_UNIT,
    KO_DURATION,
    KO_MORE,
    KO_NUMBER,
    KO_UNIT,
)
from opslens.agent.understanding.windows import Reader, TimeWindow

_NOT_LATIN = r"(?<![a-z])"
_A = rf"(?P<a>{POINT})"
_B = rf"(?P<b>{POINT})"
# A Korean unit ends the word, or a particle or duration suffix follows ("최근 주문" is not a week).
_KO_UNIT_END = (
    r"(?:(?![가-힣])|(?=동안|간|의|에|이내|내|치|사이|만|부터|까지|을|를|이|가|은|는|도|로|전|째))"
)
_EN_MORE = rf"(?P<more>{EN_MORE})?"
_KO_MORE = rf"(?P<more>{KO_MORE})?"
_EN_AMOUNT = rf"(?P<num>{EN_NUMBER})\s*(?P<unit>{EN_UNIT}){_EN_MORE}"
_EN_MAYBE_AMOUNT = rf"(?:(?P<num>{EN_NUMBER})\s*)?(?P<unit>{EN_UNIT}){_EN_MORE}"
# A number word starts a word ("세 시간", not the "세" inside "상세"); digits may follow Hangul.
_KO_NUMBER_AT = rf"(?<![\d.])(?P<num>(?<![가-힣]){KO_NUMBER}|{DIGITS})"
_KO_AMOUNT = (
    rf"(?:(?P<word>{KO_DURATION})|{_KO_NUMBER_AT}\s*(?P<unit>{KO_UNIT}){_KO_UNIT_END}){_KO_MORE}"
)
_KO_MAYBE_AMOUNT = (
    rf"(?:(?P<word>{KO_DURATION})|(?:{_KO_NUMBER_AT}\s*)?(?P<unit>{KO_UNIT}){_KO_UNIT_END})"
    rf"{_KO_MORE}"
)
_ANY_AMOUNT = (
    rf"(?:(?P<word>{KO_DURATION})"
    rf"|{_KO_NUMBER_AT}\s*(?P<unit>{KO_UNIT}{_KO_UNIT_END}|{EN_UNIT})){_KO_MORE}"
)
# Two moments counted back from now: "between 2 and 1 hours ago", "2시간 전부터 1시간 전까지".
_N1 = rf"(?P<n1>{EN_NUMBER}|{KO_NUMBER})"
_N2 = rf"(?P<n2>{EN_NUMBER}|{KO_NUMBER})"
_U1 = rf"(?P<u1>{EN_UNIT}|{KO_UNIT})"
_U2 = rf"(?P<u2>{EN_UNIT}|{KO_UNIT})"
_EN_AGO_BETWEEN = rf"{_NOT_LATIN}between\s+{_N1}(?:\s*{_U1})?\s+and\s+{_N2}\s*{_U2}\s+ago"
_EN_AGO_FROM = (
    rf"{_NOT_LATIN}from\s+{_N1}\s*{_U1}\s+ago\s+(?:to|until|till|through)\s+{_N2}\s*{_U2}"
    r"\s+ago"
)
_KO_AGO_RANGE = (
    rf"(?:(?<![가-힣])(?P<w1>{KO_DURATION})|(?<![\d.가-힣]){_N1}\s*{_U1})\s*(?:전\s*)?"
    rf"(?:부터|에서|과|와|하고|~|-)\s*"
    rf"(?:(?P<w2>{KO_DURATION})|{_N2}\s*{_U2})\s*전\s*(?:까지|사이)"
)
_EN_LAST = (
    r"(?<![a-z])(?:(?:in|over|for|during|from|within)\s+)?(?:the\s+)?"
    r"(?:last|past|previous|recent|trailing|latest|prior)"
)
_KO_LAST = r"(?:지난|최근|과거|직전)"
_KO_DURATION_SUFFIX = r"(?:동안|간|이내|내(?:에|의)?(?![가-힣])|사이|치|안에)"
_RANGE_JOIN = r"(?:~|–|—|-|\bto\b|\buntil\b|\btill\b)"
_AT_KO = r"(?:쯤|경|무렵|즈음|께)(?:에|의)?|에(?![가-힣])"
_EN_PART_OF_DAY = (
    r"(?<![a-z])(?P<day>this|today|yesterday|tonight|last)?(?:'s)?\s*"
    r"(?P<part>morning|afternoon|evening|night)(?![a-z])"
)
_KO_PART_OF_DAY = (
    r"(?:(?P<day>오늘|어제|그저께|금일|어젯|간)\s*)?(?P<part>오전|오후|아침|저녁|밤|새벽|낮)"
    r"(?:(?![가-힣])|(?=에|의|부터|까지|동안|사이|중|엔))"
)
_THIS_PERIOD = r"(?<![a-z])this\s+(?P<unit>week|month)(?![a-z])|(?:이번|금)\s*(?P<ko>주|달)"

FORMS: tuple[tuple[re.Pattern[str], Reader], ...] = tuple(
    (re.compile(pattern), reader)
    for pattern, reader in (
        (_EN_AGO_BETWEEN, windows.ago_range),
        (_EN_AGO_FROM, windows.ago_range),
        (_KO_AGO_RANGE, windows.ago_range),
        (rf"{_NOT_LATIN}between\s+{_A}\s+and\s+{_B}", windows.between),
        (rf"{_NOT_LATIN}from\s+{_A}\s*(?:through|{_RANGE_JOIN})\s*{_B}", windows.between),
        (rf"{_A}\s*(?:부터|에서)\s*{_B}\s*(?:까지|사이)", windows.between),
        (rf"{_A}\s*(?:와|과|하고|이랑|랑)\s*{_B}\s*사이", windows.between),
        (rf"{_A}\s*{_RANGE_JOIN}\s*{_B}", windows.between),
        (rf"{_NOT_LATIN}(?:since|from|starting)\s+{_EN_AMOUNT}\s+ago", windows.relative),
        (rf"{_KO_AMOUNT}\s*전\s*(?:부터|이후)", windows.relative),
        (rf"{_EN_LAST}\s+{_EN_MAYBE_AMOUNT}", windows.relative),
        (rf"(?<![a-z\d.]){_EN_AMOUNT}\s+(?:worth\s+)?of(?![a-z])", windows.relative),
        (rf"{_NOT_LATIN}within\s+(?:the\s+)?{_EN_MAYBE_AMOUNT}", windows.relative),
        (rf"{_KO_LAST}\s*{_KO_MAYBE_AMOUNT}", windows.relative),
        (rf"{_ANY_AMOUNT}\s*{_KO_DURATION_SUFFIX}", windows.relative),
        (rf"{_NOT_LATIN}(?:since|after|from|starting(?:\s+(?:at|from))?)\s+{_A}", windows.since),
        (rf"{_A}\s*(?:부터|이후)", windows.since),
        (rf"{_NOT_LATIN}(?:until|till|before|up\s+to)\s+{_B}", windows.until),
        (rf"{_B}\s*(?:까지|이전|전까지)", windows.until),
        (rf"(?<![a-z\d.]){_EN_AMOUNT}\s+ago", windows.ago),
        (rf"{_KO_AMOUNT}\s*전(?:에|쯤|의|즈음|경)?(?![가-힣])", windows.ago),
        (rf"{_NOT_LATIN}(?:at|around|about|near|approximately)\s+{_A}", windows.around),
        (rf"{_A}\s*(?:{_AT_KO})", windows.around),
        (_EN_PART_OF_DAY, windows.part_of_day),
        (_KO_PART_OF_DAY, windows.part_of_day),
        (_THIS_PERIOD, windows.this_period),
        (_A, windows.day_or_point),
    )
)

_ANCHOR = re.compile(rf"{KO_DATE}|{EN_DATE}|{DAY}")


def _anchor_day(scan: Scan, now: datetime) -> tuple[date | None, re.Match[str] | None]:
    """A day named on its own ("yesterday ... since 10:00"), which dates bare clock times."""
    match = scan.find(_ANCHOR)
    if match is None:
        return None, None
    point = read_point(match.group(0), now)
    return (point.day_in(now) if point else None), match


def find_window(scan: Scan, now: datetime) -> TimeWindow | None:
    """The first time window the question states (consumed), in ``now``'s zone, or ``None``."""
    anchor, anchor_match = _anchor_day(scan, now)
    for pattern, reader in FORMS:
        for match in scan.finditer(pattern):
            try:
                window = reader(match, now, anchor)
            except (OverflowError, ValueError):  # dates outside what datetime can hold
                window = None
            if window is None:
                continue
            scan.consume(match.start(), match.end())
            if anchor_match and scan.text[anchor_match.start() : anchor_match.end()].strip():
                scan.consume(anchor_match.start(), anchor_match.end())
            zone = now.tzinfo
            start = window.start.astimezone(zone) if window.start else None
            return TimeWindow(start, window.end.astimezone(zone), window.swapped, window.capped)
    return None
