"""Where reports live: SQLite (stdlib), with the history of reports and a lock per scheduled run.

Two tables: ``reports`` (each report as JSON plus the columns a listing needs) and ``runs``
(one row per schedule and cron slot). A replica produces a scheduled report only after it has
claimed the slot's row inside an ``IMMEDIATE`` transaction, so replicas sharing the file never
make the same report twice; a claim whose owner died is taken over once its lease expires.

Example::

    store = ReportStore(Path("reports.sqlite"))
    if store.claim("hourly", slot, owner="pod-a"):
        store.save(report)
        store.finish("hourly", slot, "pod-a", report.id)
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from opslens.reports.models import Report

SCHEMA = """
CREATE TABLE IF NOT EXISTS reports (
    id TEXT PRIMARY KEY,
    schedule TEXT,
    created_at TEXT NOT NULL,
    window_start TEXT NOT NULL,
    window_end TEXT NOT NULL,
    language TEXT NOT NULL,
    incidents INTEGER NOT NULL,
    root_causes TEXT NOT NULL,
    summary TEXT NOT NULL,
    body TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS reports_by_time ON reports (created_at DESC);
CREATE TABLE IF NOT EXISTS runs (
    schedule TEXT NOT NULL,
    slot TEXT NOT NULL,
    owner TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('running', 'done', 'failed')),
    lease_until REAL NOT NULL,
    report_id TEXT,
    error TEXT,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (schedule, slot)
);
"""
DEFAULT_LEASE_S = 900.0


@dataclass(frozen=True)
class ReportRow:
    """A report as listed: enough to choose one, without its body."""

    id: str
    schedule: str | None
    created_at: datetime
    window_start: datetime
    window_end: datetime
    language: str
    incidents: int
    root_causes: list[str]
    summary: str


def _slot_text(slot: datetime) -> str:
    return slot.astimezone(UTC).isoformat()


def _now_text() -> str:
    return datetime.now(UTC).isoformat()


class ReportStore:
    """Reports and run locks in one SQLite file (created on first use)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.connect() as db:
            db.execute("PRAGMA journal_mode=WAL")
            db.executescript(SCHEMA)

    @contextmanager
    def connect(self) -> Iterator[sqlite3.Connection]:
        db = sqlite3.connect(self.path, timeout=30.0, isolation_level=None)
        try:
            yield db
        finally:
            db.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """A write transaction that holds the file's write lock from its first statement."""
        with self.connect() as db:
            db.execute("BEGIN IMMEDIATE")
            try:
                yield db
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")

    # ------------------------------------------------------------------ reports

    def save(self, report: Report) -> None:
        with self.transaction() as db:
            db.execute(
                "INSERT OR REPLACE INTO reports VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    report.id,
                    report.schedule,
                    report.created_at.isoformat(),
                    report.window_start.isoformat(),
                    report.window_end.isoformat(),
                    report.language,
                    len(report.incidents),
                    json.dumps(report.root_causes, ensure_ascii=False),
                    report.summary,
                    report.model_dump_json(),
                ),
            )

    def get(self, report_id: str) -> Report | None:
        with self.connect() as db:
            row = db.execute("SELECT body FROM reports WHERE id = ?", (report_id,)).fetchone()
        return Report.model_validate_json(row[0]) if row else None

    def recent(
        self, limit: int = 20, offset: int = 0, schedule: str | None = None
    ) -> tuple[list[ReportRow], int]:
        """Newest first; also the number of reports matching (for paging)."""
        where, args = ("WHERE schedule = ?", [schedule]) if schedule else ("", [])
        with self.connect() as db:
            total = db.execute(f"SELECT count(*) FROM reports {where}", args).fetchone()[0]
            rows = db.execute(
                "SELECT id, schedule, created_at, window_start, window_end, language, incidents,"
                f" root_causes, summary FROM reports {where}"
                " ORDER BY created_at DESC LIMIT ? OFFSET ?",
                [*args, limit, offset],
            ).fetchall()
        listed = [
            ReportRow(
                id=row[0],
                schedule=row[1],
                created_at=datetime.fromisoformat(row[2]),
                window_start=datetime.fromisoformat(row[3]),
                window_end=datetime.fromisoformat(row[4]),
                language=row[5],
                incidents=row[6],
                root_causes=json.loads(row[7]),
                summary=row[8],
            )
            for row in rows
        ]
        return listed, int(total)

    # ------------------------------------------------------------------ run locks

    def claim(
        self, schedule: str, slot: datetime, owner: str, lease_s: float = DEFAULT_LEASE_S
    ) -> bool:
        """Take the run of ``schedule`` at ``slot``; False when another owner has (had) it."""
        key = (schedule, _slot_text(slot))
        with self.transaction() as db:
            row = db.execute(
                "SELECT state, lease_until FROM runs WHERE schedule = ? AND slot = ?", key
            ).fetchone()
            if row is not None:
                state, lease_until = row
                if state == "done" or (state == "running" and lease_until > time.time()):
                    return False
            db.execute(
                "INSERT OR REPLACE INTO runs (schedule, slot, owner, state, lease_until,"
                " report_id, error, updated_at) VALUES (?, ?, ?, 'running', ?, NULL, NULL, ?)",
                (*key, owner, time.time() + lease_s, _now_text()),
            )
        return True

    def finish(self, schedule: str, slot: datetime, owner: str, report_id: str) -> None:
        self._settle(schedule, slot, owner, "done", report_id, None)

    def fail(self, schedule: str, slot: datetime, owner: str, error: str) -> None:
        self._settle(schedule, slot, owner, "failed", None, error[:500])

    def _settle(
        self,
        schedule: str,
        slot: datetime,
        owner: str,
        state: str,
        report_id: str | None,
        error: str | None,
    ) -> None:
        with self.transaction() as db:
            db.execute(
                "UPDATE runs SET state = ?, report_id = ?, error = ?, updated_at = ?"
                " WHERE schedule = ? AND slot = ? AND owner = ?",
                (state, report_id, error, _now_text(), schedule, _slot_text(slot), owner),
            )

    def last_slot(self, schedule: str) -> datetime | None:
        """The latest slot of ``schedule`` that ran or is running."""
        with self.connect() as db:
            row = db.execute(
                "SELECT max(slot) FROM runs WHERE schedule = ? AND state != 'failed'",
                (schedule,),
            ).fetchone()
        return datetime.fromisoformat(row[0]) if row and row[0] else None

    def runs(self, schedule: str) -> list[tuple[datetime, str, str, str | None]]:
        """(slot, owner, state, report id) of every run of ``schedule``, oldest first."""
        with self.connect() as db:
            rows = db.execute(
                "SELECT slot, owner, state, report_id FROM runs WHERE schedule = ? ORDER BY slot",
                (schedule,),
            ).fetchall()
        return [(datetime.fromisoformat(r[0]), r[1], r[2], r[3]) for r in rows]
