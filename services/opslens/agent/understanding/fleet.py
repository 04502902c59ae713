"""Fleet questions: "which services ...", "per service", "서비스별", and how they are ranked.

A breakdown is asked for when the question wants services named rather than one number for all
of them. The rank comes from superlatives ("highest", "most", "가장 높은" rank highest first;
"lowest", "fewest", "가장 낮은" lowest first). Rank words are read, not consumed: "slowest" still
says the question is about latency.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from opslens.agent.plan import GroupBy, Order
from opslens.agent.understanding.normalize import Scan

_SERVICE = r"(?:micro)?services?|apps?|applications?|components?|backends?|workloads?"
_BREAKDOWN = re.compile(
    rf"(?<![a-z])(?:(?:which|what)\s+(?:(?:of\s+)?(?:the|our|my)\s+)?"
    rf"(?:(?P<which_n>\d{{1,3}})\s+)?(?:{_SERVICE})"
    rf"|(?:the\s+)?(?:(?P<ranked_n>\d{{1,3}})\s+)?(?P<rank_word>highest|lowest|most|least"
    rf"|worst|best|busiest|noisiest|slowest|fastest|biggest|largest)[\s-]+(?:{_SERVICE})"
    rf"|(?:per|by|each|every|for\s+each|across)\s+(?:{_SERVICE})"
    rf"|rank(?:ed|ing)?\s+(?:the\s+|all\s+|our\s+)?(?:{_SERVICE})"
    rf"|(?:top|bottom)\s+(?:(?P<top>\d{{1,3}})\s+)?(?:{_SERVICE})"
    rf"|(?:{_SERVICE})\s+(?:ranked|sorted|ordered|by\s+(?:their\s+)?)"
    rf"|(?:list|show|name|find)\s+(?:me\s+)?(?:the\s+|all\s+|any\s+)?services\s+(?:with|where|whose|that|having)"
    rf"|(?:the\s+)?services?\s+(?:with|having|that\s+ha(?:s|ve)|whose)\s+(?:the\s+)?"
    rf"(?:highest|lowest|most|fewest|least|worst|best|biggest|largest|smallest|max(?:imum)?)"
    rf"|(?:any|all)\s+services?\s+(?:with|where|whose|above|over|below|under|exceeding|that)"
    rf"|who(?:'s|\s+is|\s+has|\s+had|\s+have|\s+shows?)\s+(?:the\s+)?"
    rf"(?:highest|lowest|most|fewest|least|worst|best|biggest|largest|slowest|busiest)"
    rf")(?![a-z])"
    r"|(?:어떤|어느|무슨|어떠한)\s*서비스|서비스\s*(?:별|마다|순위|랭킹)|서비스들?\s*(?:중|가운데)"
    r"|(?:가장|제일)(?:\s*[가-힣]+){1,2}\s*서비스|각\s*서비스|(?:상위|하위)\s*(?P<top_ko>\d{1,3})?\s*(?:개\s*)?서비스|서비스들?\s*(?:을|를)?\s*(?:순서|순으로)"
)
_DESC = re.compile(
    r"(?<![a-z])(?:highest|most|top|worst|busiest|noisiest|slowest|biggest|largest|max(?:imum)?"
    r"|heaviest|greatest)(?![a-z])"
    r"|가장\s*(?:높|많|느|크|큰|오래|바쁜|심한)|제일\s*(?:높|많|느|크|큰|오래)|최고|최대|상위|많은\s*순"
    r"|높은\s*순|느린\s*순"
)
_ASC = re.compile(
    r"(?<![a-z])(?:lowest|least|fewest|fastest|smallest|min(?:imum)?|bottom|best)(?![a-z])"
    r"|가장\s*(?:낮|적|빠르|빠른|작)|제일\s*(?:낮|적|빠르|빠른|작)|최저|최소|하위|적은\s*순|낮은\s*순"
)


# "top 3" / "3 slowest" / "상위 3개" beside the services, when the breakdown phrase did not hold it.
_TOP = re.compile(
    r"(?<![a-z])(?:top|bottom|first)\s+(?P<n>\d{1,3})(?![\d.%])"
    r"|(?<![\w.])(?P<m>\d{1,3})\s+(?:highest|most|worst|busiest|noisiest|slowest|biggest"
    r"|largest|lowest|least|fewest|fastest|best)(?![a-z])"
    r"|(?:상위|하위)\s*(?P<k>\d{1,3})\s*(?:개|곳|위)?"
)


@dataclass(frozen=True)
class Breakdown:
    group_by: GroupBy | None
    order: Order | None
    said: str = ""
    top: int | None = None


def find_breakdown(scan: Scan) -> Breakdown:
    """Whether services are to be ranked (the phrase consumed) and in which order."""
    match = scan.find(_BREAKDOWN)
    if match is None:
        return Breakdown(None, None)
    desc, asc = scan.find(_DESC), scan.find(_ASC)
    in_phrase = [match.group(name) for name in ("which_n", "ranked_n", "top", "top_ko")]
    top = _top(next((number for number in in_phrase if number), None), scan)
    if match.group("rank_word"):  # "the 3 slowest services": "slowest" still names latency
        scan.consume(match.start(), match.start("rank_word"))
        scan.consume(match.end("rank_word"), match.end())
    else:
        scan.consume(match.start(), match.end())
    said = scan.verbatim(match.start(), match.end())
    if desc and (asc is None or desc.start() <= asc.start()):
        return Breakdown("service", "desc", said, top)
    return Breakdown("service", "asc" if asc else "desc", said, top)


def _top(in_phrase: str | None, scan: Scan) -> int | None:
    """How many of the ranking were asked for, if a number says so; that number is consumed."""
    if in_phrase:
        return int(in_phrase) or None
    match = scan.find(_TOP)
    if match is None:
        return None
    group = next(name for name in ("n", "m", "k") if match.group(name))
    scan.consume(match.start(group), match.end(group))
    return int(match.group(group)) or None
