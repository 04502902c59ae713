"""Endpoints and HTTP statuses: "POST /api/checkout", "/api/orders", "503", "5xx", "HTTP 500".

Both are values for the tools' own filters, never query text. A route keeps the user's case;
a method is upper-cased. A bare three-digit number is a status only next to a word that says so
("503 errors", "status 404", "HTTP 500", "503 에러") or in the plural ("404s"), so "top 100"
or "500 lines" are not.
"""

from __future__ import annotations

import re

from opslens.agent.understanding.normalize import Scan

_ROUTE = re.compile(
    r"(?<![\w/.:])(?:(?P<method>get|post|put|patch|delete|head|options)\s+)?"
    r"(?P<path>/[a-z0-9_\-.{}:]*[a-z][a-z0-9_\-./{}:]*)"
)
_STATUS_CLASS = re.compile(r"(?<![\w.])(?P<code>[1-5]xx)s?(?![a-z0-9])")
_STATUS_WORD = r"(?:errors?|responses?|status(?:es)?|codes?|replies|에러|오류|응답|상태)"
_STATUS_NUMBER = re.compile(
    rf"(?<![\w.,:/-])(?:(?:http|status|code|status\s+code|returned|returning|상태\s*코드)\s*)"
    rf"(?P<code>[1-5]\d\d)(?![\d.,%])"
    rf"|(?<![\w.,:/-])(?P<bare>[1-5]\d\d)s?\s*(?={_STATUS_WORD})"
    r"|(?<![\w.,:/-])(?P<plural>[1-5]\d\d)s(?![a-z0-9])"
)


def find_operation(scan: Scan) -> str | None:
    """The endpoint asked about, as typed ("POST /api/checkout"), consumed; or ``None``."""
    match = scan.find(_ROUTE)
    if match is None:
        return None
    scan.consume(match.start(), match.end())
    path = scan.verbatim(match.start("path"), match.end("path")).rstrip(".,;:?!")
    method = match.group("method")
    return f"{method.upper()} {path}" if method else path


def find_status(scan: Scan) -> str | None:
    """The HTTP status or class asked about ("503", "5xx"), or ``None``. A code is consumed; a
    class is not ("5xx" also says the question is about failures)."""
    for pattern in (_STATUS_CLASS, _STATUS_NUMBER):
        match = scan.find(pattern)
        if match is None:
            continue
        group = next(name for name in ("code", "bare", "plural") if match.groupdict().get(name))
        if pattern is _STATUS_NUMBER:
            scan.consume(match.start(group), match.end(group))
        return match.group(group).lower()
    return None
