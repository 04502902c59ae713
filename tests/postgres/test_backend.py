"""The devstack's PostgreSQL: a real server on loopback with password authentication, its data
kept across a restart, started by ``opslens devstack up --with postgres``."""

from __future__ import annotations

import stat
from pathlib import Path

import psycopg
import pytest
from typer.testing import CliRunner

from opslens.devstack.cli import app as devstack_app
from opslens.devstack.postgres import PostgresBackend
from opslens.devstack.stack import DevStack, StackPorts, stop_recorded
from opslens.shared.envfile import read_env_file


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


def test_the_devstack_records_postgres_for_other_processes_and_stops_it(tmp_path: Path) -> None:
    stack = DevStack(tmp_path / "stack", StackPorts.free(), with_postgres=True)
    assert stack.postgres is not None
    stack.postgres.start()
    try:
        state = stack.record()
        env = read_env_file(stack.env_path)
        assert env["OPSLENS_AGENT_CHECKPOINT_URL"] == env["OPSLENS_REPORTS_STORE_URL"]
        with psycopg.connect(env["OPSLENS_REPORTS_STORE_URL"]) as conn:
            assert conn.execute("SELECT current_database()").fetchone() == ("opslens",)
        for path in (stack.env_path, stack.state_path):  # both hold the password
            assert stat.S_IMODE(path.stat().st_mode) == 0o600
        record = state.backends["postgres"]
        assert record.url == stack.postgres.public_url
        pid = stack.postgres.pid
        assert pid is not None and record.pids == [pid]
        stop_recorded(stack.state_path)  # as 'opslens devstack down' does, from elsewhere
        assert not stack.postgres.alive()
    finally:
        stack.postgres.remove()
