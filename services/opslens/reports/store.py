"""Where reports live, with the history of reports and a lock per scheduled run: SQLite (stdlib,
one process or one host) by default, Postgres (:mod:`opslens.reports.store_postgres`) for
several replicas; :func:`open_store` picks one by URL.

Two tables: ``reports`` (each report as JSON plus the columns a listing needs) and ``runs``
(one row per schedule and cron slot). A replica produces a scheduled report only after it has
claimed the slot's row inside an ``IMMEDIATE`` transaction, so replicas sharing the store never
make the same report twice. The owner renews its lease while it works; a claim whose owner died
is taken over once its lease expires, and a report is stored only together with marking its
still-owned claim done (a replica that lost its claim stores nothing).

Example::

    store = open_store("sqlite:///reports.sqlite")  # or postgresql://user:pw@host/db
    if store.claim("hourly", slot, owner="pod-a"):
        report = ...  # renew("hourly", slot, "pod-a") meanwhile when it takes long
        store.complete("hourly", slot, "pod-a", report)
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
from typing import Protocol

from opslens.pgstate import is_postgres_url
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
DEFAULT_LEASE_S = 120.0  # renewed by the owner while it works


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


class ReportStore(Protocol):
    """Reports and run locks; every method blocks (call them through ``asyncio.to_thread``)."""

    def save(self, report: Report) -> None: ...

    def get(self, report_id: str) -> Report | None: ...

    def recent(
        self, limit: int = 20, offset: int = 0, schedule: str | None = None
    ) -> tuple[list[ReportRow], int]:
        """Newest first; also the number of reports matching (for paging)."""
        ...

    def claim(
        self, schedule: str, slot: datetime, owner: str, lease_s: float = DEFAULT_LEASE_S
    ) -> bool:
        """Take the run of ``schedule`` at ``slot``; False when another owner has (had) it."""
        ...

    def renew(
        self, schedule: str, slot: datetime, owner: str, lease_s: float = DEFAULT_LEASE_S
    ) -> bool:
        """Extend ``owner``'s running claim; False when it is no longer theirs."""
        ...

    def complete(self, schedule: str, slot: datetime, owner: str, report: Report) -> bool:
        """Store ``report`` and mark the claim done, both or neither: False (nothing stored)
        when ``owner`` no longer holds a running claim on the slot."""
        ...

    def fail(self, schedule: str, slot: datetime, owner: str, error: str) -> None: ...

    def last_slot(self, schedule: str) -> datetime | None:
        """The latest slot of ``schedule`` that ran or is running."""
        ...

    def expired(self, schedule: str) -> list[datetime]:
        """Slots of ``schedule`` still running whose lease ran out (their owner died)."""
        ...

    def runs(self, schedule: str) -> list[tuple[datetime, str, str, str | None]]:
        """(slot, owner, state, report id) of every run of ``schedule``, oldest first."""
        ...

    def close(self) -> None: ...


def open_store(location: str) -> ReportStore:
    """``postgresql://...`` (several replicas), ``sqlite:///PATH`` or a plain file path."""
    if is_postgres_url(location):
        from opslens.reports.store_postgres import PostgresReportStore

        return PostgresReportStore(location)
    return SqliteReportStore(Path(location.removeprefix("sqlite:///")))


def _slot_text(slot: datetime) -> str:
    return slot.astimezone(UTC).isoformat()


def _now_text() -> str:
    return datetime.now(UTC).isoformat()


class SqliteReportStore:
    """Reports and run locks in one SQLite file (created on first use)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.connect() as db:
            db.execute("PRAGMA journal_mode=WAL")
            db.executescript(SCHEMA)

    def close(self) -> None:
        """Nothing to close: each call opens and closes its own connection."""

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
            _insert(db, report)

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

    def renew(
        self, schedule: str, slot: datetime, owner: str, lease_s: float = DEFAULT_LEASE_S
    ) -> bool:
        with self.transaction() as db:
            cursor = db.execute(
                "UPDATE runs SET lease_until = ?, updated_at = ?"
                " WHERE schedule = ? AND slot = ? AND owner = ? AND state = 'running'",
                (time.time() + lease_s, _now_text(), schedule, _slot_text(slot), owner),
            )
            return cursor.rowcount == 1

    def complete(self, schedule: str, slot: datetime, owner: str, report: Report) -> bool:
        with self.transaction() as db:
            if not self._settle(db, schedule, slot, owner, "done", report.id, None):
                return False
            _insert(db, report)
        return True

    def fail(self, schedule: str, slot: datetime, owner: str, error: str) -> None:
        with self.transaction() as db:
            self._settle(db, schedule, slot, owner, "failed", None, error[:500])

    @staticmethod
    def _settle(
        db: sqlite3.Connection,
        schedule: str,
        slot: datetime,
        owner: str,
        state: str,
        report_id: str | None,
        error: str | None,
    ) -> bool:
        cursor = db.execute(
            "UPDATE runs SET state = ?, report_id = ?, error = ?, updated_at = ?"
            " WHERE schedule = ? AND slot = ? AND owner = ? AND state = 'running'",
            (state, report_id, error, _now_text(), schedule, _slot_text(slot), owner),
        )
        return cursor.rowcount == 1

    def last_slot(self, schedule: str) -> datetime | None:
        """The latest slot of ``schedule`` that ran or is running."""
        with self.connect() as db:
            row = db.execute(
                "SELECT max(slot) FROM runs WHERE schedule = ? AND state != 'failed'",
                (schedule,),
            ).fetchone()
        return datetime.fromisoformat(row[0]) if row and row[0] else None

    def expired(self, schedule: str) -> list[datetime]:
        with self.connect() as db:
            rows = db.execute(
                "SELECT slot FROM runs WHERE schedule = ? AND state = 'running'"
                " AND lease_until <= ? ORDER BY slot",
                (schedule, time.time()),
            ).fetchall()
        return [datetime.fromisoformat(row[0]) for row in rows]

    def runs(self, schedule: str) -> list[tuple[datetime, str, str, str | None]]:
        """(slot, owner, state, report id) of every run of ``schedule``, oldest first."""
        with self.connect() as db:
            rows = db.execute(
                "SELECT slot, owner, state, report_id FROM runs WHERE schedule = ? ORDER BY slot",
                (schedule,),
            ).fetchall()
        return [(datetime.fromisoformat(r[0]), r[1], r[2], r[3]) for r in rows]


def _insert(db: sqlite3.Connection, report: Report) -> None:
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
