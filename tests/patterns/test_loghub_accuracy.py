"""Grouping accuracy of the template miner on the labelled Loghub 2k samples.

Grouping accuracy (GA) is the Loghub/Drain benchmark metric: a message counts as correct when
its predicted group holds exactly the messages of its labelled group. One configuration serves
every system; drain3 with its defaults is scored in the same run for comparison.
"""

from __future__ import annotations

from statistics import mean

from drain3 import TemplateMiner
from drain3.template_miner_config import TemplateMinerConfig

from opslens_mcp.opensearch.patterns import LogPatternMiner, grouping_accuracy
from tests.patterns.loghub import COMMON_HEADER_SYSTEMS, LoghubSample

AVERAGE_FLOOR = 0.90
SYSTEM_FLOOR = 0.80
"""The labels cap some systems below 1.0. On Linux, user names are a parameter in
"session opened for user <*>" but part of the template in "… rhost=<*>  user=root", so no
consistent parser gets all of Linux right. No system may fall below 0.80."""


def miner_groups(messages: list[str]) -> list[str]:
    miner = LogPatternMiner()
    lines = [miner.add(None, message) for message in messages]
    return [miner.template_of(line) for line in lines]


def drain3_default_groups(messages: list[str]) -> list[int]:
    miner = TemplateMiner(config=TemplateMinerConfig())
    return [miner.add_log_message(message)["cluster_id"] for message in messages]


def test_grouping_accuracy_beats_the_floors_and_drain3_defaults(
    loghub_samples: dict[str, LoghubSample],
) -> None:
    ours: dict[str, float] = {}
    default: dict[str, float] = {}
    for system, sample in loghub_samples.items():
        ours[system] = grouping_accuracy(sample.event_ids, miner_groups(sample.contents))
        default[system] = grouping_accuracy(
            sample.event_ids, drain3_default_groups(sample.contents)
        )
    report = {system: (round(ours[system], 3), round(default[system], 3)) for system in ours}
    assert len(ours) == 8, report  # the eight systems the data README lists
    assert mean(ours.values()) >= AVERAGE_FLOOR, report
    assert mean(ours.values()) > mean(default.values()), report
    for system, accuracy in ours.items():
        assert accuracy >= SYSTEM_FLOOR, (system, report)
        assert accuracy >= default[system], (system, report)


def test_raw_lines_group_like_their_labelled_content(
    loghub_samples: dict[str, LoghubSample],
) -> None:
    """With a common header, mining raw lines groups as well as mining the labelled Content."""
    for system in COMMON_HEADER_SYSTEMS:
        sample = loghub_samples[system]
        on_content = grouping_accuracy(sample.event_ids, miner_groups(sample.contents))
        on_raw = grouping_accuracy(sample.event_ids, miner_groups(sample.raw_lines))
        assert on_raw >= on_content - 0.01, (system, on_raw, on_content)
