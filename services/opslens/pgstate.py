"""What the Postgres-backed stores share: the URL without its password, one error for "the
store is unavailable", and the checks a store runs before it migrates its schema.

The agent's conversations (LangGraph's Postgres checkpointer) and the reports' store both
live in Postgres when several replicas run. Each store keeps its schema version in a table and
migrates forward on start under an advisory lock (so replicas starting together do not race);
a server older than :data:`MIN_SERVER_VERSION` or a schema newer than the code is refused
with an error that says what to do.
"""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

import psycopg

from opslens_mcp.core.errors import BackendUnavailable

MIN_SERVER_VERSION = 130000  # PostgreSQL 13
# Errors that mean "the database is not there right now" (refused, restarting, pool timeout).
UNAVAILABLE_ERRORS: tuple[type[Exception], ...] = (psycopg.OperationalError, psycopg.InterfaceError)


def is_postgres_url(url: str) -> bool:
    return url.startswith(("postgresql://", "postgres://"))


def public_url(url: str) -> str:
    """``url`` without its password (for errors and logs)."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    netloc = f"{parts.username}@{host}" if parts.username else host
    if parts.port:
        netloc += f":{parts.port}"
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


class StoreUnavailable(BackendUnavailable):
    """A Postgres-backed store cannot be reached or used; trying again later may work."""

    def __init__(self, store: str, url: str, detail: str) -> None:
        super().__init__(store, f"{detail} (Postgres at {public_url(url)})", transient=True)


class StoreSchemaError(RuntimeError):
    """The database cannot serve this opslens: server too old or schema too new."""


def unavailable(store: str, url: str, exc: BaseException) -> StoreUnavailable:
    """The error to raise for ``exc``, one line, without the password."""
    detail = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return StoreUnavailable(store, url, detail.replace(url, public_url(url)))


def require_server_version(store: str, url: str, server_version: int) -> None:
    """Refuse a server older than :data:`MIN_SERVER_VERSION` (``conn.info.server_version``)."""
    if server_version < MIN_SERVER_VERSION:
        major = server_version // 10000
        raise StoreSchemaError(
            f"{store}: Postgres at {public_url(url)} is version {major}; opslens needs "
            f"{MIN_SERVER_VERSION // 10000} or newer"
        )


def require_known_schema(store: str, url: str, found: int | None, known: int) -> None:
    """Refuse a schema migrated by a newer opslens (``found`` > ``known``)."""
    if found is not None and found > known:
        raise StoreSchemaError(
            f"{store}: the schema in {public_url(url)} is at version {found}, newer than "
            f"this opslens knows ({known}); run the newer opslens or restore a matching backup"
        )
