"""Log templates: groups log messages into templates with counts, first/last seen and an example.

:class:`LogPatternMiner` wraps drain3's ``TemplateMiner`` with one configuration for every log
source. First, each message is reduced to its free text with parameters masked (see
:mod:`opslens_mcp.opensearch.masking`), and Drain clusters what remains. Drain merges messages
that differ in one word into a wildcard, so "VM Started" and "VM Stopped" become ``VM <*>``. The
miner undoes such a merge when the wildcard only ever held a few distinct plain words: that slot
names an event, it is not a parameter. User names, hosts and ids take many values, or contain
digits, so they stay wildcards.

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

from opslens_mcp.opensearch.masking import (
    MASK_PREFIX,
    MASK_SUFFIX,
    MASKING_INSTRUCTIONS,
    extract_free_text,
    redact_secrets,
)

SIMILARITY_THRESHOLD = 0.4
"""Drain's default: a message joins a cluster when 40% of its words match the template."""
TREE_DEPTH = 4
"""Drain's default: the prefix tree routes by word count and first word. Deeper trees split
templates whose leading words are parameters without digits (user names, hosts)."""
MAX_EVENT_WORDS = 8
"""A wildcard that held at most this many distinct plain words is split back into templates.
Eight is enough for HTTP methods and typical state names. A slot that held more values is a
parameter."""
MAX_WORDS = 64
"""Words of a message that are mined: the start of a message names its kind, and cutting long
dumps keeps mining fast and lets lists of any length share a template."""
MAX_TRACE_IDS = 3
MAX_EXAMPLE_CHARS = 1000
WILDCARD = MASK_PREFIX + "*" + MASK_SUFFIX
_DIGIT_OR_MASK = re.compile(r"\d|" + re.escape(MASK_PREFIX))


def drain_config() -> TemplateMinerConfig:
    """The drain3 configuration used for every log source, built in code."""
    config = TemplateMinerConfig()
    config.drain_sim_th = SIMILARITY_THRESHOLD
    config.drain_depth = TREE_DEPTH
    config.masking_instructions = list(MASKING_INSTRUCTIONS)
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


class MinedLine(NamedTuple):
    """Where one added message went: its Drain cluster and the plain words it held."""

    cluster_id: int
    words: tuple[str | None, ...]


@dataclass
class _Tally:
    """Counts and samples of some messages: one (cluster, words) variant, or one template."""

    count: int = 0
    baseline_count: int = 0
    first_seen: datetime | None = None
    last_seen: datetime | None = None
    example: str | None = None
    trace_ids: list[str] = field(default_factory=list)

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
class _Cluster:
    """Per Drain cluster: the plain words seen in each slot (None once it is a parameter)."""

    slot_words: list[set[str] | None]
    variants: dict[tuple[str | None, ...], _Tally] = field(default_factory=dict)


class LogPatternMiner:
    """Mines log templates from messages added one by one (not thread-safe)."""

    def __init__(self) -> None:
        self._miner = TemplateMiner(config=drain_config())
        self._clusters: dict[int, _Cluster] = {}
        self._resolved: dict[tuple[int, tuple[str | None, ...]], str] | None = None
        self.total_messages = 0
        self.baseline_messages = 0

    def add(
        self,
        timestamp: Timestamp,
        message: str,
        trace_id: str | None = None,
        *,
        baseline: bool = False,
    ) -> MinedLine:
        """Adds one message; ``baseline`` marks it as part of the comparison window."""
        line = extract_free_text(message)
        # Mask once and hand the result to Drain directly (TemplateMiner.add_log_message would
        # mask again); the words of the masked message are needed for the event-word split.
        masked = self._miner.masker.mask(_first_words(line.text))
        drain_cluster, _ = self._miner.drain.add_log_message(masked)
        tokens = self._miner.drain.get_content_as_tokens(masked)
        cluster = self._clusters.get(drain_cluster.cluster_id)
        if cluster is None:
            cluster = _Cluster(slot_words=[set() for _ in tokens])
            self._clusters[drain_cluster.cluster_id] = cluster
        words = _record_words(cluster.slot_words, tokens)
        seen, known_trace = _as_datetime(timestamp), trace_id or line.trace_id
        tally = (
            _Tally(baseline_count=1)
            if baseline
            else _Tally(1, 0, seen, seen, message, [known_trace] if known_trace else [])
        )
        cluster.variants.setdefault(words, _Tally()).merge(tally)
        self._resolved = None
        if baseline:
            self.baseline_messages += 1
        else:
            self.total_messages += 1
        return MinedLine(drain_cluster.cluster_id, words)

    def template_of(self, line: MinedLine) -> str:
        """The final template of a message added earlier (templates settle as messages come)."""
        return self._templates()[(line.cluster_id, line.words)]

    def summary(self, max_patterns: int = 50) -> LogPatternSummary:
        """The templates of the analysed window, most frequent first, at most ``max_patterns``."""
        tallies: dict[str, _Tally] = {}
        for (cluster_id, words), template in self._templates().items():
            variant = self._clusters[cluster_id].variants[words]
            tallies.setdefault(template, _Tally()).merge(variant)
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

    def _templates(self) -> dict[tuple[int, tuple[str | None, ...]], str]:
        if self._resolved is None:
            self._resolved = {}
            for cluster_id, cluster in self._clusters.items():
                drain_template = self._miner.drain.id_to_cluster[cluster_id].log_template_tokens
                event_slots = [
                    slot
                    for slot, token in enumerate(drain_template)
                    if token == WILDCARD and cluster.slot_words[slot] is not None
                ]
                for words in cluster.variants:
                    tokens = list(drain_template)
                    for slot in event_slots:
                        tokens[slot] = words[slot] or WILDCARD
                    self._resolved[(cluster_id, words)] = " ".join(tokens)
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


def _record_words(
    slot_words: list[set[str] | None], tokens: Sequence[str]
) -> tuple[str | None, ...]:
    """Notes the plain words of ``tokens`` per slot; returns them (None for parameters)."""
    words: list[str | None] = []
    for slot, token in enumerate(tokens):
        seen = slot_words[slot]
        if seen is not None and _is_plain_word(token):
            seen.add(token)
            if len(seen) > MAX_EVENT_WORDS:
                slot_words[slot] = None
        else:
            slot_words[slot] = None
        words.append(token if slot_words[slot] is not None else None)
    return tuple(words)


def _first_words(text: str) -> str:
    words = text.split(maxsplit=MAX_WORDS)
    return " ".join(words[:MAX_WORDS]) if len(words) > MAX_WORDS else text


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
