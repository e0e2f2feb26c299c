"""The pages' template engine and static files, for the app factory and the route table."""

from __future__ import annotations

import io
from functools import cache
from pathlib import Path

from litestar import Response, get
from litestar.datastructures import CacheControlHeader
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.static_files import create_static_files_router
from litestar.template.config import TemplateConfig

HERE = Path(__file__).parent

# One engine for every server-rendered page: the supervisors' pages and the printable report (its names are
# prefixed `reports/`, so the two folders cannot shadow each other).
TEMPLATE_CONFIG = TemplateConfig(
    directory=[HERE / "templates", HERE.parent / "reports" / "templates"],
    engine=JinjaTemplateEngine,
)

STATIC_FILES = create_static_files_router(
    path="/static",
    directories=[HERE / "static"],
    name="page_static",
    include_in_schema=False,
    cache_control=CacheControlHeader(max_age=3600, public=True),
)


@cache
def _favicon() -> bytes:
    """The app's door icon as a 16/32/48 px ICO, drawn once per worker (no binary file in the repository)."""
    from PIL import Image

    from service.phone_app.icons import icon_png

    buffer = io.BytesIO()
    Image.open(io.BytesIO(icon_png(192))).save(buffer, format="ICO", sizes=[(16, 16), (32, 32), (48, 48)])
    return buffer.getvalue()


@get("/favicon.ico", include_in_schema=False, sync_to_thread=False)
def favicon() -> Response[bytes]:
    """Browsers ask every site for it: answered here instead of a 404 on every page."""
    return Response(_favicon(), media_type="image/x-icon", headers={"Cache-Control": "public, max-age=86400"})
