"""Alert investigations beside the reports, in the reports' own store: one row per
investigation started, in the SQLite file by default or in Postgres
(:mod:`opslens.alerts.store_postgres`) when several replicas share the reports' store;
:func:`open_investigations` picks the one that matches the reports' store.

A firing notification opens an investigation unless one for the same group key is queued or
running under a live lease, or was done within the dedupe window
(:meth:`InvestigationStore.open`, atomic, so replicas sharing the store dedupe together); its
fingerprints join the existing one. A resolved notification closes the group's open
investigations with how long the alert lasted.

Leases, like the report runs' claims: the replica that opened (or took over) an investigation
owns it and renews its lease while it is queued or running. One whose owner died is taken over
by another replica once its lease ran out (:meth:`InvestigationStore.take_over`), or set aside
as failed when a new notification of its group arrives first; a failed investigation does not
dedupe, so the group's next notification investigates again. Only the owner finishes one.
"""

from __future__ import annotations

import json
import sqlite3
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Literal, Protocol

from pydantic import BaseModel

from opslens.alerts.payload import Labels
from opslens.reports.store import ReportStore, SqliteReportStore

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
    duration_s REAL,
    owner TEXT,
    lease_until REAL
);
CREATE INDEX IF NOT EXISTS investigations_by_group ON investigations (group_key, received_at);
CREATE INDEX IF NOT EXISTS investigations_by_time ON investigations (received_at DESC);
"""
LEASE_COLUMNS = {"owner": "TEXT", "lease_until": "REAL"}
"""Added to files made before leases (their open rows then count as abandoned)."""
COLUMN_NAMES = (
    "id",
    "group_key",
    "alertname",
    "labels",
    "fingerprints",
    "state",
    "starts_at",
    "received_at",
    "finished_at",
    "report_id",
    "root_cause",
    "error",
    "resolved_at",
    "duration_s",
)
COLUMNS = ", ".join(COLUMN_NAMES)
MAX_ERROR = 500
ABANDONED = "abandoned: its replica stopped renewing the lease; a newer notification took over"


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


class InvestigationStore(Protocol):
    """Investigations; every method blocks (call them through ``asyncio.to_thread``)."""

    def open(
        self,
        group_key: str,
        alertname: str,
        labels: Labels,
        fingerprints: list[str],
        starts_at: datetime,
        dedupe: timedelta,
        owner: str,
        lease_s: float,
    ) -> tuple[Investigation, bool]:
        """The investigation of this notification and whether it is new, then owned by
        ``owner`` for ``lease_s`` (False: a duplicate of one queued or running under a live
        lease, or done within ``dedupe``). Open ones of the group whose lease ran out are set
        aside as failed (:data:`ABANDONED`)."""
        ...

    def forget(self, investigation_id: str) -> None:
        """Remove an investigation that never got queued (the queue was full)."""
        ...

    def running(self, investigation_id: str, owner: str, lease_s: float) -> bool:
        """Mark ``owner``'s investigation running (lease renewed); False when not theirs."""
        ...

    def renew(self, investigation_ids: list[str], owner: str, lease_s: float) -> list[str]:
        """Extend ``owner``'s open investigations' leases; the ids still theirs."""
        ...

    def take_over(self, owner: str, lease_s: float, limit: int) -> list[Investigation]:
        """Up to ``limit`` queued or running investigations whose lease ran out, now
        ``owner``'s and queued again (oldest first)."""
        ...

    def finish(
        self,
        investigation_id: str,
        owner: str,
        report_id: str | None,
        root_cause: str | None,
        error: str | None = None,
    ) -> bool:
        """Close ``owner``'s investigation as done (or failed with ``error``); False, and
        nothing changed, when it is not theirs any more."""
        ...

    def resolve(self, group_key: str, ended_at: datetime) -> list[Investigation]:
        """Close the group's unresolved investigations: resolved at ``ended_at``, with the
        alert's duration from its start."""
        ...

    def get(self, investigation_id: str) -> Investigation | None: ...

    def recent(self, limit: int = 50, offset: int = 0) -> tuple[list[Investigation], int]:
        """Newest first, and how many there are."""
        ...


def open_investigations(reports: ReportStore) -> InvestigationStore:
    """The investigations in the same store as ``reports`` (SQLite file or Postgres)."""
    if isinstance(reports, SqliteReportStore):
        return SqliteInvestigationStore(reports)
    from opslens.alerts.store_postgres import PostgresInvestigationStore
    from opslens.reports.store_postgres import PostgresReportStore

    if isinstance(reports, PostgresReportStore):
        return PostgresInvestigationStore(reports)
    raise TypeError(f"no investigation store for a {type(reports).__name__}")


# --- What both stores decide the same way -----------------------------------------------------


def new_investigation(
    group_key: str,
    alertname: str,
    labels: Labels,
    fingerprints: list[str],
    starts_at: datetime,
    received_at: datetime,
) -> Investigation:
    """A queued investigation, its id from when it was received."""
    return Investigation(
        id=f"alert-{received_at.astimezone(UTC):%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}",
        group_key=group_key,
        alertname=alertname,
        labels=labels,
        fingerprints=fingerprints,
        state="queued",
        starts_at=starts_at,
        received_at=received_at,
    )


def merged_fingerprints(known: Investigation, fingerprints: list[str]) -> list[str] | None:
    """``known``'s fingerprints with ``fingerprints`` joined; None when nothing is new."""
    merged = sorted(set(known.fingerprints) | set(fingerprints))
    return merged if merged != known.fingerprints else None


def resolved(item: Investigation, ended_at: datetime) -> Investigation:
    """``item`` resolved at ``ended_at``, lasting from its start (never negative)."""
    duration = max(0.0, (ended_at - item.starts_at).total_seconds())
    return item.model_copy(update={"resolved_at": ended_at, "duration_s": duration})


def finished_state(error: str | None) -> tuple[State, str | None]:
    """The state an investigation ends in and its error as stored (bounded)."""
    return ("failed", error[:MAX_ERROR]) if error else ("done", None)


# --- SQLite -----------------------------------------------------------------------------------


def _row(row: tuple[object, ...]) -> Investigation:
    values = dict(zip(COLUMN_NAMES, row, strict=True))
    values["labels"] = json.loads(str(values["labels"]))
    values["fingerprints"] = json.loads(str(values["fingerprints"]))
    return Investigation.model_validate(values)


class SqliteInvestigationStore:
    """Investigations in the reports' SQLite file (own table); each change is one
    ``IMMEDIATE`` transaction, so processes sharing the file dedupe too. Leases are epoch
    seconds of this machine's clock (the processes share it)."""

    def __init__(self, reports: SqliteReportStore) -> None:
        self.reports = reports
        with reports.connect() as db:
            db.executescript(SCHEMA)
            known = {row[1] for row in db.execute("PRAGMA table_info(investigations)")}
            for name, kind in LEASE_COLUMNS.items():
                if name not in known:
                    db.execute(f"ALTER TABLE investigations ADD COLUMN {name} {kind}")

    def open(
        self,
        group_key: str,
        alertname: str,
        labels: Labels,
        fingerprints: list[str],
        starts_at: datetime,
        dedupe: timedelta,
        owner: str,
        lease_s: float,
    ) -> tuple[Investigation, bool]:
        now = datetime.now(UTC)
        with self.reports.transaction() as db:
            row = db.execute(
                f"SELECT {COLUMNS} FROM investigations WHERE group_key = ?"
                " AND ((state IN ('queued', 'running') AND lease_until > ?)"
                " OR (state = 'done' AND received_at > ?))"
                " ORDER BY received_at DESC LIMIT 1",
                (group_key, time.time(), (now - dedupe).isoformat()),
            ).fetchone()
            if row is not None:
                known = _row(row)
                merged = merged_fingerprints(known, fingerprints)
                if merged is not None:
                    db.execute(
                        "UPDATE investigations SET fingerprints = ? WHERE id = ?",
                        (json.dumps(merged), known.id),
                    )
                    known.fingerprints = merged
                return known, False
            db.execute(
                "UPDATE investigations SET state = 'failed', error = ?, finished_at = ?,"
                " owner = NULL WHERE group_key = ? AND state IN ('queued', 'running')",
                (ABANDONED, now.isoformat(), group_key),
            )
            item = new_investigation(group_key, alertname, labels, fingerprints, starts_at, now)
            self._insert(db, item, owner, time.time() + lease_s)
        return item, True

    @staticmethod
    def _insert(db: sqlite3.Connection, item: Investigation, owner: str, lease: float) -> None:
        db.execute(
            "INSERT INTO investigations (id, group_key, alertname, labels, fingerprints, state,"
            " starts_at, received_at, owner, lease_until) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                item.id,
                item.group_key,
                item.alertname,
                json.dumps(item.labels, ensure_ascii=False),
                json.dumps(item.fingerprints),
                item.state,
                item.starts_at.isoformat(),
                item.received_at.isoformat(),
                owner,
                lease,
            ),
        )

    def forget(self, investigation_id: str) -> None:
        with self.reports.transaction() as db:
            db.execute("DELETE FROM investigations WHERE id = ?", (investigation_id,))

    def running(self, investigation_id: str, owner: str, lease_s: float) -> bool:
        with self.reports.transaction() as db:
            changed = db.execute(
                "UPDATE investigations SET state = 'running', lease_until = ?"
                " WHERE id = ? AND owner = ? AND state IN ('queued', 'running')",
                (time.time() + lease_s, investigation_id, owner),
            ).rowcount
        return changed == 1

    def renew(self, investigation_ids: list[str], owner: str, lease_s: float) -> list[str]:
        if not investigation_ids:
            return []
        marks = ", ".join("?" * len(investigation_ids))
        with self.reports.transaction() as db:
            rows = db.execute(
                f"UPDATE investigations SET lease_until = ? WHERE id IN ({marks})"
                " AND owner = ? AND state IN ('queued', 'running') RETURNING id",
                (time.time() + lease_s, *investigation_ids, owner),
            ).fetchall()
        return [str(row[0]) for row in rows]

    def take_over(self, owner: str, lease_s: float, limit: int) -> list[Investigation]:
        if limit < 1:
            return []
        now = time.time()
        with self.reports.transaction() as db:
            rows = db.execute(
                f"SELECT {COLUMNS} FROM investigations WHERE state IN ('queued', 'running')"
                " AND (lease_until IS NULL OR lease_until <= ?) ORDER BY received_at LIMIT ?",
                (now, limit),
            ).fetchall()
            taken = [_row(row).model_copy(update={"state": "queued"}) for row in rows]
            for item in taken:
                db.execute(
                    "UPDATE investigations SET state = 'queued', owner = ?, lease_until = ?"
                    " WHERE id = ?",
                    (owner, now + lease_s, item.id),
                )
        return taken

    def finish(
        self,
        investigation_id: str,
        owner: str,
        report_id: str | None,
        root_cause: str | None,
        error: str | None = None,
    ) -> bool:
        state, stored_error = finished_state(error)
        with self.reports.transaction() as db:
            changed = db.execute(
                "UPDATE investigations SET state = ?, finished_at = ?, report_id = ?,"
                " root_cause = ?, error = ?, owner = NULL WHERE id = ? AND owner = ?"
                " AND state IN ('queued', 'running')",
                (
                    state,
                    datetime.now(UTC).isoformat(),
                    report_id,
                    root_cause,
                    stored_error,
                    investigation_id,
                    owner,
                ),
            ).rowcount
        return changed == 1

    def resolve(self, group_key: str, ended_at: datetime) -> list[Investigation]:
        with self.reports.transaction() as db:
            rows = db.execute(
                f"SELECT {COLUMNS} FROM investigations WHERE group_key = ? AND resolved_at IS NULL",
                (group_key,),
            ).fetchall()
            closed = [resolved(_row(row), ended_at) for row in rows]
            for item in closed:
                db.execute(
                    "UPDATE investigations SET resolved_at = ?, duration_s = ? WHERE id = ?",
                    (ended_at.isoformat(), item.duration_s, item.id),
                )
        return closed

    def get(self, investigation_id: str) -> Investigation | None:
        with self.reports.connect() as db:
            row = db.execute(
                f"SELECT {COLUMNS} FROM investigations WHERE id = ?", (investigation_id,)
            ).fetchone()
        return _row(row) if row else None

    def recent(self, limit: int = 50, offset: int = 0) -> tuple[list[Investigation], int]:
        with self.reports.connect() as db:
            total = db.execute("SELECT count(*) FROM investigations").fetchone()[0]
            rows = db.execute(
                f"SELECT {COLUMNS} FROM investigations ORDER BY received_at DESC LIMIT ? OFFSET ?",
                (limit, offset),
            ).fetchall()
        return [_row(row) for row in rows], int(total)
