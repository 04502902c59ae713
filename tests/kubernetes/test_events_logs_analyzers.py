"""Pure parts: event merging, log trimming, and the analyzers over the captured objects."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from opslens_mcp.core.times import parse_instant
from opslens_mcp.kubernetes.analyzers import Context, Snapshot, analyze
from opslens_mcp.kubernetes.events import group_events
from opslens_mcp.kubernetes.tools.pods import keep_newest, parse_log
from tests.kubernetes.openshift_data import DATASET, expected_findings, load

NOW = dt.datetime(2026, 11, 26, 1, 0, tzinfo=dt.UTC)


def event(name: str, reason: str, count: int, last: str, message: str = "m") -> dict[str, Any]:
    return {
        "metadata": {"namespace": "shop", "name": f"{name}.{count}"},
        "involvedObject": {"kind": "Pod", "name": name, "namespace": "shop"},
        "reason": reason,
        "type": "Warning",
        "count": count,
        "message": message,
        "firstTimestamp": last,
        "lastTimestamp": last,
    }


def test_events_merge_by_object_and_reason_newest_first() -> None:
    events = [
        event("a", "BackOff", 5, "2026-11-26T00:50:00Z", "older"),
        event("a", "BackOff", 7, "2026-11-26T00:55:00Z", "newer"),
        event("a", "Unhealthy", 2, "2026-11-26T00:40:00Z"),
        event("b", "BackOff", 1, "2026-11-25T20:00:00Z"),
    ]
    groups = group_events(events, since=NOW - dt.timedelta(hours=1), until=NOW)
    assert [(g.object.name, g.reason, g.count, g.message) for g in groups] == [
        ("a", "BackOff", 12, "newer"),
        ("a", "Unhealthy", 2, "m"),
    ]
    assert groups[0].first_seen == parse_instant("2026-11-26T00:50:00Z")


def test_series_and_event_time_count_too() -> None:
    newer_api = {
        "metadata": {"namespace": "shop", "name": "x"},
        "regarding": {"kind": "Pod", "name": "a", "namespace": "shop"},
        "reason": "BackOff",
        "type": "Warning",
        "note": "from events.k8s.io",
        "eventTime": "2026-11-26T00:10:00.000000Z",
        "series": {"count": 9, "lastObservedTime": "2026-11-26T00:30:00.000000Z"},
    }
    (group,) = group_events([newer_api])
    assert (group.count, group.message) == (9, "from events.k8s.io")
    assert group.last_seen == parse_instant("2026-11-26T00:30:00Z")


def test_logs_keep_the_newest_whole_lines_within_the_cap(shared_data: Path) -> None:
    logs = sorted((shared_data / DATASET).glob("config/pod/*/logs/*/*.log"))
    assert logs
    for path in logs:
        data = path.read_bytes()
        cap = max(len(data) // 3, 1)
        kept, dropped = keep_newest(data, cap)
        assert dropped is (len(data) > cap)
        assert len(kept) <= cap and data.endswith(kept)
        whole_lines = data[: len(data) - len(kept)].endswith(b"\n")
        newest_line_too_long = b"\n" not in kept.rstrip(b"\n")  # then its newest bytes
        assert whole_lines or newest_line_too_long
        assert keep_newest(data, len(data)) == (data, False)
        lines = parse_log(data.decode())
        assert len(lines) == len(data.decode().splitlines())
        for line, raw in zip(lines, data.decode().splitlines(), strict=True):
            assert f"{line.time} {line.text}" == raw if line.time else line.text == raw


def test_log_lines_split_the_runtime_timestamp() -> None:
    text = "2026-11-26T01:02:03.123456789Z ERROR [payment] could not get JDBC connection\nplain"
    lines = parse_log(text)
    assert [(line.time, line.text) for line in lines] == [
        ("2026-11-26T01:02:03.123456789Z", "ERROR [payment] could not get JDBC connection"),
        (None, "plain"),
    ]


def test_analyzers_on_the_captured_objects_without_an_api(shared_data: Path) -> None:
    captured = load(shared_data)
    for now in (NOW, parse_instant("2021-07-09T10:00:00Z")):
        since = now - dt.timedelta(hours=24)
        findings = analyze(
            Snapshot(pods=captured.pods, nodes=captured.nodes), Context(now=now, since=since)
        )
        pods = {
            (f.object.namespace, f.object.name, f.problem, f.container)
            for f in findings
            if f.object.kind == "Pod"
        }
        expected = expected_findings(captured.pods, now, since, rename=False)
        window = {"Restarted", "OOMKilled"}
        if now < parse_instant("2024-01-01T00:00:00Z"):  # before some pods were even created
            pods = {p for p in pods if p[2] in window}
            expected = {e for e in expected if e[2] in window}
        assert pods == expected
        not_ready = {
            n["metadata"]["name"]
            for n in captured.nodes
            if any(
                c["type"] == "Ready" and c["status"] != "True" for c in n["status"]["conditions"]
            )
        }
        assert {f.object.name for f in findings if f.object.kind == "Node"} == not_ready
