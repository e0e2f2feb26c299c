"""The Litestar application factory. Everything it needs arrives in `settings`."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import anyio
from litestar import Litestar
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import ScalarRenderPlugin
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.template.config import TemplateConfig

from service.auth.authn import TokenLookup
from service.db.engine import create_engine, session_factory
from service.http.deps import DEPENDENCIES
from service.http.problems import EXCEPTION_HANDLERS
from service.routes import ROUTE_HANDLERS
from service.settings import Settings
from service.visits.batch import VisitBatcher
from storage import ObjectStore, PhotoPool, open_store

# Every domain that renders pages keeps its templates in its own folder and adds it here (names are looked up
# in this order, so each domain prefixes its template names with its folder: "reports/summary.html.j2").
TEMPLATE_DIRECTORIES: list[Path] = [Path(__file__).parent / "reports" / "templates"]


def build_store(settings: Settings) -> ObjectStore:
    return open_store(
        data_dir=settings.data_dir,
        endpoint=settings.s3_endpoint,
        access_key=settings.s3_access_key,
        secret_key=settings.s3_secret_key,
        bucket=settings.s3_bucket,
        secure=settings.s3_secure,
        region=settings.s3_region,
    )


def create_app(settings: Settings) -> Litestar:
    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        engine = create_engine(settings.resolved_database_url, pool_size=settings.db_pool_size)
        store = build_store(settings)
        # Wrong S3 credentials must stop the service at start, not at the first upload.
        await store.ensure_ready()
        app.state.engine = engine
        app.state.sessions = session_factory(engine)
        app.state.store = store
        app.state.token_lookup = TokenLookup(engine)
        app.state.visit_batcher = VisitBatcher(engine, settings)
        workers = settings.resolved_photo_workers
        app.state.photo_pool = PhotoPool(workers) if workers else None  # processes start at the first photo
        try:
            yield
        finally:
            if app.state.photo_pool is not None:
                await anyio.to_thread.run_sync(app.state.photo_pool.close)
            await engine.dispose()

    app = Litestar(
        route_handlers=ROUTE_HANDLERS,
        dependencies=DEPENDENCIES,
        exception_handlers=EXCEPTION_HANDLERS,
        lifespan=[lifespan],
        openapi_config=OpenAPIConfig(
            title="Gõ Cửa API",
            version="1",
            description="Door-to-door visits of Vietnam's Community Digital Technology Teams.",
            path="/schema",
            render_plugins=[ScalarRenderPlugin()],
        ),
        request_max_body_size=settings.max_request_bytes,
        template_config=TemplateConfig(directory=TEMPLATE_DIRECTORIES, engine=JinjaTemplateEngine),
        debug=False,
        logging_config=None,
    )
    app.state.settings = settings
    logging.getLogger("gocua").setLevel(logging.DEBUG if settings.debug else logging.INFO)
    return app
