"""Where conversations are kept: SQLite by default, Postgres for several replicas.

On Postgres, replicas share one LangGraph checkpointer over a connection pool that checks each
connection before use, so a Postgres restart costs the questions asked while it is down (they
fail with :class:`~opslens.pgstate.StoreUnavailable`) and nothing after: opslens need not be
restarted. The schema is the checkpointer's own, migrated by its ``setup()`` under an advisory
lock on start.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.checkpoint.memory import InMemorySaver

from opslens.pgstate import (
    UNAVAILABLE_ERRORS,
    is_postgres_url,
    require_known_schema,
    require_server_version,
    unavailable,
)

STORE = "conversation store"
POOL_MAX_SIZE = 10
POOL_TIMEOUT_S = 5.0  # a question waits this long for a connection, then fails clearly
LOCK_NAME = "opslens:conversations"  # advisory lock held while migrating


@asynccontextmanager
async def open_checkpointer(url: str) -> AsyncIterator[BaseCheckpointSaver[Any]]:
    """``sqlite:///path``, ``postgresql://...`` or ``memory://``."""
    if url.startswith("memory://"):
        yield InMemorySaver()
    elif url.startswith("sqlite:///"):
        from langgraph.checkpoint.sqlite.aio import AsyncSqliteSaver

        path = Path(url.removeprefix("sqlite:///"))
        path.parent.mkdir(parents=True, exist_ok=True)
        async with AsyncSqliteSaver.from_conn_string(str(path)) as saver:
            yield saver
    elif is_postgres_url(url):
        async with _postgres_checkpointer(url) as saver:
            yield saver
    else:
        raise ValueError(
            f"unsupported checkpoint URL {url.split(':', 1)[0]!r}: "
            "use sqlite:///, postgresql:// or memory://"
        )


@asynccontextmanager
async def _postgres_checkpointer(url: str) -> AsyncIterator[BaseCheckpointSaver[Any]]:
    import psycopg
    from langgraph.checkpoint.postgres.aio import AsyncPostgresSaver
    from psycopg.rows import dict_row
    from psycopg_pool import AsyncConnectionPool

    pool: AsyncConnectionPool[Any] = AsyncConnectionPool(
        url,
        min_size=1,
        max_size=POOL_MAX_SIZE,
        timeout=POOL_TIMEOUT_S,
        kwargs={"autocommit": True, "prepare_threshold": None, "row_factory": dict_row},
        check=AsyncConnectionPool.check_connection,
        open=False,
        name="opslens-conversations",
    )
    try:
        # One plain connection first: its error says why (refused, password, no database).
        async with await psycopg.AsyncConnection.connect(
            url, autocommit=True, connect_timeout=int(POOL_TIMEOUT_S)
        ) as conn:
            require_server_version(STORE, url, conn.info.server_version)
            await pool.open(wait=True, timeout=POOL_TIMEOUT_S * 2)
            saver = AsyncPostgresSaver(pool)
            await _migrate(conn, saver, url, len(AsyncPostgresSaver.MIGRATIONS) - 1)
    except UNAVAILABLE_ERRORS as exc:
        await pool.close()
        raise unavailable(STORE, url, exc) from None
    except BaseException:
        await pool.close()
        raise
    try:
        yield saver
    finally:
        await pool.close()


async def _migrate(conn: Any, saver: Any, url: str, known: int) -> None:
    """The checkpointer's own migrations, one replica at a time, after the schema check."""
    await conn.execute("SELECT pg_advisory_lock(hashtext(%s))", (LOCK_NAME,))
    try:
        cursor = await conn.execute("SELECT to_regclass('checkpoint_migrations') IS NOT NULL")
        row = await cursor.fetchone()
        if row is not None and row[0]:
            cursor = await conn.execute("SELECT max(v) FROM checkpoint_migrations")
            found = await cursor.fetchone()
            require_known_schema(STORE, url, found[0] if found else None, known)
        await saver.setup()
    finally:
        await conn.execute("SELECT pg_advisory_unlock(hashtext(%s))", (LOCK_NAME,))
