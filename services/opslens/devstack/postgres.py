"""A real PostgreSQL (Debian's ``postgresql`` package) on loopback, in its own data directory.

The shared state of several opslens replicas (the agent's conversations, the reports' store and
schedule claims) lives here. :class:`PostgresBackend` runs ``initdb`` once into its directory
(password authentication, UTF-8), then ``postgres`` in the foreground on ``127.0.0.1:port``
with no Unix socket. PostgreSQL refuses to run as root: as root it runs as the ``postgres``
user Debian's package creates, in a directory of that user's under the temp folder.
"""

from __future__ import annotations

import hashlib
import os
import pwd
import re
import secrets
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path
from urllib.parse import quote

import psycopg
from psycopg import sql

from opslens.devstack.process import BackendStartError, ManagedProcess

DEBIAN_LAYOUT = Path("/usr/lib/postgresql")  # /usr/lib/postgresql/<major>/bin/{initdb,postgres}
START_TIMEOUT_S = 60.0
SUPERUSER = "opslens"
DATABASE = "opslens"
SERVICE_USER = "postgres"  # who runs the server when we are root


def postgres_bindir() -> Path:
    """The newest PostgreSQL's ``bin`` folder (``$OPSLENS_POSTGRES_BINDIR`` wins)."""
    configured = os.environ.get("OPSLENS_POSTGRES_BINDIR")
    candidates = (
        [Path(configured)]
        if configured
        else sorted(
            DEBIAN_LAYOUT.glob("*/bin"),
            key=lambda path: int(path.parent.name) if path.parent.name.isdigit() else 0,
            reverse=True,
        )
    )
    for candidate in candidates:
        if (candidate / "initdb").is_file() and (candidate / "postgres").is_file():
            return candidate
    raise BackendStartError(
        "PostgreSQL is not installed; run 'bash devstack/install-system-packages.sh' "
        "(Debian package 'postgresql')"
    )


def _service_user() -> str | None:
    """None when we may run the server ourselves; the ``postgres`` user when we are root."""
    if os.geteuid() != 0:
        return None
    try:
        pwd.getpwnam(SERVICE_USER)
    except KeyError:
        raise BackendStartError(
            "PostgreSQL does not run as root and there is no 'postgres' user; install "
            "Debian's 'postgresql' package or run as another user"
        ) from None
    return SERVICE_USER


class PostgresBackend:
    """One PostgreSQL server whose data, password and log live under ``workdir``."""

    name = "postgres"

    def __init__(self, workdir: Path, port: int) -> None:
        self.workdir = workdir
        self.port = port
        self._bindir = postgres_bindir()
        self._user = _service_user()
        self.home = self._home()
        self.data_dir = self.home / "data"
        self._password_path = workdir / "password"
        self._process = ManagedProcess(
            "postgres",
            [
                str(self._bindir / "postgres"),
                "-D",
                str(self.data_dir),
                "-p",
                str(port),
                "-c",
                "listen_addresses=127.0.0.1",
                "-c",
                "unix_socket_directories=",
                "-c",
                "max_connections=200",
                # A local stack for development and tests: durability is not its job.
                "-c",
                "fsync=off",
                "-c",
                "synchronous_commit=off",
                "-c",
                "full_page_writes=off",
            ],
            workdir / "postgres.log",
            ports=(port,),
            user=self._user,
            stop_signal=signal.SIGINT,  # fast shutdown; SIGTERM waits for every client to leave
        )

    def _home(self) -> Path:
        """Where the data directory goes: ``workdir``, or as root a folder the ``postgres``
        user owns (pytest's and most home folders are closed to other users)."""
        if self._user is None:
            return self.workdir
        digest = hashlib.sha256(str(self.workdir.resolve()).encode()).hexdigest()[:16]
        return Path(tempfile.gettempdir()) / f"opslens-postgres-{digest}"

    @property
    def password(self) -> str:
        return self._password_path.read_text(encoding="utf-8").strip()

    def database_url(self, database: str = DATABASE) -> str:
        """``postgresql://`` URL of ``database`` as the superuser (with its password)."""
        return (
            f"postgresql://{SUPERUSER}:{quote(self.password, safe='')}"
            f"@127.0.0.1:{self.port}/{database}"
        )

    @property
    def url(self) -> str:
        return self.database_url()

    @property
    def public_url(self) -> str:
        """The URL without its password, for status lines and logs."""
        return f"postgresql://{SUPERUSER}@127.0.0.1:{self.port}/{DATABASE}"

    @property
    def pid(self) -> int | None:
        return self._process.pid

    @property
    def process(self) -> ManagedProcess:
        return self._process

    def _initdb(self) -> None:
        if (self.data_dir / "PG_VERSION").is_file():
            if self._password_path.is_file():
                return
            shutil.rmtree(self.data_dir)  # a cluster whose password is lost is of no use
        self.workdir.mkdir(parents=True, exist_ok=True)
        password = secrets.token_urlsafe(24)
        self._password_path.write_text(password, encoding="utf-8")
        self._password_path.chmod(0o600)
        self.home.mkdir(mode=0o700, parents=True, exist_ok=True)
        if self._user is not None:
            shutil.chown(self.home, self._user, self._user)
        password_file = self.home / "initdb-password"
        password_file.write_text(password, encoding="utf-8")
        if self._user is not None:
            shutil.chown(password_file, self._user, self._user)
        try:
            result = subprocess.run(
                [
                    str(self._bindir / "initdb"),
                    "-D",
                    str(self.data_dir),
                    "-U",
                    SUPERUSER,
                    f"--pwfile={password_file}",
                    "--auth=scram-sha-256",
                    "--encoding=UTF8",
                    "--locale=C.UTF-8",
                ],
                capture_output=True,
                text=True,
                user=self._user,
                check=False,
            )
        finally:
            password_file.unlink(missing_ok=True)
        if result.returncode != 0:
            raise BackendStartError(f"initdb failed: {(result.stderr or result.stdout)[-2000:]}")

    def start(self) -> None:
        """Create the cluster on first use, start the server, create the ``opslens`` database."""
        self._initdb()
        self._process.start()
        self._process.wait_ready(self._ready, START_TIMEOUT_S)
        self.create_database(DATABASE)

    def _ready(self) -> bool:
        with psycopg.connect(self.database_url("postgres"), connect_timeout=2) as conn:
            conn.execute("SELECT 1")
        return True

    def create_database(self, name: str) -> str:
        """Create ``name`` unless it exists; its URL."""
        if not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", name):
            raise ValueError(f"database name {name!r}: lowercase letters, digits and _ only")
        with psycopg.connect(self.database_url("postgres"), autocommit=True) as conn:
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,))
            if exists.fetchone() is None:
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return self.database_url(name)

    def alive(self) -> bool:
        return self._process.alive()

    def stop(self) -> None:
        self._process.stop()

    def remove(self) -> None:
        """Stop and delete the data directory (tests; the devstack keeps it between runs)."""
        self.stop()
        shutil.rmtree(self.home if self._user is not None else self.data_dir, ignore_errors=True)
