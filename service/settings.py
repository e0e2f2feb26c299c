"""Runtime settings, read from GOCUA_* environment variables by the caller, never at import time."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

import msgspec

from forms.xlsform_limits import WorkbookLimits


class Settings(msgspec.Struct, frozen=True, kw_only=True):
    data_dir: Path = Path("./var")
    database_url: str | None = None
    s3_endpoint: str | None = None
    s3_access_key: str | None = None
    s3_secret_key: str | None = None
    s3_bucket: str = "gocua"
    s3_secure: bool = False
    s3_region: str | None = None
    # Short, so that a frozen object store answers a phone 503 in seconds and its retry queue takes over.
    s3_connect_timeout_s: float = 2.0
    s3_read_timeout_s: float = 5.0
    # A visit whose GPS fix is farther than this from the household's known location is flagged.
    far_from_household_m: float = 300.0
    impossible_travel_kmh: float = 120.0
    # Consecutive visits closer in time than this are compared as if this far apart (travel-speed check), so two
    # visits finished in the same minute (a leader filing two forms at once) are not an infinite speed.
    min_travel_time_s: float = 60.0
    # A photo taken this long before the form was opened or after it was finished still belongs to the visit.
    photo_time_slack_min: float = 30.0
    # A visit dated later than its arrival by more than this is flagged (time.in_future): an offline phone's clock
    # may be hours off (a wrong time zone), not days.
    future_time_slack_h: float = 24.0
    # Group commit of JSON visits: at most this many visits per transaction, and how long a batch waits for
    # company once work is flowing (a batch's round trips cost the same for one visit as for fifty).
    visit_batch_max: int = 200
    visit_batch_linger_ms: float = 3.0
    session_hours: float = 12.0
    login_max_failures: int = 5
    login_window_s: float = 900.0
    # First lockout of a username at an address after max failures; doubles with each further failure.
    login_backoff_s: float = 30.0
    # Body ceiling of routes without their own (service/http/limits.py sizes each route's).
    max_request_bytes: int = 65_536
    # Connections per worker (PostgreSQL): workers × this must stay under the server's max_connections.
    db_pool_size: int = 40
    # Off behind PgBouncer in transaction mode: asyncpg's prepared-statement cache breaks there.
    db_prepared_statements: bool = True
    # Processes decoding photos beside the server (None: one per core on a multi-core machine; 0: threads).
    photo_workers: int | None = None
    # Pixel limits read from headers before decoding: JPEG (decoded at a reduced scale), PNG and WebP (whole).
    photo_max_pixels: int = 64_000_000
    photo_max_pixels_lossless: int = 16_000_000
    # Hard address-space ceiling of one photo worker process; decodes in flight × this ≤ photo_memory_mb.
    photo_worker_memory_mb: int = 512
    photo_memory_mb: int = 2048
    # Server (granian): header read timeout, also the idle keep-alive limit between requests, and how long a new
    # connection may send nothing at all before it is closed (service/http/silent_connections.py).
    http_header_timeout_s: float = 15.0
    # Longest wait for the next piece of a request body before 408 and a closed connection (0: no limit).
    http_body_timeout_s: float = 30.0
    # Open connections per server worker before granian stops accepting (see docs/deploy.md for the proxy).
    http_max_connections: int = 8192
    # The address phones are told to use (device-token QR codes), e.g. https://gocua.thanhhoa.gov.vn. Unset: the
    # socket address the request reached (never the Host header, which the caller writes).
    public_url: str | None = None
    # Proxies (addresses or networks, comma-separated) whose X-Forwarded-For names the caller for the per-address
    # login limit. Unset: the header is ignored and the socket peer is the caller.
    trusted_proxies: str | None = None
    # Strict-Transport-Security: None sends it when the request came over TLS or GOCUA_PUBLIC_URL is https;
    # true always; false never.
    hsts: bool | None = None
    # Each worker brings the tallies' per-village cells up to date this often (0: only when a tally is read).
    tally_refresh_s: float = 30.0
    # A found token row is reused this long, per worker: a revoked token stops working within this time.
    token_cache_s: float = 0.5
    # How long a token lookup waits for concurrent requests to share its query.
    token_lookup_linger_s: float = 0.001
    # What an uploaded XLSForm may unpack to, checked before it is parsed (docs/forms.md says why each).
    xlsform_max_unpacked_bytes: int = 16_000_000
    xlsform_max_rows: int = 10_000
    xlsform_max_columns: int = 200
    xlsform_max_cells: int = 200_000
    xlsform_max_cell_chars: int = 20_000
    # Largest form definition (canonical JSON) a phone downloads; an XLSForm converting to more is refused.
    form_max_definition_bytes: int = 1_000_000
    # A CSV media file of a form version (select_one_from_file, pulldata, search).
    form_media_max_bytes: int = 5_000_000
    # Largest file an audio, video or file question takes (stored as sent, service/visits/attachments.py). Sized for
    # 2G phones; the visit and OpenRosa routes take bodies up to 64 MB (service/http/limits.py), so more has no use.
    max_audio_bytes: int = 10_000_000
    max_video_bytes: int = 50_000_000
    max_file_bytes: int = 10_000_000
    debug: bool = False
    # OpenRosa: the X-OpenRosa-Accept-Content-Length told to ODK clients, which split larger uploads into several
    # POSTs. Unset: 95 % of the submission route's ceiling (64 MB); a value above that is lowered to it.
    openrosa_accept_bytes: int | None = None

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.data_dir / 'gocua.sqlite3').resolve()}"

    @property
    def photo_decodes_in_flight(self) -> int:
        """How many photos may decode at once: one per core, within photo_memory_mb."""
        by_memory = max(1, self.photo_memory_mb // max(1, self.photo_worker_memory_mb))
        return min(os.cpu_count() or 1, by_memory)

    @property
    def resolved_photo_workers(self) -> int:
        """Worker processes (0: threads); never more than the memory for photos allows."""
        by_memory = max(1, self.photo_memory_mb // max(1, self.photo_worker_memory_mb))
        if self.photo_workers is not None:
            return min(max(0, self.photo_workers), by_memory)
        cores = os.cpu_count() or 1
        return min(cores, by_memory) if cores > 1 else 0

    @property
    def xlsform_limits(self) -> WorkbookLimits:
        return WorkbookLimits(
            max_unpacked_bytes=self.xlsform_max_unpacked_bytes,
            max_rows=self.xlsform_max_rows,
            max_columns=self.xlsform_max_columns,
            max_cells=self.xlsform_max_cells,
            max_cell_chars=self.xlsform_max_cell_chars,
        )

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
