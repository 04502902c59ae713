"""Which known services a question names, tolerating how people write them.

A mention matches a service when it is the same ignoring case and ``-``/``_``/``.``/spaces
("Order_Service", "order service"), when it is the service without its ``-service``/``-svc``
suffix or without a prefix most services share ("payment" for ``payment-service``, "order" for
``ts-order-service``), or, for words that are not ordinary English, when it is within a small
edit distance (difflib ratio >= ``FUZZY_THRESHOLD``: "ordr-service", "paymnet"). Korean
particles after a name are ignored ("order-service에서"). Names are never translated.

A Korean description before "서비스" ("주문 서비스", "결제서비스") is read through a small table of
what services are usually named in English (주문 -> order) and matched like any other mention;
the plan notes how it was read. Described services that match nothing are reported unknown.

Words that look like service names but match nothing ("shipping-service", "cart 서비스") are
returned as unknown, so the answer can list the known services instead of guessing.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from functools import lru_cache
from itertools import pairwise

from opslens.agent.understanding.normalize import Scan, strip_particles
from opslens.agent.understanding.vocabulary import can_name_service, is_common_word

FUZZY_THRESHOLD = 0.84
AMBIGUITY_MARGIN = 0.03
MIN_FUZZY_LENGTH = 4
MAX_PHRASE_WORDS = 4
SERVICE_SUFFIXES = ("service", "services", "svc", "srv")
SERVICE_WORD_SPELLINGS = ("service", "services", "svc", "서비스")

_TOKEN = re.compile(r"[a-z0-9][a-z0-9_.\-]*[a-z0-9]|[a-z0-9]")
_HANGUL_WORD = re.compile(r"[가-힣]+")
# Where a name sits: right before a Korean particle ("cart에서"), or after "from"/"of".
_PARTICLE_AFTER = re.compile(r"(?:에서|의|를|을|이|가|은|는|에|로|으로|와|과|도|만|까지|부터|쪽)")
# At most one space: a longer run is a consumed phrase ("p95 200ms 넘는 서비스"), not a gap.
_KOREAN_SERVICE_WORD = re.compile(r" ?서비스")
_NAME_PREPOSITION = re.compile(r"(?<![a-z])(?:from|of)\s+$")
# Korean words for what a service does, as services are usually named in English.
KOREAN_DESCRIPTIONS: dict[str, str] = {
    "주문": "order", "결제": "payment", "지불": "payment", "상품": "product", "제품": "product",
    "재고": "inventory", "사용자": "user", "유저": "user", "회원": "user", "알림": "notification",
    "통지": "notification", "배송": "shipping", "장바구니": "cart", "카트": "cart",
    "인증": "auth", "프론트엔드": "frontend", "프론트": "frontend", "검색": "search",
    "추천": "recommendation", "광고": "ad", "환율": "currency", "통화": "currency",
    "이메일": "email", "메일": "email", "체크아웃": "checkout", "계정": "account",
    "티켓": "ticket", "여행": "travel", "기차": "train", "로그인": "login", "가격": "price",
    "경로": "route", "고객": "customer", "리뷰": "review", "쿠폰": "coupon", "배차": "dispatch",
}  # fmt: skip
_DESCRIPTION = "|".join(sorted(KOREAN_DESCRIPTIONS, key=len, reverse=True))
# "주문 서비스", and lists sharing one "서비스": "주문이랑 결제 서비스", "주문, 결제 서비스".
_KOREAN_DESCRIBED = re.compile(
    rf"(?P<words>(?:{_DESCRIPTION})(?:\s*(?:이랑|랑|하고|과|와|,|및)\s*(?:{_DESCRIPTION}))*)"
    r"\s*서비스"
)
_ONE_DESCRIPTION = re.compile(_DESCRIPTION)


def name_key(name: str) -> str:
    """A name without case and separators: ``Order_Service`` -> ``orderservice``."""
    return re.sub(r"[\s\-_.]", "", name.lower())


def _without_suffix(key: str) -> str:
    for suffix in SERVICE_SUFFIXES:
        if key.endswith(suffix) and len(key) > len(suffix):
            return key[: -len(suffix)]
    return key


def _shared_prefix(services: list[str]) -> str | None:
    """A first name part most services share (``ts`` in ``ts-order-service``), if any."""
    firsts = Counter(re.split(r"[-_.]", s.lower())[0] for s in services if re.search(r"[-_.]", s))
    if not firsts:
        return None
    prefix, count = firsts.most_common(1)[0]
    return prefix if count >= 3 and count * 2 >= len(services) else None


@dataclass
class ServiceMatches:
    """Services found (in order of mention), unknown names, and typo corrections made."""

    services: list[str] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)
    corrected: dict[str, str] = field(default_factory=dict)
    described: dict[str, str] = field(default_factory=dict)

    def add(self, service: str) -> None:
        if service not in self.services:
            self.services.append(service)


class ServiceCatalog:
    """The known services with every spelling that should reach them, built once."""

    def __init__(self, services: list[str]) -> None:
        self.services = list(dict.fromkeys(services))
        prefix = _shared_prefix(self.services)
        spellings: dict[str, set[str]] = {}
        for service in self.services:
            key = name_key(service)
            forms = {key, _without_suffix(key)}
            if prefix and key.startswith(prefix) and len(key) > len(prefix):
                forms |= {key[len(prefix) :], _without_suffix(key[len(prefix) :])}
            for form in forms:
                if form:
                    spellings.setdefault(form, set()).add(service)
        exact = {name_key(s): s for s in self.services}
        # A spelling shared by two services names neither, unless it is one's exact name.
        self.aliases: dict[str, str] = {
            form: exact.get(form) or next(iter(owners))
            for form, owners in spellings.items()
            if len(owners) == 1 or form in exact
        }
        # Beginnings of spellings, so only phrases that could spell a name are looked up.
        self._prefixes = {alias[:size] for alias in self.aliases for size in range(1, len(alias))}

    def names(self, word: str) -> bool:
        """Whether ``word`` is exactly one of the spellings of a known service."""
        return name_key(word) in self.aliases

    def lookup(self, mention: str, fuzzy: bool) -> tuple[str | None, bool]:
        """The service ``mention`` names and whether that took a typo correction."""
        key = name_key(mention)
        if not key:
            return None, False
        for form in (key, _without_suffix(key)):
            if form in self.aliases:
                return self.aliases[form], False
        if not fuzzy or len(key) < MIN_FUZZY_LENGTH:
            return None, False
        return self._closest(key)

    def _closest(self, key: str) -> tuple[str | None, bool]:
        """The service whose spelling is nearest to ``key``, unless another is about as near
        ("admin service" among five ``admin-*`` services names none of them)."""
        floor = FUZZY_THRESHOLD - AMBIGUITY_MARGIN
        ratios: dict[str, float] = {}
        for alias, service in self.aliases.items():
            if len(alias) < MIN_FUZZY_LENGTH:
                continue
            matcher = SequenceMatcher(None, key, alias, autojunk=False)
            if matcher.real_quick_ratio() < floor or matcher.quick_ratio() < floor:
                continue
            ratios[service] = max(ratios.get(service, 0.0), matcher.ratio())
        ranked = sorted(ratios.values(), reverse=True)
        if not ranked or ranked[0] < FUZZY_THRESHOLD:
            return None, False
        if len(ranked) > 1 and ranked[1] >= ranked[0] - AMBIGUITY_MARGIN:
            return None, False
        return max(ratios, key=ratios.__getitem__), True

    def find(self, scan: Scan) -> ServiceMatches:
        """Services mentioned in ``scan``, consumed; names in name positions that match none
        are returned as unknown."""
        found = ServiceMatches()
        self._described(scan, found)
        tokens = list(_TOKEN.finditer(scan.text))
        index = 0
        while index < len(tokens):
            used = self._phrase(scan, tokens, index, found)
            if used == 0:
                mention, end, in_name_position = self._mention(scan, tokens, index)
                used = 2 if end > tokens[index].end() else 1
                self._resolve(scan, mention, tokens[index].start(), end, in_name_position, found)
            index += used
        for word in _HANGUL_WORD.finditer(scan.text):
            stem = strip_particles(word.group(0))
            service = self.aliases.get(name_key(stem))
            if service:
                found.add(service)
                scan.consume(word.start(), word.start() + len(stem))
        return found

    def _described(self, scan: Scan, found: ServiceMatches) -> None:
        """Services described in Korean ("주문 서비스"), consumed; unknown when none matches."""
        for match in list(scan.finditer(_KOREAN_DESCRIBED)):
            for word in _ONE_DESCRIPTION.findall(match["words"]):
                english = KOREAN_DESCRIPTIONS[word]
                service, _ = self.lookup(f"{english}-service", fuzzy=False)
                said = f"{word} 서비스"
                if service:
                    found.add(service)
                    found.described[said] = service
                elif said not in found.unknown:
                    found.unknown.append(said)
            scan.consume(match.start(), match.end())

    def _phrase(
        self, scan: Scan, tokens: list[re.Match[str]], index: int, found: ServiceMatches
    ) -> int:
        """How many words from ``tokens[index]`` spell a service with spaces ("travel plan
        service" for ``ts-travel-plan-service``), 0 if none; the match is consumed."""
        if name_key(tokens[index].group(0)) not in self._prefixes:
            return 0
        for size in range(MAX_PHRASE_WORDS, 1, -1):
            words = tokens[index : index + size]
            if len(words) < size or any(
                scan.text[a.end() : b.start()] != " " for a, b in pairwise(words)
            ):
                continue
            parts = [w.group(0) for w in words]
            if _is_service_word(parts[-1]):
                parts[-1] = "service"
            service = self.aliases.get(name_key("".join(parts)))
            if service:
                found.add(service)
                scan.consume(words[0].start(), words[-1].end())
                return size
        return 0

    def _mention(
        self, scan: Scan, tokens: list[re.Match[str]], index: int
    ) -> tuple[str, int, bool]:
        """The mention starting at ``tokens[index]`` (joined with a following "service" or
        "서비스", typos included), where it ends, and whether it sits where a name sits."""
        token = tokens[index]
        text = token.group(0).strip("-_.")
        after = scan.text[token.end() :]
        korean = _KOREAN_SERVICE_WORD.match(after)
        if korean and can_name_service(text):
            return f"{text}-service", token.end() + korean.end(), True
        if index + 1 < len(tokens):
            following = tokens[index + 1]
            between = scan.text[token.end() : following.start()]
            joined = between in ("", " ") and _is_service_word(following.group(0))
            if joined and can_name_service(text):
                return f"{text}-service", following.end(), True
        key = name_key(text)
        if key in SERVICE_SUFFIXES or not re.match(r"[a-z]", text) or len(key) < 3:
            return text, token.end(), False
        suffixed = any(key.endswith(suffix) for suffix in SERVICE_SUFFIXES)
        particle = _PARTICLE_AFTER.match(after) is not None
        before = scan.text[max(0, token.start() - 8) : token.start()]
        preposition = _NAME_PREPOSITION.search(before) is not None
        return text, token.end(), suffixed or particle or preposition

    def _resolve(
        self,
        scan: Scan,
        mention: str,
        start: int,
        end: int,
        in_name_position: bool,
        found: ServiceMatches,
    ) -> None:
        common = is_common_word(mention) and not mention.endswith("-service")
        service, corrected = self.lookup(mention, fuzzy=in_name_position or not common)
        if service:
            found.add(service)
            if corrected:
                found.corrected[mention] = service
            scan.consume(start, end)
        elif in_name_position and not common:
            said = scan.verbatim(start, end)
            if said not in found.unknown:
                found.unknown.append(said)
            scan.consume(start, end)


def as_written(mention: str) -> str:
    """A mention as a service name to look up when the list of services is incomplete:
    its words joined with ``-``, the Korean 서비스 read as ``service`` ("cart 서비스" ->
    ``cart-service``, "billing service" -> ``billing-service``)."""
    return "-".join(_KOREAN_SERVICE_WORD.sub(" service", mention).split())


@lru_cache(maxsize=4096)
def _is_service_word(token: str) -> bool:
    """ "service" or a typo of it ("servce", "serivce")."""
    if token in SERVICE_WORD_SPELLINGS:
        return True
    if not (5 <= len(token) <= 9 and token[0] == "s"):
        return False
    return SequenceMatcher(None, token, "service").ratio() >= 0.8
