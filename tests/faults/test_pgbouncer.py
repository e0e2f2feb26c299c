"""PgBouncer in transaction mode in front of PostgreSQL (docs/deploy.md): with GOCUA_DB_PREPARED_STATEMENTS=false
concurrent phones work through it; with asyncpg's statement cache on, they break (which is why the setting exists).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import msgspec
import psycopg
import pytest

from tests.faults.phones import PhoneFleet, Target
from tests.support.live_server import free_port, live_server

PGBOUNCER = shutil.which("pgbouncer") or "/usr/sbin/pgbouncer"


@pytest.fixture
def pgbouncer(database_url: str) -> Iterator[int]:
    """PgBouncer (transaction pooling, 2 server connections per database) in front of the test's database."""
    upstream = urlsplit(database_url.replace("postgresql+asyncpg://", "postgresql://"))
    root = Path(tempfile.mkdtemp(prefix="gocua-pgb-"))
    os.chmod(root, 0o777)
    port = free_port()
    (root / "pgbouncer.ini").write_text(f"""[databases]
* = host={upstream.hostname} port={upstream.port} user={upstream.username}
[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {port}
unix_socket_dir =
auth_type = any
pool_mode = transaction
default_pool_size = 2
max_client_conn = 500
ignore_startup_parameters = extra_float_digits
logfile = {root}/pgbouncer.log
pidfile = {root}/pgbouncer.pid
""")
    command = [PGBOUNCER, str(root / "pgbouncer.ini")]
    if os.geteuid() == 0:  # pgbouncer refuses to run as root
        command = ["runuser", "-u", "postgres", "--", *command]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                psycopg.connect(
                    f"postgresql://{upstream.username}@127.0.0.1:{port}{upstream.path}", connect_timeout=2
                ).close()
                break
            except psycopg.OperationalError:
                assert process.poll() is None and time.monotonic() < deadline, (root / "pgbouncer.log").read_text()
                time.sleep(0.2)
        yield port
    finally:
        process.terminate()
        process.wait(timeout=10)
        shutil.rmtree(root, ignore_errors=True)


def _through(settings, port: int, prepared: bool):
    upstream = urlsplit(settings.resolved_database_url)
    url = f"postgresql+asyncpg://{upstream.username}@127.0.0.1:{port}{upstream.path}"
    return msgspec.structs.replace(settings, database_url=url, db_prepared_statements=prepared, db_pool_size=8)


def test_transaction_pooling_works_with_prepared_statements_off(settings, world, form, homes, pgbouncer, tmp_path):
    with live_server(_through(settings, pgbouncer, prepared=False), tmp_path) as server:
        fleet = PhoneFleet(
            Target(server.url), world["member_a1"].headers, form, homes.located.id, phones=6, visits_each=4
        ).start()
        fleet.join()
    assert not fleet.errors, fleet.errors
    assert fleet.max_in_flight >= 2 and len(fleet.acknowledged) == 24


def test_asyncpg_statement_cache_breaks_behind_transaction_pooling(settings, world, form, homes, pgbouncer, tmp_path):
    with live_server(_through(settings, pgbouncer, prepared=True), tmp_path) as server:
        fleet = PhoneFleet(
            Target(server.url), world["member_a1"].headers, form, homes.located.id, phones=6, visits_each=4
        ).start()
        fleet.join()
        log = server.output()
    assert fleet.errors, "expected prepared-statement errors through PgBouncer with the cache on"
    assert "prepared statement" in log
