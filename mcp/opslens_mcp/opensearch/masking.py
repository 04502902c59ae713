"""What the log template miner masks: parameters and secrets, replaced by ``<NAME>``.

* :data:`MASKING_INSTRUCTIONS` are drain3 masking instructions. They replace secrets and
  parameters (ids, UUIDs, IPs, hex, numbers, paths, URLs, durations, sizes, timestamps, pod
  names, trace and span ids) with ``<NAME>``, so "took 12ms" and "took 7ms" are one template.
  :func:`mask_parameters` applies them to a text as drain3 would.
* :class:`Masker` is what the miner uses: the same instructions, each distinct word masked once
  and then read from a cache, which is many times faster on logs.
* :func:`redact_secrets` removes passwords, tokens and JWTs from the example messages that
  results show.

Example::

    >>> mask_parameters("took 12ms for 10.0.0.7:8080")
    'took <DURATION> for <IP>'

Non-ASCII text, Korean included, passes through unchanged. Only parameters are replaced.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from drain3.masking import AbstractMaskingInstruction, LogMasker, MaskingInstruction

MASK_PREFIX = "<"
MASK_SUFFIX = ">"

_HEX = "[0-9a-fA-F]"
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTH = "(?:" + "|".join(MONTHS) + ")"
_WEEKDAY = "(?:" + "|".join(WEEKDAYS) + ")"
_ISO_TIMESTAMP = r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:[.,]\d+)?(?:Z|[+-]\d{2}:?\d{2})?"
_TIME_OF_DAY = r"\d{2}:\d{2}:\d{2}(?:[.,]\d+)?"
_TRACE_KEY = r"(?i:trace[_-]?id)"
_SPAN_KEY = r"(?i:span[_-]?id)"
# Kubernetes names Deployment pods <name>-<ReplicaSet hash>-<suffix>, from this alphabet.
_K8S_SAFE = "[bcdfghjklmnpqrstvwxz2456789]"


class KeyedMask(AbstractMaskingInstruction):
    """Masks only the ``value`` group of a match and keeps its key, as in ``password=<SECRET>``."""

    def __init__(self, pattern: str, mask_with: str) -> None:
        super().__init__(mask_with)
        self.regex = re.compile(pattern)

    def mask(self, content: str, mask_prefix: str, mask_suffix: str) -> str:
        mask = mask_prefix + self.mask_with + mask_suffix

        def keep_key(match: re.Match[str]) -> str:
            start, end = match.span("value")
            whole = match.group(0)
            offset = match.start()
            return whole[: start - offset] + mask + whole[end - offset :]

        return self.regex.sub(keep_key, content)


class CollapseMaskedRuns(AbstractMaskingInstruction):
    """Turns a list of masked values (``<IP>,<IP>`` or ``blk_<NUM> blk_<NUM> ...``) into one.

    A list of ids is one parameter, whatever its length. Without this, each list length
    would be a template of its own.
    """

    RUN = re.compile(r"(?<!\S)(\S*<[A-Z_]+>\S*?)(?:(?:, ?| )\1)+(?![^\s,])")

    def __init__(self) -> None:
        super().__init__("LIST")

    def mask(self, content: str, mask_prefix: str, mask_suffix: str) -> str:
        return self.RUN.sub(r"\1", content)


_H4 = _HEX + "{1,4}"
_IPV6 = f"(?:(?:{_H4}:){{7}}{_H4}|(?:{_H4}:){{0,6}}{_HEX}{{0,4}}::(?:{_H4}:){{0,6}}{_HEX}{{0,4}})"
_UUID = f"{_HEX}{{8}}-{_HEX}{{4}}-{_HEX}{{4}}-{_HEX}{{4}}-{_HEX}{{12}}"
_LOG_DATE = rf"\b(?:{_WEEKDAY},? )?{_MONTH} +\d{{1,2}},? (?:\d{{4}} )?{_TIME_OF_DAY}(?: \d{{4}}\b)?"
_ACCESS_LOG_DATE = rf"\b\d{{2}}/{_MONTH}/\d{{4}}:{_TIME_OF_DAY}(?: [+-]\d{{4}})?"
_KEY_VALUE = r"[\"']?\s*[=:]\s*[\"']?"

SECRET_INSTRUCTIONS: tuple[AbstractMaskingInstruction, ...] = (
    MaskingInstruction(r"\beyJ[\w-]{4,}(?:\.[\w-]*){0,2}", "TOKEN"),
    KeyedMask(r"\b(?i:bearer)\s+(?P<value>[\w.~+/=-]{8,})", "SECRET"),
    KeyedMask(
        r"\b(?i:password|passwd|pwd|secret|api[_-]?key|access[_-]?key|token)"
        + _KEY_VALUE
        + r"(?P<value>[^\s\"',;&]+)",
        "SECRET",
    ),
)
"""Secrets: masked in templates and redacted from examples (ordered: JWTs before ``token=``)."""

PARAMETER_INSTRUCTIONS: tuple[AbstractMaskingInstruction, ...] = (
    MaskingInstruction(r"\b[a-zA-Z][a-zA-Z0-9+.-]*://[^\s\"'<>]+", "URL"),
    KeyedMask(f"{_TRACE_KEY}{_KEY_VALUE}(?P<value>{_HEX}{{16,32}})\\b", "TRACE_ID"),
    KeyedMask(f"{_SPAN_KEY}{_KEY_VALUE}(?P<value>{_HEX}{{16}})\\b", "SPAN_ID"),
    MaskingInstruction(r"\b" + _ISO_TIMESTAMP, "TIMESTAMP"),
    MaskingInstruction(_LOG_DATE, "TIMESTAMP"),
    MaskingInstruction(_ACCESS_LOG_DATE, "TIMESTAMP"),
    MaskingInstruction(r"(?<![\w.])(?:~|\.{1,2})?(?:/[\w.@%+~-]+){2,}/?", "PATH"),
    MaskingInstruction(r"\b\d{4}-\d{2}-\d{2}\b", "TIMESTAMP"),
    MaskingInstruction(r"\b\d{1,2}:\d{2}:\d{2}(?:[.,]\d+)?\b", "TIMESTAMP"),
    MaskingInstruction(_UUID, "UUID"),
    MaskingInstruction(
        rf"\b[a-z0-9](?:[a-z0-9-]*[a-z0-9])?-{_K8S_SAFE}{{6,10}}-{_K8S_SAFE}{{5}}\b", "POD"
    ),
    MaskingInstruction(r"(?<![\w.])\d{1,3}(?:\.\d{1,3}){3}(?::\d{1,5})?(?![\w.])", "IP"),
    MaskingInstruction(rf"(?<![\w:])\[?{_IPV6}(?:\](?::\d{{1,5}})?)?(?![\w:])", "IP"),
    MaskingInstruction(rf"\b0[xX]{_HEX}+\b", "HEX"),
    MaskingInstruction(rf"\b(?={_HEX}*\d)(?={_HEX}*[a-fA-F]){_HEX}{{8,}}\b", "HEX"),
    MaskingInstruction(r"(?<![\w.])\d+(?:\.\d+)? ?(?:[KMGTPE]i?B|B|bytes)\b", "SIZE"),
    MaskingInstruction(r"(?<![\w.])(?:\d+(?:\.\d+)?(?:ns|us|µs|ms|s|m|h|d))+(?![\w.])", "DURATION"),
    MaskingInstruction(  # identifiers mixing letters and digits: blk_-42, attempt_1445_0020_m_0
        r"(?<![\w.:-])(?=[\w.:-]*\d)(?=[\w.:-]*[A-Za-z_])[A-Za-z0-9_][\w.:-]*[A-Za-z0-9_]"
        r"(?![\w.:-])",
        "ID",
    ),
    MaskingInstruction(r"(?<![A-Za-z0-9])[-+]?\d+(?:\.\d+)?(?![A-Za-z0-9])", "NUM"),
    CollapseMaskedRuns(),
)
"""Parameters, most specific first: a URL holds paths and IPs, a timestamp holds numbers."""

MASKING_INSTRUCTIONS: tuple[AbstractMaskingInstruction, ...] = (
    SECRET_INSTRUCTIONS + PARAMETER_INSTRUCTIONS
)
"""Everything the template miner masks, in the order it is applied."""

_RUN_SEPARATORS = ","
_PUNCTUATION = ",;:.)]}'\""
_SECRET_HINTS = ("eyj", "bearer", "passw", "pwd", "secret", "key", "token")
_CALENDAR_WORDS = frozenset(word + suffix for word in MONTHS + WEEKDAYS for suffix in ("", ","))
_SIZE_UNITS = frozenset(
    prefix + unit for prefix in ("", "K", "M", "G", "T", "P", "E") for unit in ("B", "iB")
) | {"bytes"}
_ANY_DIGIT = str.maketrans("0123456789", "2222222222")
"""Digits as one digit (one the Kubernetes name alphabet holds): a word's shape."""
_DIGIT = re.compile(r"\d")
_NUM, _TIMESTAMP, _SIZE = "<NUM>", "<TIMESTAMP>", "<SIZE>"
_SPANS_WORDS = re.compile(r"<(?:([A-Z_]+>),? <\1|TIMESTAMP>|NUM> (?:[KMGTPE]?i?B|bytes)\b)")
"""Where :func:`_join_spanning` may change a line: checked first, as it seldom does."""
_DATE_PARTS = frozenset({_NUM, _NUM + ",", _TIMESTAMP}) | _CALENDAR_WORDS


class Masker:
    """Masks the secrets and parameters of lines, each distinct word once.

    Words repeat across the lines of a log, so each word is masked by one regular expression
    pass the first time it is seen and looked up after that (up to ``max_cached_words``); a
    word that differs from one seen only in its digits (``blk_42`` after ``blk_17``) takes its
    mask when that mask kept no digit.
    Secrets are masked on the whole line first, when a hint of one is there. Parameters that
    span words are joined as the words are read: a date written ``Nov 10 14:17:41`` is one
    ``<TIMESTAMP>``, ``5 KB`` one ``<SIZE>``, and a list of masked values (``<IP>, <IP>``) one
    item. Words are joined by one space, as Drain splits them.
    """

    def __init__(self, max_cached_words: int = 100_000) -> None:
        self._words: dict[str, str] = {}
        self._shapes: dict[str, str] = {}
        self._max_cached_words = max_cached_words

    def mask(self, text: str, max_words: int = -1) -> str:
        """``text`` masked, cut to its first ``max_words`` words (all when negative)."""
        if _may_hold_secret(text):
            text = _secret_masker.mask(text)
        split = text.split(None, max_words)
        if len(split) > max_words >= 0:
            del split[max_words:]
        cached = self._words.get
        masked = [cached(word) or self._mask_word(word) for word in split]
        line = " ".join(masked)
        return _join_spanning(masked) if _SPANS_WORDS.search(line) else line

    def _mask_word(self, word: str) -> str:
        """Masks a word not seen before; words that differ only in their digits mask alike."""
        if word.isdigit():
            masked = _NUM
        else:
            shape = word.translate(_ANY_DIGIT)
            masked = self._shapes.get(shape) or ""
            if not masked:
                masked = _WORD_MASKER.sub(word)
                if "<" in masked and "," in masked:
                    masked = CollapseMaskedRuns.RUN.sub(r"\1", masked)
                if shape != word and not _DIGIT.search(masked):
                    self._remember(self._shapes, shape, masked)
        self._remember(self._words, word, masked)
        return masked

    def _remember(self, cache: dict[str, str], key: str, masked: str) -> None:
        if len(cache) >= self._max_cached_words:
            cache.clear()
        cache[key] = masked


def _may_hold_secret(text: str) -> bool:
    """Whether a secret instruction may match ``text`` (substring tests are fast, regexes not)."""
    lowered = text.lower()
    return any(hint in lowered for hint in _SECRET_HINTS)


def _join_spanning(masked: list[str]) -> str:
    """Masked words with dates, sizes and lists that span words made one parameter each."""
    out: list[str] = []
    previous = ""
    for word in masked:
        if "<" in word:
            key = word.rstrip(_RUN_SEPARATORS)
            if key == previous:
                continue  # one more item of a list of masked values
            if word == _TIMESTAMP:
                while out and out[-1] in _DATE_PARTS:
                    out.pop()  # the date and weekday before a time of day
            previous = key
        else:
            if out and out[-1] == _NUM and (unit := word.rstrip(_PUNCTUATION)) in _SIZE_UNITS:
                out[-1] = previous = _SIZE + word[len(unit) :]
                continue
            previous = ""
        out.append(word)
    return " ".join(out)


class _Combined:
    """Several masking instructions as one alternation, applied in one ``re.sub`` pass.

    At each position the first instruction that matches wins, as the order of the list says.
    """

    def __init__(self, instructions: Sequence[AbstractMaskingInstruction]) -> None:
        parts: list[str] = []
        self._masks: dict[str, tuple[str, str | None]] = {}
        for index, instruction in enumerate(instructions):
            pattern = _pattern_of(instruction)
            value = None
            if isinstance(instruction, KeyedMask):
                value = f"v{index}"
                pattern = pattern.replace("(?P<value>", f"(?P<{value}>")
            parts.append(f"(?P<g{index}>{pattern})")
            self._masks[f"g{index}"] = (MASK_PREFIX + instruction.mask_with + MASK_SUFFIX, value)
        self._regex = re.compile("|".join(parts))

    def sub(self, text: str) -> str:
        return self._regex.sub(self._replace, text)

    def _replace(self, match: re.Match[str]) -> str:
        mask, value = self._masks[match.lastgroup or ""]
        if value is None:
            return mask
        whole, start = match.group(0), match.start()
        value_start, value_end = match.span(value)
        return whole[: value_start - start] + mask + whole[value_end - start :]


def _pattern_of(instruction: AbstractMaskingInstruction) -> str:
    if isinstance(instruction, MaskingInstruction):
        return instruction.pattern
    if isinstance(instruction, KeyedMask):
        return instruction.regex.pattern
    raise TypeError(f"cannot combine {type(instruction).__name__}")


_WORD_MASKER = _Combined(
    [i for i in PARAMETER_INSTRUCTIONS if not isinstance(i, CollapseMaskedRuns)]
)
_parameter_masker = LogMasker(MASKING_INSTRUCTIONS, MASK_PREFIX, MASK_SUFFIX)
_secret_masker = LogMasker(SECRET_INSTRUCTIONS, MASK_PREFIX, MASK_SUFFIX)


def mask_parameters(text: str) -> str:
    """``text`` with secrets and parameters replaced by ``<NAME>`` masks."""
    return _parameter_masker.mask(text)


def redact_secrets(text: str) -> str:
    """``text`` with passwords, bearer tokens, API keys and JWTs replaced by masks."""
    return _secret_masker.mask(text)
