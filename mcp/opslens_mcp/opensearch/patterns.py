"""Log templates: groups log messages into templates with counts, first/last seen and an example.

:class:`LogPatternMiner` wraps drain3's Drain with one configuration for every log source. Each
message is first reduced to its text: the first line of a record, the message of a JSON or
logfmt line (see :mod:`opslens_mcp.opensearch.records`), without the header its source writes
before every line (learned from the source's own lines, see
:mod:`opslens_mcp.opensearch.headers`). Parameters are masked (see
:mod:`opslens_mcp.opensearch.masking`), and Drain clusters what remains; a masked message seen
before goes straight to its cluster.

Drain merges messages that differ in one word into a wildcard, so "VM Started" and "VM Stopped"
become ``VM <*>``. The miner undoes such a merge when the wildcard only ever held a few distinct
plain words that fill no wildcard of another template: that slot names an event, it is not a
parameter. User names recur across templates ("session opened/closed for user cyrus"), hosts
and ids take many values or contain digits, so they stay wildcards.

Example::

    miner = LogPatternMiner()
    for record in records:  # (timestamp, message) pairs or TimedMessage
        miner.add(*record)
    summary = miner.summary(max_patterns=20)

To find templates that are new against a baseline window, feed the baseline window to the same
miner with ``baseline=True``. Each pattern then counts its baseline messages, and ``new`` tells
which patterns were not seen in the baseline.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import NamedTuple

from drain3 import TemplateMiner
from drain3.template_miner_config import TemplateMinerConfig
from pydantic import BaseModel, Field

from opslens_mcp.opensearch.headers import HeaderShape, learn_header
from opslens_mcp.opensearch.masking import MASK_PREFIX, MASK_SUFFIX, Masker, redact_secrets
from opslens_mcp.opensearch.records import unwrap_record

SIMILARITY_THRESHOLD = 0.4
"""Drain's default: a message joins a cluster when 40% of its words match the template."""
TREE_DEPTH = 4
"""Drain's default: the prefix tree routes by word count and first word. Deeper trees split
templates whose leading words are parameters without digits (user names, hosts)."""
MAX_EVENT_WORDS = 8
"""A wildcard that held at most this many distinct plain words is split back into templates.
Eight is enough for HTTP methods and typical state names. A slot that held more values is a
parameter."""
SHARED_WORDS = 0.5
"""A slot is a parameter when this share of its words fill a wildcard of another template too."""
MAX_WORDS = 64
"""Words of a message that are mined: the start of a message names its kind, and cutting long
dumps keeps mining fast and lets lists of any length share a template."""
HEADER_SAMPLE = 1000
"""Messages of a source its header is learned from."""
MAX_TRACE_IDS = 3
MAX_EXAMPLE_CHARS = 1000
WILDCARD = MASK_PREFIX + "*" + MASK_SUFFIX
_DIGIT_OR_MASK = re.compile(r"\d|" + re.escape(MASK_PREFIX))


def drain_config() -> TemplateMinerConfig:
    """The drain3 configuration used for every log source, built in code."""
    config = TemplateMinerConfig()
    config.drain_sim_th = SIMILARITY_THRESHOLD
    config.drain_depth = TREE_DEPTH
    config.mask_prefix = MASK_PREFIX
    config.mask_suffix = MASK_SUFFIX
    return config


Timestamp = datetime | str | None
"""A datetime, an ISO 8601 string as OpenSearch returns it, or unknown (None or unreadable)."""


class TimedMessage(NamedTuple):
    """One log message to mine; a plain ``(timestamp, message)`` tuple works as well."""

    timestamp: Timestamp
    message: str
    trace_id: str | None = None


class LogPattern(BaseModel):
    """One template and the messages it stands for."""

    id: str = Field(description="Stable hash of the template: equal templates share an id.")
    template: str = Field(description="The message with parameters as <NAME> or <*>.")
    count: int = Field(description="Messages in the analysed window with this template.")
    baseline_count: int = Field(default=0, description="Messages in the baseline window.")
    new: bool | None = Field(
        default=None, description="Not seen in the baseline window (null without a baseline)."
    )
    first_seen: datetime | None = None
    last_seen: datetime | None = None
    example: str = Field(description="One message with this template, secrets redacted.")
    trace_ids: list[str] = Field(default_factory=list, description="Up to 3 sample trace ids.")


class LogPatternSummary(BaseModel):
    """Templates sorted by count, bounded; ``truncated`` when more exist."""

    patterns: list[LogPattern]
    total_messages: int
    baseline_messages: int = 0
    pattern_count: int = Field(description="Templates in the window, before the limit.")
    truncated: bool


class MinedLine:
    """A handle on one added message; :meth:`LogPatternMiner.template_of` reads its template.

    A source's first messages wait until its header is learned, so the handle is filled later.
    """

    __slots__ = ("variant",)

    def __init__(self) -> None:
        self.variant: _Variant | None = None


@dataclass
class _Tally:
    """Counts and samples of some messages: one variant, or one template."""

    count: int = 0
    baseline_count: int = 0
    first_seen: datetime | None = None
    last_seen: datetime | None = None
    example: str | None = None
    trace_ids: list[str] = field(default_factory=list)

    def add(self, seen: datetime | None, message: str, trace_id: str | None) -> None:
        self.count += 1
        if seen is not None:
            if self.first_seen is None or seen < self.first_seen:
                self.first_seen = seen
            if self.last_seen is None or seen > self.last_seen:
                self.last_seen = seen
        if self.example is None:
            self.example = message
        if trace_id and len(self.trace_ids) < MAX_TRACE_IDS and trace_id not in self.trace_ids:
            self.trace_ids.append(trace_id)

    def merge(self, other: _Tally) -> None:
        self.count += other.count
        self.baseline_count += other.baseline_count
        if other.first_seen is not None and (
            self.first_seen is None or other.first_seen < self.first_seen
        ):
            self.first_seen = other.first_seen
        if other.last_seen is not None and (
            self.last_seen is None or other.last_seen > self.last_seen
        ):
            self.last_seen = other.last_seen
        self.example = self.example or other.example
        for trace_id in other.trace_ids:
            if trace_id not in self.trace_ids and len(self.trace_ids) < MAX_TRACE_IDS:
                self.trace_ids.append(trace_id)


@dataclass
class _Variant:
    """One distinct masked message: its Drain cluster and the messages that read so."""

    cluster_id: int
    masked: str
    tally: _Tally = field(default_factory=_Tally)


class _Waiting(NamedTuple):
    """A message of a source whose header is not learned yet."""

    line: MinedLine
    timestamp: Timestamp
    message: str
    text: str
    trace_id: str | None
    baseline: bool


class LogPatternMiner:
    """Mines log templates from messages added one by one (not thread-safe).

    Each ``source`` (a container, a file: lines that share one format) has its header learned
    from its first :data:`HEADER_SAMPLE` messages; those wait until then, or until a template
    or the summary is asked for.
    """

    def __init__(self) -> None:
        self._drain = TemplateMiner(config=drain_config()).drain
        self._masker = Masker()
        self._headers: dict[Hashable, HeaderShape] = {}
        self._waiting: dict[Hashable, list[_Waiting]] = {}
        self._variants: dict[str, _Variant] = {}
        self._resolved: dict[str, str] | None = None
        self.total_messages = 0
        self.baseline_messages = 0

    def add(
        self,
        timestamp: Timestamp,
        message: str,
        trace_id: str | None = None,
        *,
        baseline: bool = False,
        source: Hashable = None,
    ) -> MinedLine:
        """Adds one message of ``source``; ``baseline`` marks it as part of the comparison
        window."""
        line = MinedLine()
        text, text_trace = unwrap_record(message)
        if baseline:
            self.baseline_messages += 1
        else:
            self.total_messages += 1
        shape = self._headers.get(source)
        if shape is not None:
            self._mine(line, shape, timestamp, message, text, trace_id or text_trace, baseline)
            return line
        waiting = self._waiting.setdefault(source, [])
        waiting.append(_Waiting(line, timestamp, message, text, trace_id or text_trace, baseline))
        if len(waiting) >= HEADER_SAMPLE:
            self._learn(source)
        return line

    def template_of(self, line: MinedLine) -> str:
        """The final template of a message added earlier (templates settle as messages come)."""
        self._flush()
        if line.variant is None:
            raise ValueError("this line was not added to this miner")
        return self._templates()[line.variant.masked]

    def summary(self, max_patterns: int = 50) -> LogPatternSummary:
        """The templates of the analysed window, most frequent first, at most ``max_patterns``."""
        self._flush()
        tallies: dict[str, _Tally] = {}
        templates = self._templates()
        for masked, variant in self._variants.items():
            tallies.setdefault(templates[masked], _Tally()).merge(variant.tally)
        current = [(template, tally) for template, tally in tallies.items() if tally.count]
        current.sort(key=lambda item: (-item[1].count, _first_seen_key(item[1]), item[0]))
        has_baseline = self.baseline_messages > 0
        patterns = [
            _pattern(template, tally, has_baseline) for template, tally in current[:max_patterns]
        ]
        return LogPatternSummary(
            patterns=patterns,
            total_messages=self.total_messages,
            baseline_messages=self.baseline_messages,
            pattern_count=len(current),
            truncated=len(current) > max_patterns,
        )

    def _flush(self) -> None:
        for source in list(self._waiting):
            self._learn(source)

    def _learn(self, source: Hashable) -> None:
        waiting = self._waiting.pop(source)
        shape = self._headers[source] = learn_header([item.text for item in waiting])
        for item in waiting:
            self._mine(item.line, shape, *item[1:])

    def _mine(
        self,
        line: MinedLine,
        shape: HeaderShape,
        timestamp: Timestamp,
        message: str,
        text: str,
        trace_id: str | None,
        baseline: bool,
    ) -> None:
        if shape.has_trace and trace_id is None:
            split = shape.split(text)
            body, trace_id = split.message, split.trace_id
        else:
            body = shape.message(text)
        masked = self._masker.mask(body, MAX_WORDS) or WILDCARD
        variant = self._variants.get(masked)
        if variant is None:
            cluster, _ = self._drain.add_log_message(masked)
            variant = self._variants[masked] = _Variant(cluster.cluster_id, masked)
            self._resolved = None
        line.variant = variant
        if baseline:
            variant.tally.baseline_count += 1
        else:
            variant.tally.add(_as_datetime(timestamp), message, trace_id)

    def _templates(self) -> dict[str, str]:
        """The template of each variant: Drain's, with event words put back."""
        if self._resolved is None:
            members: dict[int, list[list[str]]] = {}
            for masked, variant in self._variants.items():
                members.setdefault(variant.cluster_id, []).append(masked.split(" "))
            candidates = {
                cluster_id: _candidate_slots(
                    self._drain.id_to_cluster[cluster_id].log_template_tokens, variants
                )
                for cluster_id, variants in members.items()
            }
            clusters_of: dict[str, set[int]] = {}
            for cluster_id, slots in candidates.items():
                for words in slots.values():
                    for word in words:
                        clusters_of.setdefault(word, set()).add(cluster_id)
            self._resolved = {}
            for cluster_id, variants in members.items():
                template = self._drain.id_to_cluster[cluster_id].log_template_tokens
                events = [
                    slot
                    for slot, words in candidates[cluster_id].items()
                    if _names_events(words, cluster_id, clusters_of)
                ]
                for tokens in variants:
                    resolved = list(template)
                    for slot in events:
                        resolved[slot] = tokens[slot]
                    self._resolved[" ".join(tokens)] = " ".join(resolved)
        return self._resolved


def mine_log_patterns(
    records: Iterable[TimedMessage | tuple[Timestamp, str]],
    baseline: Iterable[TimedMessage | tuple[Timestamp, str]] = (),
    max_patterns: int = 50,
) -> LogPatternSummary:
    """Templates of ``records``, each marked new or not against the ``baseline`` records."""
    miner = LogPatternMiner()
    for record in baseline:
        miner.add(*TimedMessage(*record), baseline=True)
    for record in records:
        miner.add(*TimedMessage(*record))
    return miner.summary(max_patterns)


def grouping_accuracy(truth: Sequence[Hashable], predicted: Sequence[Hashable]) -> float:
    """Share of messages whose predicted group holds exactly the messages of their true group.

    This is the grouping accuracy of the Loghub and Drain log-parsing benchmarks.
    """
    if len(truth) != len(predicted):
        raise ValueError("truth and predicted must label the same messages")
    if not truth:
        return 1.0
    true_groups: dict[Hashable, set[int]] = {}
    predicted_groups: dict[Hashable, set[int]] = {}
    for index, (true_label, predicted_label) in enumerate(zip(truth, predicted, strict=True)):
        true_groups.setdefault(true_label, set()).add(index)
        predicted_groups.setdefault(predicted_label, set()).add(index)
    correct = sum(
        len(members)
        for true_label, members in true_groups.items()
        if predicted_groups[predicted[min(members)]] == members
    )
    return correct / len(truth)


def _candidate_slots(template: Sequence[str], variants: Sequence[list[str]]) -> dict[int, set[str]]:
    """Wildcard slots of ``template`` that only ever held a few plain words, with the words."""
    slots = {}
    for slot, token in enumerate(template):
        if token != WILDCARD:
            continue
        words = {tokens[slot] for tokens in variants}
        if len(words) <= MAX_EVENT_WORDS and all(_is_plain_word(word) for word in words):
            slots[slot] = words
    return slots


def _names_events(words: set[str], cluster_id: int, clusters_of: dict[str, set[int]]) -> bool:
    """Whether a slot's words name events: a name that also fills a wildcard of another
    template (``user cyrus`` opens and closes sessions) is a parameter."""
    shared = sum(1 for word in words if len(clusters_of[word] - {cluster_id}) > 0)
    return shared < SHARED_WORDS * len(words)


def _is_plain_word(token: str) -> bool:
    """A word with no digit and no mask: a candidate event name, not a parameter."""
    return _DIGIT_OR_MASK.search(token) is None


def _as_datetime(timestamp: Timestamp) -> datetime | None:
    """``timestamp`` as an aware datetime (naive ones are UTC, unreadable ones unknown)."""
    if isinstance(timestamp, str):
        try:
            timestamp = datetime.fromisoformat(timestamp)
        except ValueError:
            return None
    if timestamp is None or timestamp.tzinfo is not None:
        return timestamp
    return timestamp.replace(tzinfo=UTC)


def _first_seen_key(tally: _Tally) -> datetime:
    return tally.first_seen or datetime.max.replace(tzinfo=UTC)


def _pattern(template: str, tally: _Tally, has_baseline: bool) -> LogPattern:
    example = redact_secrets(tally.example or "")
    if len(example) > MAX_EXAMPLE_CHARS:
        example = example[:MAX_EXAMPLE_CHARS] + "…"
    return LogPattern(
        id=hashlib.blake2b(template.encode(), digest_size=6).hexdigest(),
        template=template,
        count=tally.count,
        baseline_count=tally.baseline_count,
        new=tally.baseline_count == 0 if has_baseline else None,
        first_seen=tally.first_seen,
        last_seen=tally.last_seen,
        example=example,
        trace_ids=tally.trace_ids,
    )
