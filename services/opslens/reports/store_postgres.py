"""The reports' store on Postgres: the same history and run locks as the SQLite store, shared
by several replicas over the network.

A claim is one ``INSERT ... ON CONFLICT DO UPDATE ... WHERE`` statement: the row is created, or
taken over when its run failed or its lease ran out, or left alone (no row returned). Leases
are compared with the database's clock, so replicas whose clocks differ still agree.

The schema is versioned in ``opslens_schema`` and migrated forward on start under an advisory
lock (:data:`MIGRATIONS`, append only). Errors reaching the database raise
:class:`~opslens.pgstate.StoreUnavailable`; a restarted Postgres is reconnected on the next call.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

import psycopg
from psycopg.types.json import Jsonb
from psycopg_pool import ConnectionPool

from opslens.pgstate import (
    UNAVAILABLE_ERRORS,
    require_known_schema,
    require_server_version,
    unavailable,
)
from opslens.reports.models import Report
from opslens.reports.store import DEFAULT_LEASE_S, ReportRow

STORE = "reports store"
COMPONENT = "reports"
LOCK_NAME = "opslens:reports-schema"
POOL_MAX_SIZE = 8
POOL_TIMEOUT_S = 5.0

# Each entry takes the schema from version i to i + 1; never edit one that shipped.
MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE reports (
        id text PRIMARY KEY,
        schedule text,
        created_at timestamptz NOT NULL,
        window_start timestamptz NOT NULL,
        window_end timestamptz NOT NULL,
        language text NOT NULL,
        incidents integer NOT NULL,
        root_causes jsonb NOT NULL,
        summary text NOT NULL,
        body jsonb NOT NULL
    );
    CREATE INDEX reports_by_time ON reports (created_at DESC);
    CREATE INDEX reports_by_schedule ON reports (schedule, created_at DESC);
    CREATE TABLE runs (
        schedule text NOT NULL,
        slot timestamptz NOT NULL,
        owner text NOT NULL,
        state text NOT NULL CHECK (state IN ('running', 'done', 'failed')),
        lease_until timestamptz NOT NULL,
        report_id text,
        error text,
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (schedule, slot)
    );
    """,
    # The alert investigations (opslens.alerts.store_postgres) beside the reports they made.
    """
    CREATE TABLE investigations (
        id text PRIMARY KEY,
        group_key text NOT NULL,
        alertname text NOT NULL,
        labels jsonb NOT NULL,
        fingerprints jsonb NOT NULL,
        state text NOT NULL CHECK (state IN ('queued', 'running', 'done', 'failed')),
        starts_at timestamptz NOT NULL,
        received_at timestamptz NOT NULL,
        finished_at timestamptz,
        report_id text,
        root_cause text,
        error text,
        resolved_at timestamptz,
        duration_s double precision
    );
    CREATE INDEX investigations_by_group ON investigations (group_key, received_at);
    CREATE INDEX investigations_by_time ON investigations (received_at DESC);
    """,
    # Investigations' leases: their owner renews them while they are queued or running.
    """
    ALTER TABLE investigations ADD COLUMN owner text, ADD COLUMN lease_until timestamptz;
    CREATE INDEX investigations_open ON investigations (lease_until)
        WHERE state IN ('queued', 'running');
    """,
)

CLAIM = """
INSERT INTO runs (schedule, slot, owner, state, lease_until)
VALUES (%(schedule)s, %(slot)s, %(owner)s, 'running', now() + make_interval(secs => %(lease)s))
ON CONFLICT (schedule, slot) DO UPDATE
    SET owner = EXCLUDED.owner, state = 'running', lease_until = EXCLUDED.lease_until,
        report_id = NULL, error = NULL, updated_at = now()
    WHERE runs.state = 'failed' OR (runs.state = 'running' AND runs.lease_until <= now())
RETURNING owner
"""
SAVE = """
INSERT INTO reports VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
ON CONFLICT (id) DO UPDATE SET
    schedule = EXCLUDED.schedule, created_at = EXCLUDED.created_at,
    window_start = EXCLUDED.window_start, window_end = EXCLUDED.window_end,
    language = EXCLUDED.language, incidents = EXCLUDED.incidents,
    root_causes = EXCLUDED.root_causes, summary = EXCLUDED.summary, body = EXCLUDED.body
"""


def migrate(conn: psycopg.Connection[Any], url: str) -> int:
    """Bring the schema to the latest version (one replica at a time); the version."""
    require_server_version(STORE, url, conn.info.server_version)
    conn.execute("SELECT pg_advisory_lock(hashtext(%s))", (LOCK_NAME,))
    try:
        conn.execute(
            "CREATE TABLE IF NOT EXISTS opslens_schema"
            " (component text PRIMARY KEY, version integer NOT NULL)"
        )
        row = conn.execute(
            "SELECT version FROM opslens_schema WHERE component = %s", (COMPONENT,)
        ).fetchone()
        found = row[0] if row else 0
        require_known_schema(STORE, url, found, len(MIGRATIONS))
        for version in range(found, len(MIGRATIONS)):
            with conn.transaction():
                conn.execute(MIGRATIONS[version])
                conn.execute(
                    "INSERT INTO opslens_schema VALUES (%s, %s)"
                    " ON CONFLICT (component) DO UPDATE SET version = EXCLUDED.version",
                    (COMPONENT, version + 1),
                )
        return len(MIGRATIONS)
    finally:
        conn.execute("SELECT pg_advisory_unlock(hashtext(%s))", (LOCK_NAME,))


class PostgresReportStore:
    """Reports and run locks in a Postgres database, over a pool of checked connections."""

    def __init__(self, url: str) -> None:
        self.url = url
        try:
            # One plain connection first: its error says why (refused, password, no database).
            with psycopg.connect(url, autocommit=True, connect_timeout=int(POOL_TIMEOUT_S)) as conn:
                migrate(conn, url)
        except UNAVAILABLE_ERRORS as exc:
            raise unavailable(STORE, url, exc) from None
        self._pool: ConnectionPool[Any] = ConnectionPool(
            url,
            min_size=1,
            max_size=POOL_MAX_SIZE,
            timeout=POOL_TIMEOUT_S,
            kwargs={"options": "-c TimeZone=UTC"},
            check=ConnectionPool.check_connection,
            name="opslens-reports",
            open=True,
        )

    def close(self) -> None:
        self._pool.close()

    @contextmanager
    def connection(self) -> Iterator[psycopg.Connection[Any]]:
        """A connection in a transaction (committed on success); errors reaching the
        database become :class:`StoreUnavailable`."""
        try:
            with self._pool.connection() as conn:
                yield conn
        except UNAVAILABLE_ERRORS as exc:
            raise unavailable(STORE, self.url, exc) from None

    # ------------------------------------------------------------------ reports

    def save(self, report: Report) -> None:
        with self.connection() as conn:
            _insert(conn, report)

    def get(self, report_id: str) -> Report | None:
        with self.connection() as conn:
            row = conn.execute("SELECT body FROM reports WHERE id = %s", (report_id,)).fetchone()
        return Report.model_validate(row[0]) if row else None

    def recent(
        self, limit: int = 20, offset: int = 0, schedule: str | None = None
    ) -> tuple[list[ReportRow], int]:
        """Newest first; also the number of reports matching (for paging)."""
        where = "WHERE schedule = %(schedule)s" if schedule else ""
        args = {"schedule": schedule, "limit": limit, "offset": offset}
        with self.connection() as conn:
            total = conn.execute(f"SELECT count(*) FROM reports {where}", args).fetchone()
            rows = conn.execute(
                "SELECT id, schedule, created_at, window_start, window_end, language, incidents,"
                f" root_causes, summary FROM reports {where}"
                " ORDER BY created_at DESC LIMIT %(limit)s OFFSET %(offset)s",
                args,
            ).fetchall()
        return [ReportRow(*row) for row in rows], int(total[0] if total else 0)

    # ------------------------------------------------------------------ run locks

    def claim(
        self, schedule: str, slot: datetime, owner: str, lease_s: float = DEFAULT_LEASE_S
    ) -> bool:
        """Take the run of ``schedule`` at ``slot``; False when another owner has (had) it."""
        args = {"schedule": schedule, "slot": slot, "owner": owner, "lease": lease_s}
        with self.connection() as conn:
            return conn.execute(CLAIM, args).fetchone() is not None

    def renew(
        self, schedule: str, slot: datetime, owner: str, lease_s: float = DEFAULT_LEASE_S
    ) -> bool:
        with self.connection() as conn:
            cursor = conn.execute(
                "UPDATE runs SET lease_until = now() + make_interval(secs => %s),"
                " updated_at = now()"
                " WHERE schedule = %s AND slot = %s AND owner = %s AND state = 'running'",
                (lease_s, schedule, slot, owner),
            )
            return cursor.rowcount == 1

    def complete(self, schedule: str, slot: datetime, owner: str, report: Report) -> bool:
        with self.connection() as conn:
            if not _settle(conn, schedule, slot, owner, "done", report.id, None):
                return False
            _insert(conn, report)
        return True

    def fail(self, schedule: str, slot: datetime, owner: str, error: str) -> None:
        with self.connection() as conn:
            _settle(conn, schedule, slot, owner, "failed", None, error[:500])

    def last_slot(self, schedule: str) -> datetime | None:
        """The latest slot of ``schedule`` that ran or is running."""
        with self.connection() as conn:
            row = conn.execute(
                "SELECT max(slot) FROM runs WHERE schedule = %s AND state != 'failed'",
                (schedule,),
            ).fetchone()
        return row[0] if row else None

    def expired(self, schedule: str) -> list[datetime]:
        with self.connection() as conn:
            rows = conn.execute(
                "SELECT slot FROM runs WHERE schedule = %s AND state = 'running'"
                " AND lease_until <= now() ORDER BY slot",
                (schedule,),
            ).fetchall()
        return [row[0] for row in rows]

    def runs(self, schedule: str) -> list[tuple[datetime, str, str, str | None]]:
        """(slot, owner, state, report id) of every run of ``schedule``, oldest first."""
        with self.connection() as conn:
            rows = conn.execute(
                "SELECT slot, owner, state, report_id FROM runs WHERE schedule = %s ORDER BY slot",
                (schedule,),
            ).fetchall()
        return [(r[0], r[1], r[2], r[3]) for r in rows]


def _insert(conn: psycopg.Connection[Any], report: Report) -> None:
    conn.execute(
        SAVE,
        (
            report.id,
            report.schedule,
            report.created_at,
            report.window_start,
            report.window_end,
            report.language,
            len(report.incidents),
            Jsonb(report.root_causes),
            report.summary,
            Jsonb(report.model_dump(mode="json")),
        ),
    )


def _settle(
    conn: psycopg.Connection[Any],
    schedule: str,
    slot: datetime,
    owner: str,
    state: str,
    report_id: str | None,
    error: str | None,
) -> bool:
    """Close ``owner``'s running claim as ``state``; False when it is not theirs any more."""
    cursor = conn.execute(
        "UPDATE runs SET state = %s, report_id = %s, error = %s, updated_at = now()"
        " WHERE schedule = %s AND slot = %s AND owner = %s AND state = 'running'",
        (state, report_id, error, schedule, slot, owner),
    )
    return cursor.rowcount == 1
