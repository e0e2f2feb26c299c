"""Runtime settings, read from GOCUA_* environment variables by the caller, never at import time."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

import msgspec


class Settings(msgspec.Struct, frozen=True, kw_only=True):
    data_dir: Path = Path("./var")
    database_url: str | None = None
    s3_endpoint: str | None = None
    s3_access_key: str | None = None
    s3_secret_key: str | None = None
    s3_bucket: str = "gocua"
    s3_secure: bool = False
    s3_region: str | None = None
    # A visit whose GPS fix is farther than this from the household's known location is flagged.
    far_from_household_m: float = 300.0
    impossible_travel_kmh: float = 120.0
    session_hours: float = 12.0
    login_max_failures: int = 5
    login_window_s: float = 900.0
    max_request_bytes: int = 40_000_000
    # Connections per worker (PostgreSQL): workers × this must stay under the server's max_connections.
    db_pool_size: int = 40
    # Processes decoding photos beside the server (None: one per core on a multi-core machine; 0: threads).
    photo_workers: int | None = None
    debug: bool = False

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.data_dir / 'gocua.sqlite3').resolve()}"

    @property
    def resolved_photo_workers(self) -> int:
        if self.photo_workers is not None:
            return max(0, self.photo_workers)
        cores = os.cpu_count() or 1
        return cores if cores > 1 else 0

    @property
    def uses_s3(self) -> bool:
        return bool(self.s3_endpoint)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: object) -> Settings:
        env = os.environ if environ is None else environ
        values: dict[str, object] = {}
        for field in msgspec.structs.fields(cls):
            raw = env.get(f"GOCUA_{field.name.upper()}")
            if raw is not None and raw != "":
                values[field.name] = raw
        values.update({k: v for k, v in overrides.items() if v is not None})
        data_dir = values.pop("data_dir", None)
        # str → bool/float coercion, with a clear error naming a mistyped variable.
        settings = msgspec.convert(values, cls, strict=False)
        return settings if data_dir is None else msgspec.structs.replace(settings, data_dir=Path(str(data_dir)))
