"""Alert investigations in the reports' SQLite file: one row per investigation started.

A firing notification opens an investigation unless one for the same group key is queued or
running, or was opened within the dedupe window (:meth:`InvestigationStore.open`, one
``IMMEDIATE`` transaction, so replicas sharing the file dedupe too); its fingerprints join the
existing one. A resolved notification closes the group's open investigations with how long the
alert lasted.
"""

from __future__ import annotations

import json
import sqlite3
import uuid
from datetime import UTC, datetime, timedelta
from typing import Literal

from pydantic import BaseModel

from opslens.alerts.payload import Labels
from opslens.reports.store import ReportStore

State = Literal["queued", "running", "done", "failed"]
SCHEMA = """
CREATE TABLE IF NOT EXISTS investigations (
    id TEXT PRIMARY KEY,
    group_key TEXT NOT NULL,
    alertname TEXT NOT NULL,
    labels TEXT NOT NULL,
    fingerprints TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('queued', 'running', 'done', 'failed')),
    starts_at TEXT NOT NULL,
    received_at TEXT NOT NULL,
    finished_at TEXT,
    report_id TEXT,
    root_cause TEXT,
    error TEXT,
    resolved_at TEXT,
    duration_s REAL
);
CREATE INDEX IF NOT EXISTS investigations_by_group ON investigations (group_key, received_at);
CREATE INDEX IF NOT EXISTS investigations_by_time ON investigations (received_at DESC);
"""
COLUMNS = (
    "id, group_key, alertname, labels, fingerprints, state, starts_at, received_at,"
    " finished_at, report_id, root_cause, error, resolved_at, duration_s"
)


class Investigation(BaseModel):
    """One alert group's investigation: what fired, what opslens found, when it resolved."""

    id: str
    group_key: str
    alertname: str
    labels: Labels
    fingerprints: list[str]
    state: State
    starts_at: datetime
    received_at: datetime
    finished_at: datetime | None = None
    report_id: str | None = None
    root_cause: str | None = None
    error: str | None = None
    resolved_at: datetime | None = None
    duration_s: float | None = None


class InvestigationList(BaseModel):
    investigations: list[Investigation]
    total: int


def _row(row: tuple[object, ...]) -> Investigation:
    values = dict(zip([c.strip() for c in COLUMNS.split(",")], row, strict=True))
    values["labels"] = json.loads(str(values["labels"]))
    values["fingerprints"] = json.loads(str(values["fingerprints"]))
    return Investigation.model_validate(values)


class InvestigationStore:
    """Investigations next to the reports (same file, own table)."""

    def __init__(self, reports: ReportStore) -> None:
        self.reports = reports
        with reports.connect() as db:
            db.executescript(SCHEMA)

    def open(
        self,
        group_key: str,
        alertname: str,
        labels: Labels,
        fingerprints: list[str],
        starts_at: datetime,
        dedupe: timedelta,
    ) -> tuple[Investigation, bool]:
        """The investigation of this notification and whether it is new (False: a duplicate
        of one queued, running or opened within ``dedupe``)."""
        now = datetime.now(UTC)
        with self.reports.transaction() as db:
            row = db.execute(
                f"SELECT {COLUMNS} FROM investigations WHERE group_key = ?"
                " AND (state IN ('queued', 'running') OR received_at > ?)"
                " ORDER BY received_at DESC LIMIT 1",
                (group_key, (now - dedupe).isoformat()),
            ).fetchone()
            if row is not None:
                known = _row(row)
                merged = sorted(set(known.fingerprints) | set(fingerprints))
                if merged != known.fingerprints:
                    db.execute(
                        "UPDATE investigations SET fingerprints = ? WHERE id = ?",
                        (json.dumps(merged), known.id),
                    )
                    known.fingerprints = merged
                return known, False
            investigation = Investigation(
                id=f"alert-{now.strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:8]}",
                group_key=group_key,
                alertname=alertname,
                labels=labels,
                fingerprints=fingerprints,
                state="queued",
                starts_at=starts_at,
                received_at=now,
            )
            self._insert(db, investigation)
        return investigation, True

    @staticmethod
    def _insert(db: sqlite3.Connection, item: Investigation) -> None:
        db.execute(
            f"INSERT INTO investigations ({COLUMNS}) VALUES ({', '.join('?' * 14)})",
            (
                item.id,
                item.group_key,
                item.alertname,
                json.dumps(item.labels, ensure_ascii=False),
                json.dumps(item.fingerprints),
                item.state,
                item.starts_at.isoformat(),
                item.received_at.isoformat(),
                None,
                None,
                None,
                None,
                None,
                None,
            ),
        )

    def forget(self, investigation_id: str) -> None:
        """Remove an investigation that never got queued (the queue was full)."""
        with self.reports.transaction() as db:
            db.execute("DELETE FROM investigations WHERE id = ?", (investigation_id,))

    def running(self, investigation_id: str) -> None:
        with self.reports.transaction() as db:
            db.execute(
                "UPDATE investigations SET state = 'running' WHERE id = ?", (investigation_id,)
            )

    def finish(
        self,
        investigation_id: str,
        report_id: str | None,
        root_cause: str | None,
        error: str | None = None,
    ) -> None:
        state = "failed" if error else "done"
        with self.reports.transaction() as db:
            db.execute(
                "UPDATE investigations SET state = ?, finished_at = ?, report_id = ?,"
                " root_cause = ?, error = ? WHERE id = ?",
                (
                    state,
                    datetime.now(UTC).isoformat(),
                    report_id,
                    root_cause,
                    error[:500] if error else None,
                    investigation_id,
                ),
            )

    def resolve(self, group_key: str, ended_at: datetime) -> list[Investigation]:
        """Close the group's unresolved investigations: resolved at ``ended_at``, with the
        alert's duration from its start."""
        with self.reports.transaction() as db:
            rows = db.execute(
                f"SELECT {COLUMNS} FROM investigations WHERE group_key = ? AND resolved_at IS NULL",
                (group_key,),
            ).fetchall()
            closed = []
            for row in rows:
                item = _row(row)
                item.resolved_at = ended_at
                item.duration_s = max(0.0, (ended_at - item.starts_at).total_seconds())
                db.execute(
                    "UPDATE investigations SET resolved_at = ?, duration_s = ? WHERE id = ?",
                    (ended_at.isoformat(), item.duration_s, item.id),
                )
                closed.append(item)
        return closed

    def get(self, investigation_id: str) -> Investigation | None:
        with self.reports.connect() as db:
            row = db.execute(
                f"SELECT {COLUMNS} FROM investigations WHERE id = ?", (investigation_id,)
            ).fetchone()
        return _row(row) if row else None

    def recent(self, limit: int = 50, offset: int = 0) -> tuple[list[Investigation], int]:
        """Newest first, and how many there are."""
        with self.reports.connect() as db:
            total = db.execute("SELECT count(*) FROM investigations").fetchone()[0]
            rows = db.execute(
                f"SELECT {COLUMNS} FROM investigations ORDER BY received_at DESC LIMIT ? OFFSET ?",
                (limit, offset),
            ).fetchall()
        return [_row(row) for row in rows], int(total)
