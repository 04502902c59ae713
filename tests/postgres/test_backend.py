"""The devstack's PostgreSQL: a real server on loopback with password authentication, its data
kept across a restart, started by ``opslens devstack up --with postgres``."""

from __future__ import annotations

import psycopg
import pytest
from typer.testing import CliRunner

from opslens.devstack.cli import app as devstack_app
from opslens.devstack.postgres import PostgresBackend


def test_data_survives_a_restart_and_a_wrong_password_is_refused(
    postgres_backend: PostgresBackend, postgres_url: str
) -> None:
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute("CREATE TABLE notes (body text)")
        conn.execute("INSERT INTO notes VALUES (%s)", ("재시작 후에도 남는다",))
    postgres_backend.stop()
    assert not postgres_backend.alive()
    postgres_backend.start()
    with psycopg.connect(postgres_url) as conn:
        assert conn.execute("SELECT body FROM notes").fetchall() == [("재시작 후에도 남는다",)]
    wrong = postgres_url.replace(postgres_backend.password, "not-the-password")
    with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
        psycopg.connect(wrong, connect_timeout=5)
    assert postgres_backend.password not in postgres_backend.public_url


def test_devstack_refuses_an_unknown_optional_backend() -> None:
    result = CliRunner().invoke(devstack_app, ["up", "--with", "mysql"])
    assert result.exit_code != 0
    assert "unknown backend 'mysql'" in result.output
