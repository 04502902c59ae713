"""Alert investigations in the reports' Postgres store, so that several replicas behind one
Service dedupe Alertmanager's notifications together.

The table is one of the reports store's migrations (:mod:`opslens.reports.store_postgres`);
calls go through that store's pool. :meth:`PostgresInvestigationStore.open` holds a
transaction-scoped advisory lock on the group key while it looks for an investigation to join
and inserts a new one, so two replicas receiving the same group at once open it once. Times
are the database's (``now()``), like the reports' leases, so replicas whose clocks differ
still agree on the dedupe window.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import psycopg
from psycopg.rows import dict_row
from psycopg.types.json import Jsonb

from opslens.alerts.payload import Labels
from opslens.alerts.store import (
    ABANDONED,
    COLUMNS,
    Investigation,
    finished_state,
    merged_fingerprints,
    new_investigation,
    resolved,
)
from opslens.reports.store_postgres import PostgresReportStore

GROUP_LOCK = "opslens:alert-group"
"""The advisory lock's first key (the second is the group key's hash)."""
FIND_OPEN = f"""
SELECT {COLUMNS} FROM investigations
WHERE group_key = %(group_key)s
    AND ((state IN ('queued', 'running') AND lease_until > now())
         OR (state = 'done' AND received_at > now() - make_interval(secs => %(dedupe)s)))
ORDER BY received_at DESC LIMIT 1
"""
SET_ASIDE = """
UPDATE investigations SET state = 'failed', error = %(error)s, finished_at = now(), owner = NULL
WHERE group_key = %(group_key)s AND state IN ('queued', 'running')
"""
TAKE_OVER = f"""
UPDATE investigations SET state = 'queued', owner = %(owner)s,
    lease_until = now() + make_interval(secs => %(lease)s)
WHERE id IN (
    SELECT id FROM investigations
    WHERE state IN ('queued', 'running') AND (lease_until IS NULL OR lease_until <= now())
    ORDER BY received_at LIMIT %(limit)s FOR UPDATE SKIP LOCKED
)
RETURNING {COLUMNS}
"""


def _fetch(conn: psycopg.Connection[Any], query: str, args: dict[str, Any]) -> list[Investigation]:
    with conn.cursor(row_factory=dict_row) as cursor:
        return [Investigation.model_validate(row) for row in cursor.execute(query, args)]


class PostgresInvestigationStore:
    """Investigations in the reports' Postgres database (own table, the reports' pool)."""

    def __init__(self, reports: PostgresReportStore) -> None:
        self.reports = reports

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
        args = {"group_key": group_key, "dedupe": dedupe.total_seconds()}
        with self.reports.connection() as conn:
            conn.execute(
                "SELECT pg_advisory_xact_lock(hashtext(%s), hashtext(%s))",
                (GROUP_LOCK, group_key),
            )
            found = _fetch(conn, FIND_OPEN, args)
            if found:
                known = found[0]
                merged = merged_fingerprints(known, fingerprints)
                if merged is not None:
                    conn.execute(
                        "UPDATE investigations SET fingerprints = %s WHERE id = %s",
                        (Jsonb(merged), known.id),
                    )
                    known.fingerprints = merged
                return known, False
            conn.execute(SET_ASIDE, {"group_key": group_key, "error": ABANDONED})
            row = conn.execute("SELECT now()").fetchone()
            assert row is not None
            item = new_investigation(group_key, alertname, labels, fingerprints, starts_at, row[0])
            conn.execute(
                "INSERT INTO investigations (id, group_key, alertname, labels, fingerprints,"
                " state, starts_at, received_at, owner, lease_until) VALUES (%s, %s, %s, %s,"
                " %s, %s, %s, %s, %s, now() + make_interval(secs => %s))",
                (
                    item.id,
                    item.group_key,
                    item.alertname,
                    Jsonb(item.labels),
                    Jsonb(item.fingerprints),
                    item.state,
                    item.starts_at,
                    item.received_at,
                    owner,
                    lease_s,
                ),
            )
        return item, True

    def forget(self, investigation_id: str) -> None:
        with self.reports.connection() as conn:
            conn.execute("DELETE FROM investigations WHERE id = %s", (investigation_id,))

    def running(self, investigation_id: str, owner: str, lease_s: float) -> bool:
        with self.reports.connection() as conn:
            changed = conn.execute(
                "UPDATE investigations SET state = 'running',"
                " lease_until = now() + make_interval(secs => %s)"
                " WHERE id = %s AND owner = %s AND state IN ('queued', 'running')",
                (lease_s, investigation_id, owner),
            ).rowcount
        return changed == 1

    def renew(self, investigation_ids: list[str], owner: str, lease_s: float) -> list[str]:
        if not investigation_ids:
            return []
        with self.reports.connection() as conn:
            rows = conn.execute(
                "UPDATE investigations SET lease_until = now() + make_interval(secs => %s)"
                " WHERE id = ANY(%s) AND owner = %s AND state IN ('queued', 'running')"
                " RETURNING id",
                (lease_s, investigation_ids, owner),
            ).fetchall()
        return [str(row[0]) for row in rows]

    def take_over(self, owner: str, lease_s: float, limit: int) -> list[Investigation]:
        if limit < 1:
            return []
        with self.reports.connection() as conn:
            taken = _fetch(conn, TAKE_OVER, {"owner": owner, "lease": lease_s, "limit": limit})
        return sorted(taken, key=lambda item: item.received_at)

    def finish(
        self,
        investigation_id: str,
        owner: str,
        report_id: str | None,
        root_cause: str | None,
        error: str | None = None,
    ) -> bool:
        state, stored_error = finished_state(error)
        with self.reports.connection() as conn:
            changed = conn.execute(
                "UPDATE investigations SET state = %s, finished_at = now(), report_id = %s,"
                " root_cause = %s, error = %s, owner = NULL"
                " WHERE id = %s AND owner = %s AND state IN ('queued', 'running')",
                (state, report_id, root_cause, stored_error, investigation_id, owner),
            ).rowcount
        return changed == 1

    def resolve(self, group_key: str, ended_at: datetime) -> list[Investigation]:
        with self.reports.connection() as conn:
            found = _fetch(
                conn,
                f"SELECT {COLUMNS} FROM investigations"
                " WHERE group_key = %(group_key)s AND resolved_at IS NULL FOR UPDATE",
                {"group_key": group_key},
            )
            closed = [resolved(item, ended_at) for item in found]
            for item in closed:
                conn.execute(
                    "UPDATE investigations SET resolved_at = %s, duration_s = %s WHERE id = %s",
                    (ended_at, item.duration_s, item.id),
                )
        return closed

    def get(self, investigation_id: str) -> Investigation | None:
        with self.reports.connection() as conn:
            found = _fetch(
                conn,
                f"SELECT {COLUMNS} FROM investigations WHERE id = %(id)s",
                {"id": investigation_id},
            )
        return found[0] if found else None

    def recent(self, limit: int = 50, offset: int = 0) -> tuple[list[Investigation], int]:
        with self.reports.connection() as conn:
            row = conn.execute("SELECT count(*) FROM investigations").fetchone()
            items = _fetch(
                conn,
                f"SELECT {COLUMNS} FROM investigations"
                " ORDER BY received_at DESC LIMIT %(limit)s OFFSET %(offset)s",
                {"limit": limit, "offset": offset},
            )
        return items, int(row[0] if row else 0)
