"""The Litestar application factory. Everything it needs arrives in `settings`."""

from __future__ import annotations

import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import cast

import anyio
from litestar import Litestar
from litestar.config.compression import CompressionConfig
from litestar.openapi import OpenAPIConfig
from litestar.types import ControllerRouterHandler

from service.auth.authn import TokenLookup
from service.db.engine import create_engine, session_factory
from service.http.allow_header import allow_header_hook
from service.http.body_timeout import body_timeout_middleware
from service.http.client_address import parse_networks
from service.http.deps import DEPENDENCIES
from service.http.docs import LocalSwaggerRenderPlugin, get_docs_asset
from service.http.guard import check_request
from service.http.openapi import SECURITY_COMPONENTS, ProblemResponsesPlugin, StrictStructSchemaPlugin
from service.http.problems import EXCEPTION_HANDLERS
from service.http.security_headers import security_headers_hook
from service.pages.setup import TEMPLATE_CONFIG  # the pages' and the report's templates
from service.routes import ROUTE_HANDLERS
from service.settings import Settings
from service.tallies import upkeep as tally_upkeep
from service.tallies.refresher import refreshing
from service.visits.batch import VisitBatcher
from service.visits.intake import Intake
from service.visits.write_path import service_writer
from storage import ObjectStore, PhotoPool, open_store


def build_store(settings: Settings) -> ObjectStore:
    return open_store(
        data_dir=settings.data_dir,
        endpoint=settings.s3_endpoint,
        access_key=settings.s3_access_key,
        secret_key=settings.s3_secret_key,
        bucket=settings.s3_bucket,
        secure=settings.s3_secure,
        region=settings.s3_region,
        connect_timeout_s=settings.s3_connect_timeout_s,
        read_timeout_s=settings.s3_read_timeout_s,
    )


def build_photo_pool(settings: Settings) -> PhotoPool:
    """Photo decoding bounded per file (pixels by format, a worker's memory ceiling) and in total."""
    return PhotoPool(
        settings.resolved_photo_workers,
        worker_memory_bytes=settings.photo_worker_memory_mb * 1024 * 1024,
        threads=settings.photo_decodes_in_flight,
        max_pixels_decode=settings.photo_max_pixels,
        max_pixels_lossless=settings.photo_max_pixels_lossless,
    )


# Brotli when the client accepts it (phones on 2G), else gzip.
COMPRESSION = CompressionConfig(
    backend="brotli",
    # Quality 4 compresses ~95 MB/s here against 69 at 5, for ~5 % more bytes on a household sync (66 against 63
    # per household on the wire, bench/reads.py): at 5 a province's coverage CSV was held to brotli's pace.
    brotli_quality=4,
    brotli_gzip_fallback=True,
    gzip_compress_level=6,
    minimum_size=500,
    # Photos are JPEG already; the phone app's files are gzipped once at start (service/phone_app) and would
    # otherwise be compressed a second time inside the first.
    exclude=[r"^/api/v1/visits/[^/]+/photos/", r"^/review/visits/[^/]+/photos/", r"^/app(/|$)"],
)


def create_app(settings: Settings, *, freeze_after_start: bool = False) -> Litestar:
    """`freeze_after_start`: for a server worker (service/asgi.py), which runs one app for its whole life."""

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        engine = create_engine(
            settings.resolved_database_url,
            pool_size=settings.db_pool_size,
            prepared_statements=settings.db_prepared_statements,
        )
        store = build_store(settings)
        # Wrong S3 credentials must stop the service at start, not at the first upload.
        await store.ensure_ready()
        app.state.engine = engine
        app.state.sessions = session_factory(engine)
        app.state.store = store
        app.state.token_lookup = TokenLookup(
            engine, linger_s=settings.token_lookup_linger_s, cache_s=settings.token_cache_s
        )
        app.state.visit_batcher = VisitBatcher(engine, service_writer(settings))
        app.state.photo_pool = build_photo_pool(settings)  # processes start at the first photo
        app.state.intake = Intake(settings, store, app.state.photo_pool, app.state.visit_batcher, app.state.sessions)
        if freeze_after_start:
            # Everything built so far (modules, routes, the engine) lives as long as the worker: moved out of the
            # collector's way, so a full collection under load walks only what requests make. The p99 of
            # authenticated 304s with a province's 19,000 device tokens went from 184-502 ms to 77-84 ms
            # (docs/performance.md, issue 20). Not in tests: they build many apps in one process.
            gc.collect()
            gc.freeze()
        try:
            async with refreshing(app.state.sessions, settings.tally_refresh_s):
                yield
        finally:
            await anyio.to_thread.run_sync(app.state.photo_pool.close)
            await tally_upkeep.settled(engine)  # a VACUUM of the tally tables started by this worker
            await engine.dispose()

    app = Litestar(
        # service/routes.py's list is unannotated (mypy infers list[object]); every item is a litestar handler.
        route_handlers=[*cast("list[ControllerRouterHandler]", ROUTE_HANDLERS), get_docs_asset],
        dependencies=DEPENDENCIES,
        # The caller, cross-site, media-type and NUL checks, before any handler reads a body.
        before_request=check_request,
        before_send=[security_headers_hook(settings)],
        # A request body that stops arriving is cut (granian has no body timeout).
        middleware=[body_timeout_middleware(settings.http_body_timeout_s)],
        exception_handlers=EXCEPTION_HANDLERS,
        lifespan=[lifespan],
        # OpenAPI: every operation's problem responses and security, from the error catalog (service/http/openapi.py).
        # ...and `additionalProperties: false` on the inputs that refuse unknown fields.
        plugins=[ProblemResponsesPlugin(), StrictStructSchemaPlugin()],
        openapi_config=OpenAPIConfig(
            title="Gõ Cửa API",
            version="1",
            description="Door-to-door visits of Vietnam's Community Digital Technology Teams.",
            path="/schema",
            render_plugins=[LocalSwaggerRenderPlugin()],  # served from the package: no CDN
            components=SECURITY_COMPONENTS,
        ),
        request_max_body_size=settings.max_request_bytes,
        compression_config=COMPRESSION,
        template_config=TEMPLATE_CONFIG,
        debug=False,
        logging_config=None,
    )
    app.before_send.append(allow_header_hook(app))  # OPTIONS names every method of its path
    app.state.settings = settings
    app.state.trusted_proxies = parse_networks(settings.trusted_proxies)  # a bad entry stops the start
    logging.getLogger("gocua").setLevel(logging.DEBUG if settings.debug else logging.INFO)
    return app
