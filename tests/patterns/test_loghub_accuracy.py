"""Grouping accuracy of the template miner on the labelled Loghub 2k samples.

Grouping accuracy (GA) is the Loghub/Drain benchmark metric: a message counts as correct when
its predicted group holds exactly the messages of its labelled group. One configuration serves
every system, on the labelled content and on the raw lines; drain3 with its defaults is scored on
the same messages for comparison.
"""

from __future__ import annotations

from statistics import mean

import pytest
from drain3 import TemplateMiner
from drain3.template_miner_config import TemplateMinerConfig

from opslens_mcp.opensearch.patterns import LogPatternMiner, grouping_accuracy
from tests.patterns.loghub import LoghubSample

AVERAGE_FLOOR = 0.97
RAW_AVERAGE_FLOOR = 0.95
SYSTEM_FLOOR = 0.85
"""The labels cap some systems below 1.0. On Linux, user names are a parameter in
"session opened for user <*>" but part of the template in "… rhost=<*>  user=root", so no
consistent parser gets all of Linux right. No system may fall below 0.85, on the labelled
content or on the raw lines with their headers."""


def miner_groups(messages: list[str]) -> list[str]:
    miner = LogPatternMiner()
    lines = [miner.add(None, message) for message in messages]
    return [miner.template_of(line) for line in lines]


def drain3_default_groups(messages: list[str]) -> list[int]:
    miner = TemplateMiner(config=TemplateMinerConfig())
    return [miner.add_log_message(message)["cluster_id"] for message in messages]


@pytest.mark.parametrize("lines", ["content", "raw"])
def test_grouping_accuracy_beats_the_floors_and_drain3_defaults(
    loghub_samples: dict[str, LoghubSample], lines: str
) -> None:
    """One configuration for every system; the raw lines' headers are learned, not known."""
    ours: dict[str, float] = {}
    default: dict[str, float] = {}
    for system, sample in loghub_samples.items():
        messages = sample.contents if lines == "content" else sample.raw_lines
        ours[system] = grouping_accuracy(sample.event_ids, miner_groups(messages))
        default[system] = grouping_accuracy(sample.event_ids, drain3_default_groups(messages))
    report = {system: (round(ours[system], 3), round(default[system], 3)) for system in ours}
    assert len(ours) == 8, report  # the eight systems the data README lists
    floor = AVERAGE_FLOOR if lines == "content" else RAW_AVERAGE_FLOOR
    assert mean(ours.values()) >= floor, report
    for system, accuracy in ours.items():
        assert accuracy >= SYSTEM_FLOOR, (system, report)
        assert accuracy >= default[system], (system, report)
