"""The anomaly check ("is anything wrong right now?") runs the report detectors over the hour
before a pinned "now": inside a fault, its incident comes first with the fault's root cause;
in an hour no fault touches, there is none. Every time comes from the scenario's ground truth.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

import pytest

from opslens.scenarios.truth import FaultTruth, GroundTruth
from tests.agent.conftest import Ask

pytestmark = pytest.mark.integration

QUESTIONS = ["is anything wrong right now?", "지금 이상 징후 있어?"]
HANGUL = re.compile(r"[\uac00-\ud7a3]")
HOUR = timedelta(hours=1)
INTO_FAULT = timedelta(minutes=10)
ONSET_SLACK = timedelta(minutes=5)
SETTLE = timedelta(minutes=10)
"""After a fault ends, rates over five minutes and restarted pods still show it for a while."""


def ask_at(ask: Ask, question: str, now: datetime) -> dict[str, Any]:
    body = ask(question, now=now.isoformat())
    assert body["plan"]["intent"] == "anomaly"
    assert datetime.fromisoformat(body["plan"]["end"]) == now
    assert datetime.fromisoformat(body["plan"]["end"]) - HOUR == datetime.fromisoformat(
        body["plan"]["start"]
    )
    if body["language"] == "ko":
        assert HANGUL.search(body["answer"]), body["answer"]
    return body


def quiet_hour_end(truth: GroundTruth) -> datetime:
    """The end of the last hour of history that starts after one fault settled and ends before
    the next one (or now), so that it overlaps no fault."""
    faults = sorted(truth.faults, key=lambda f: f.start)
    after = [fault.end + SETTLE for fault in faults]
    before = [fault.start for fault in faults[1:]] + [truth.now]
    ends = [end for start, end in zip(after, before, strict=True) if end - start >= HOUR]
    assert ends, "the scenario has an hour without faults"
    return ends[-1]


def check_top_incident(body: dict[str, Any], fault: FaultTruth, now: datetime) -> dict[str, Any]:
    incidents = body["incidents"]
    assert incidents, body["answer"]
    ends = [datetime.fromisoformat(incident["end"]) for incident in incidents]
    assert ends == sorted(ends, reverse=True), "most recent first"
    top = incidents[0]
    assert top["root_cause"] == fault.root_cause_service, [i["root_cause"] for i in incidents]
    assert abs(datetime.fromisoformat(top["start"]) - fault.start) <= ONSET_SLACK
    assert top["ongoing"], "now is inside the fault"
    assert top["candidates"][0]["evidence"], "the root cause comes with its evidence"
    assert fault.root_cause_service in body["answer"]
    tools = {query["tool"] for query in body["queries"] if query["ok"] and query["native"]}
    assert {"query_range", "latency_stats", "log_patterns", "diagnose"} <= tools
    return dict(top)


@pytest.mark.parametrize("question", QUESTIONS)
def test_inside_the_outage_its_root_cause_comes_first(
    ask: Ask, seeded_demo: GroundTruth, question: str
) -> None:
    fault = seeded_demo.fault("dependency_down")
    now = fault.start + INTO_FAULT
    body = ask_at(ask, question, now)
    top = check_top_incident(body, fault, now)
    assert set(fault.affected_services) <= set(top["services"]) | {fault.dependency}
    # Its error logs, followed to their traces, support it.
    correlation = body["correlation"]
    assert correlation["root_cause"] == fault.root_cause_service
    assert correlation["origins"][0]["dependency"] == fault.dependency
    assert set(correlation["trace_ids_from_logs"]) <= set(seeded_demo.failed_trace_ids())


@pytest.mark.parametrize("question", QUESTIONS)
def test_inside_the_slowdown_without_error_logs_it_is_found(
    ask: Ask, seeded_demo: GroundTruth, question: str
) -> None:
    fault = seeded_demo.fault("latency")
    now = fault.start + INTO_FAULT
    body = ask_at(ask, question, now)
    top = check_top_incident(body, fault, now)
    # Found from the measures alone: no error log points at it (following them could not).
    assert "logs" not in top["signals"] and "metrics" in top["signals"]


@pytest.mark.parametrize("question", QUESTIONS)
def test_a_quiet_hour_has_no_incident(ask: Ask, seeded_demo: GroundTruth, question: str) -> None:
    now = quiet_hour_end(seeded_demo)
    assert not any(f.start < now and f.end > now - HOUR for f in seeded_demo.faults)
    body = ask_at(ask, question, now)
    assert body["incidents"] == [], [i["root_cause"] for i in body["incidents"]]
    assert not body["missing"]
    assert seeded_demo.namespace in body["answer"], "it says what it checked"
