"""The pages' template engine and static files, for the app factory and the route table."""

from __future__ import annotations

from pathlib import Path

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
