"""Headers learned from the lines of formats the miner was not written for.

Each format writes a generated message after its header; the learned header must leave exactly
that message (the ground truth each line carries).
"""

from __future__ import annotations

import random
from collections.abc import Callable

import pytest

from opslens_mcp.opensearch.headers import learn_header
from opslens_mcp.opensearch.records import unwrap_record

WORDS = [
    "open",
    "close",
    "read",
    "failed",
    "started",
    "stopped",
    "connection",
    "refused",
    "timeout",
    "user",
    "session",
]
COMPONENTS = [f"Comp_{chr(65 + n)}" for n in range(24)]

Format = Callable[[int, str], str]
FORMATS: dict[str, Format] = {
    "logcat": lambda i, m: (
        f"03-17 16:13:{i % 60:02}.{i:03}  {1700 + i % 5}  {2300 + i % 9} {'DIWE'[i % 4]} "
        f"{['WindowManager', 'PowerManagerService', 'ActivityManager'][i % 3]}: {m}"
    ),
    "pipe-separated with many components": lambda i, m: (
        f"20171223-22:15:{i % 60:02}:{i:03}|{COMPONENTS[i % 24]}|{30002312 + i % 3}|{m}"
    ),
    "syslog with a detail before the colon": lambda i, m: (
        f"Jul  {1 + i % 8} 09:00:{i % 60:02} host-10-105-160-{i % 200} "
        + ["kernel[0]:", f"launchd[1] (com.apple.xpc.pid.{i}):", "QQ[10018]:"][i % 3]
        + f" {m}"
    ),
    "bracketed time, program, dash": lambda i, m: (
        f"[10.30 16:49:{i % 60:02}] {['chrome.exe', 'Dropbox.exe'][i % 2]} - {m}"
    ),
    "label, epoch, host, syslog": lambda i, m: (
        f"- {1131566461 + i} 2005.11.09 dn{200 + i % 40} Nov 9 12:01:{i % 60:02} "
        f"dn{200 + i % 40}/dn{200 + i % 40} {['crond(pam_unix)[2915]:', 'kernel:'][i % 2]} {m}"
    ),
    "id, node, dotted kinds, epoch, flag": lambda i, m: (
        f"{134681 + i} node-{i % 300} {['unix.hw', 'action.start'][i % 2]} "
        f"{['state_change.unavailable', 'halt'][i % 2]} {1077804742 + i} 1 {m}"
    ),
    "go log": lambda i, m: f"2026/11/26 01:02:{i % 60:02} {m}",
    "python logging": lambda i, m: f"{['INFO', 'WARNING', 'ERROR'][i % 3]}:app.module:{m}",
    "logfmt": lambda i, m: (
        f'time="2026-11-26T01:02:{i % 60:02}Z" level={["info", "error"][i % 2]} msg="{m}"'
    ),
    "klog": lambda i, m: f"E1110 14:17:{i % 60:02}.900391    2296 pod_workers.go:{i}] {m}",
}


@pytest.mark.parametrize("name", sorted(FORMATS))
def test_learned_headers_leave_the_message(name: str) -> None:
    rng = random.Random(name)
    rows = []
    for i in range(300):
        message = " ".join(
            rng.choice(WORDS) if rng.random() < 0.8 else str(rng.randrange(1000))
            for _ in range(rng.randrange(2, 7))
        )
        rows.append((unwrap_record(FORMATS[name](i, message))[0], message))
    shape = learn_header([line for line, _ in rows])
    for line, message in rows:
        assert shape.message(line) == message, (shape, line)


def test_logfmt_records_name_their_message_and_trace() -> None:
    line = 'level=error msg="payment \\"declined\\" for 42" trace_id=4bf92f3577b34da6'
    assert unwrap_record(line) == ('payment "declined" for 42', "4bf92f3577b34da6")
    assert unwrap_record("level=info msg=started") == ("started", None)
