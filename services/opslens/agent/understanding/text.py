"""Text to search for: quoted phrases, "containing X", "X 포함된", "X라는 메시지".

The value is returned exactly as the user typed it (case and all); the tools escape it. It is
never interpreted: no wildcards, no query syntax.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from opslens.agent.understanding.normalize import Scan, strip_particles

# Straight single quotes need a non-word character outside them, so "order-service's" is no quote.
_QUOTED: tuple[re.Pattern[str], ...] = tuple(
    re.compile(pattern)
    for pattern in (
        r'"(?P<t>[^"]+)"',
        r"“(?P<t>[^”]+)”",
        r"‘(?P<t>[^’]+)’",
        r"「(?P<t>[^」]+)」",
        r"『(?P<t>[^』]+)』",
        r"`(?P<t>[^`]+)`",
        r"(?<![0-9A-Za-z])'(?P<t>[^']+)'(?![0-9A-Za-z])",
    )
)
_EN_STOP = (
    r"(?:from|in|for|over|during|since|between|within|of|at|on|last|past|today|yesterday|and|or"
    r"|with|by|to|that|which|after|before|until)"
)
_EN_INTRO = re.compile(
    r"(?<![a-z])(?:containing|contains?|that\s+contains?|which\s+contains?|including|mentioning"
    r"|matching|that\s+(?:say|says|mention|mentions)|with\s+(?:the\s+)?(?:message|text|word|phrase"
    r"|string|keyword))\s+(?P<t>[^\s?!,;.]+(?:\s+(?!" + _EN_STOP + r"(?![a-z]))[^\s?!,;.]+)*)"
)
_KO_MARKER = re.compile(
    r"\s*(?:(?:이|가)?\s*(?:포함된|포함한|포함하는|포함되어\s*있는|포함돼\s*있는|포함|들어간|들어있는"
    r"|들어\s*있는)|(?:이라는|라는|이란|란)\s*(?:메시지|메세지|문구|텍스트|단어|문자열|에러|오류|로그|말))"
)


# Words that say what kind of record is wanted, not what it contains ("에러 포함된 로그").
_KO_GENERIC = frozenset({"에러", "오류", "경고", "로그", "메시지", "예외", "실패", "문구", "내용"})


def _korean_subject(scan: Scan, end: int, is_name: Callable[[str], bool]) -> tuple[int, int] | None:
    """The span of the phrase right before a Korean marker: one Korean word, or a run of
    plain Latin words ("connection refused") that stops at a name ("frontend timeout")."""
    words = list(re.finditer(r"\S+", scan.text[:end]))
    if not words:
        return None
    last = words[-1]
    if re.search(r"[가-힣]", last.group(0)) and not re.match(r"[a-z0-9]", last.group(0)):
        stem = strip_particles(last.group(0))
        return None if stem in _KO_GENERIC else (last.start(), last.start() + len(stem))
    latin_stem = re.match(r"[^가-힣]+", last.group(0))
    if latin_stem is None:
        return None
    start, stop = last.start(), last.start() + len(latin_stem.group(0))
    for previous in reversed(words[:-1]):
        token = previous.group(0)
        if not re.fullmatch(r"[a-z0-9][a-z0-9.:/]*", token) or is_name(token):
            break
        start = previous.start()
    return start, stop


def find_text(scan: Scan, is_name: Callable[[str], bool] = lambda _: False) -> str | None:
    """The text to search for, verbatim (consumed), or ``None``. ``is_name`` tells words that
    name a service, which never start an unquoted phrase."""
    quoted = [
        match
        for pattern in _QUOTED
        if (match := pattern.search(scan.original))
        and match["t"].strip()
        and scan.text[match.start() : match.end()].strip()
    ]
    if quoted:
        # The quote that opens first holds any others ('a "b" c' is one phrase).
        first = min(quoted, key=lambda match: (match.start(), -match.end()))
        scan.consume(first.start(), first.end())
        return first["t"].strip()
    english = scan.find(_EN_INTRO)
    if english:
        scan.consume(english.start(), english.end())
        return scan.verbatim(english.start("t"), english.end("t"))
    marker = scan.find(_KO_MARKER)
    if marker:
        span = _korean_subject(scan, marker.start(), is_name)
        if span and span[1] > span[0]:
            scan.consume(span[0], marker.end())
            return scan.verbatim(*span)
    return None
