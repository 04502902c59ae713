"""Words of a question that no plan field took, so the plan cannot be trusted to answer it.

After every extractor has consumed what it understood, these cues are looked for in what is
left: a fleet question ("which service"), a comparison ("than", "보다"), a limit ("5%",
"100건"), a route ("/api/...") or a status. Each one found lowers the plan's confidence (a model
then plans, when there is one) and is named in a note, so an offline answer says plainly which
part of the question it did not express.
"""

from __future__ import annotations

import re

from opslens.agent.understanding.normalize import Scan

CUES: tuple[re.Pattern[str], ...] = tuple(
    re.compile(pattern)
    for pattern in (
        r"(?<![a-z])(?:which|what)\s+(?:(?:of\s+)?the\s+)?(?:micro)?services?(?![a-z])",
        r"(?:어떤|어느)\s*서비스",
        r"(?<![a-z])(?:than|compared\s+(?:to|with)|versus|vs\.?)(?:\s+[a-z0-9']+){1,3}",
        r"[가-힣0-9]+\s*(?:보다|대비)",
        r"\d+(?:[.,]\d+)?\s*(?:%|percent|퍼센트)",
        r"(?<![\w/])/[a-z][a-z0-9_\-./{}]*",
    )
)


def find_unexpressed(scan: Scan) -> list[str]:
    """The user's own words for each cue left unconsumed (each consumed once found)."""
    found: list[str] = []
    for pattern in CUES:
        for match in scan.take_all(pattern):
            said = scan.verbatim(match.start(), match.end()).strip()
            if said and said not in found:
                found.append(said)
    return found
