"""Kubernetes namespaces in questions: "namespace shop", "in ns shop", "shop 네임스페이스",
"-n shop", or a known namespace's name on its own.

A namespace said explicitly is taken even if unknown (the tools will report it empty); a bare
word counts only when it is one of the known namespaces and not an ordinary word.
"""

from __future__ import annotations

import re
from functools import lru_cache

from opslens.agent.understanding.normalize import Scan
from opslens.agent.understanding.vocabulary import is_common_word

_NAME = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_EXPLICIT: tuple[re.Pattern[str], ...] = tuple(
    re.compile(pattern)
    for pattern in (
        rf"(?<![a-z])(?:namespace|ns|네임스페이스)\s*[:=]?\s*(?P<name>{_NAME})(?![a-z0-9-])",
        rf"(?<![a-z0-9-])(?P<name>{_NAME})\s*(?:namespace|네임스페이스)(?![a-z])",
        rf"(?<![a-z0-9-])(?:-n|--namespace)[\s=]+(?P<name>{_NAME})(?![a-z0-9-])",
    )
)


def find_namespace(scan: Scan, known: list[str]) -> tuple[str | None, bool]:
    """The namespace the question names (consumed) and whether it is a known one."""
    for pattern in _EXPLICIT:
        for match in scan.finditer(pattern):
            name = match["name"]
            if is_common_word(name) and name not in known:
                continue
            scan.consume(match.start(), match.end())
            return name, name in known
    bare = scan.find(_known_names(tuple(known))) if known else None
    if bare:
        scan.consume(bare.start(), bare.end())
        return bare.group(0), True
    return None, False


@lru_cache(maxsize=16)
def _known_names(known: tuple[str, ...]) -> re.Pattern[str]:
    """Any known namespace that is not an ordinary word, as a whole name (longest first)."""
    names = sorted((n for n in known if not is_common_word(n)), key=len, reverse=True)
    alternatives = "|".join(re.escape(name) for name in names) or "(?!)"
    return re.compile(rf"(?<![a-z0-9-])(?:{alternatives})(?![a-z0-9-])")
