"""The pattern output: counts, first/last seen, examples, trace ids, and new templates.

Expected values come from the data: each message's own template (``template_of``) and its row's
timestamp and trace id, or the Loghub labels.
"""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pytest

from opslens_mcp.opensearch.masking import redact_secrets
from opslens_mcp.opensearch.patterns import (
    MAX_EXAMPLE_CHARS,
    LogPatternMiner,
    LogPatternSummary,
    grouping_accuracy,
    mine_log_patterns,
)
from tests.patterns.loghub import LoghubSample


@dataclass(frozen=True)
class Row:
    timestamp: datetime
    message: str
    trace_id: str


def nezha_rows(shared_data: Path) -> list[Row]:
    """Every app log line of the Nezha TrainTicket minutes, as Vector would ship it."""
    rows = []
    for log_file in sorted((shared_data / "nezha-trainticket").rglob("*_log.csv")):
        with log_file.open(newline="", encoding="utf-8") as f:
            for row in csv.DictReader(f):
                message = json.loads(row["Log"])["log"].rstrip("\n")
                rows.append(Row(datetime.fromisoformat(row["Timestamp"]), message, row["TraceID"]))
    return rows


def shown(message: str) -> str:
    """A message as an example shows it: secrets redacted, long ones cut."""
    redacted = redact_secrets(message)
    if len(redacted) > MAX_EXAMPLE_CHARS:
        return redacted[:MAX_EXAMPLE_CHARS] + "…"
    return redacted


@pytest.fixture(scope="module")
def mined_nezha(shared_data: Path) -> tuple[list[Row], list[str], LogPatternSummary]:
    rows = nezha_rows(shared_data)
    miner = LogPatternMiner()
    lines = [miner.add(row.timestamp, row.message) for row in rows]
    templates = [miner.template_of(line) for line in lines]
    return rows, templates, miner.summary(max_patterns=100_000)


def test_counts_and_times_match_the_messages_of_each_template(
    mined_nezha: tuple[list[Row], list[str], LogPatternSummary],
) -> None:
    rows, templates, summary = mined_nezha
    members: dict[str, list[Row]] = defaultdict(list)
    for row, template in zip(rows, templates, strict=True):
        members[template].append(row)
    assert summary.total_messages == len(rows)
    assert summary.pattern_count == len(members) == len(summary.patterns)
    assert not summary.truncated
    for pattern in summary.patterns:
        own = members[pattern.template]
        assert pattern.count == len(own)
        assert pattern.first_seen == min(row.timestamp for row in own)
        assert pattern.last_seen == max(row.timestamp for row in own)
        assert pattern.example in {shown(row.message) for row in own}
        assert 1 <= len(pattern.trace_ids) <= 3
        assert set(pattern.trace_ids) <= {row.trace_id for row in own}
        assert pattern.new is None  # no baseline given


def test_patterns_are_sorted_by_count_and_bounded(
    mined_nezha: tuple[list[Row], list[str], LogPatternSummary],
) -> None:
    rows, _, summary = mined_nezha
    counts = [pattern.count for pattern in summary.patterns]
    assert counts == sorted(counts, reverse=True)
    top = mine_log_patterns([(row.timestamp, row.message) for row in rows], max_patterns=5)
    assert top.truncated
    assert top.pattern_count == summary.pattern_count
    assert [p.template for p in top.patterns] == [p.template for p in summary.patterns[:5]]


def test_examples_and_templates_carry_no_tokens(
    mined_nezha: tuple[list[Row], list[str], LogPatternSummary],
) -> None:
    """Some TrainTicket lines print a user's JWT; neither a template nor an example shows it."""
    rows, _, summary = mined_nezha
    jwts = {word for row in rows for word in row.message.split() if word.startswith("eyJ")}
    assert jwts
    for pattern in summary.patterns:
        for jwt in jwts:
            assert jwt not in pattern.example
            assert jwt not in pattern.template


def test_new_templates_are_the_labelled_events_missing_from_the_baseline(
    loghub_samples: dict[str, LoghubSample],
) -> None:
    """First half of each sample as the baseline, second half as the window under analysis."""
    flagged: set[tuple[str, int]] = set()
    truly_new: set[tuple[str, int]] = set()
    for system, sample in loghub_samples.items():
        half = len(sample.rows) // 2
        miner = LogPatternMiner()
        for content in sample.contents[:half]:
            miner.add(None, content, baseline=True)
        lines = [miner.add(None, content) for content in sample.contents[half:]]
        summary = miner.summary(max_patterns=100_000)
        new_templates = {pattern.template for pattern in summary.patterns if pattern.new}
        baseline_events = set(sample.event_ids[:half])
        for index, line in enumerate(lines):
            if miner.template_of(line) in new_templates:
                flagged.add((system, index))
            if sample.event_ids[half + index] not in baseline_events:
                truly_new.add((system, index))
        assert summary.baseline_messages == half
        assert sum(p.count for p in summary.patterns) == len(sample.rows) - half
    assert truly_new
    assert len(flagged & truly_new) / len(flagged | truly_new) >= 0.98


def test_korean_messages_keep_their_text_in_templates() -> None:
    messages = [
        "2026-11-26T01:02:03Z ERROR c.s.OrderService - 주문 123 결제 실패: 잔액 부족",
        "2026-11-26T01:02:09Z ERROR c.s.OrderService - 주문 456 결제 실패: 잔액 부족",
    ]
    summary = mine_log_patterns((None, message) for message in messages)
    assert [p.template for p in summary.patterns] == ["주문 <NUM> 결제 실패: 잔액 부족"]
    assert "주문 <NUM> 결제 실패" in summary.model_dump_json()


def test_event_words_split_a_wildcard_but_parameters_do_not() -> None:
    events = [
        f"[instance: {n}] VM {verb} (Lifecycle Event)"
        for n in range(3)
        for verb in ("Started", "Paused", "Resumed", "Stopped")
    ]
    users = [f"session opened for user u{n}ser by uid {n}" for n in range(20)]
    names = [
        f"session closed for user {name}"
        for name in ("al", "bo", "cy", "di", "ed", "fay", "gus", "hal", "ida", "jo", "kim")
    ]
    summary = mine_log_patterns((None, message) for message in events + users + names)
    templates = {p.template: p.count for p in summary.patterns}
    for verb in ("Started", "Paused", "Resumed", "Stopped"):
        assert templates[f"[instance: <NUM>] VM {verb} (Lifecycle Event)"] == 3
    assert templates["session opened for user <ID> by uid <NUM>"] == 20
    assert templates["session closed for user <*>"] == 11


def test_grouping_accuracy_counts_only_exact_groups() -> None:
    truth = ["a", "a", "b", "c"]
    assert grouping_accuracy(truth, [1, 1, 2, 3]) == 1.0
    assert grouping_accuracy(truth, [1, 1, 2, 2]) == 0.5  # b and c merged
    assert grouping_accuracy(truth, [1, 2, 3, 4]) == 0.5  # a split


def test_timestamps_may_be_iso_strings_naive_or_unreadable(
    mined_nezha: tuple[list[Row], list[str], LogPatternSummary],
) -> None:
    rows = mined_nezha[0][:200]
    aware = mine_log_patterns((row.timestamp, row.message) for row in rows)
    as_text = mine_log_patterns((row.timestamp.isoformat(), row.message) for row in rows)
    naive = mine_log_patterns((row.timestamp.replace(tzinfo=None), row.message) for row in rows)
    assert as_text == aware
    assert naive == aware
    unreadable = mine_log_patterns(("yesterday", row.message) for row in rows)
    assert all(p.first_seen is None and p.last_seen is None for p in unreadable.patterns)
