"""Process checks the devstack tests share: is a pid alive, which processes name a path,
what a process started."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path


def pid_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def _processes(file: str) -> Iterator[tuple[int, bytes]]:
    """Every process's pid and its ``/proc/<pid>/<file>`` (those gone meanwhile skipped)."""
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                yield int(entry.name), (entry / file).read_bytes()
            except OSError:
                continue


def processes_mentioning(text: str) -> list[int]:
    """Pids whose command line contains ``text`` (e.g. a test's work directory)."""
    return [pid for pid, cmdline in _processes("cmdline") if text.encode() in cmdline]


def descendants(pid: int) -> list[int]:
    """Every process below ``pid`` (children in sessions of their own included)."""
    children: dict[int, list[int]] = {}
    for child, stat in _processes("stat"):
        parent = int(stat.rsplit(b")", 1)[1].split()[1])  # the field after the state
        children.setdefault(parent, []).append(child)
    found, pending = [], list(children.get(pid, []))
    while pending:
        child = pending.pop()
        found.append(child)
        pending.extend(children.get(child, []))
    return found


def command_line(pid: int) -> str:
    try:
        return (Path("/proc") / str(pid) / "cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""
