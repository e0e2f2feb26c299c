from __future__ import annotations

import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession

from service.app import create_app
from service.db.engine import create_engine, session_factory
from service.settings import Settings
from tests.support.databases import PostgresTemplate, SqliteTemplate
from tests.support.world import World, build_world

pytest_plugins = ["tests.support.s3_fixtures"]

BACKENDS = ["sqlite", "postgresql"]
TESTS = Path(__file__).parent


def _modules_of(item: pytest.Item) -> list[object]:
    """The test's module and the modules of every fixture it uses."""
    modules = [getattr(item, "module", None)]
    fixture_info = getattr(item, "_fixtureinfo", None)
    for definitions in fixture_info.name2fixturedefs.values() if fixture_info else ():
        modules.extend(sys.modules.get(definition.func.__module__) for definition in definitions)
    return [module for module in modules if module is not None]


def _uses(modules: list[object], module_name: str, name: str) -> bool:
    return any(
        getattr(value, "__module__", None) == module_name and getattr(value, "__name__", None) == name
        for module in modules
        for value in vars(module).values()
    )


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Markers from what a test uses, so new tests are marked without anyone remembering to: `browser` where the
    test or one of its fixtures drives Chromium (tests/support/browser.py), `slow` where one starts a real server
    (tests/support/live_server.py), `faults` (also slow) for tests/faults. `-m "not browser and not slow"` is the
    quick part a developer runs while working."""
    for item in items:
        modules = _modules_of(item)
        if _uses(modules, "tests.support.browser", "chromium"):
            item.add_marker(pytest.mark.browser)
        if _uses(modules, "tests.support.live_server", "live_server"):
            item.add_marker(pytest.mark.slow)
        if TESTS / "faults" in Path(str(item.path)).parents:
            item.add_marker(pytest.mark.faults)
            item.add_marker(pytest.mark.slow)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> SqliteTemplate:
    return SqliteTemplate(tmp_path_factory.mktemp("sqlite-template"))


@pytest.fixture(scope="session")
def postgres_template() -> Iterator[PostgresTemplate]:
    template = PostgresTemplate()
    yield template
    template.close()


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A freshly migrated database of each backend; every DB test runs on SQLite and on PostgreSQL."""
    name = "sqlite_template" if request.param == "sqlite" else "postgres_template"
    template = request.getfixturevalue(name)
    with template.fresh(tmp_path) as url:
        yield url


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    # Photos in threads here; tests/visits/test_photo_workers.py covers the worker processes.
    return Settings(data_dir=tmp_path / "data", database_url=database_url, photo_workers=0)


@pytest.fixture
async def db(settings: Settings) -> AsyncIterator[AsyncSession]:
    """A session on the test database for arranging and checking rows directly."""
    engine = create_engine(settings.resolved_database_url, pool_size=2)
    async with session_factory(engine)() as session:
        yield session
    await engine.dispose()


@pytest.fixture
async def client(settings: Settings) -> AsyncIterator[AsyncTestClient]:
    app = create_app(settings)
    async with AsyncTestClient(app=app, raise_server_exceptions=False) as test_client:
        yield test_client
        # Close pooled connections on the loop that opened them (the lifespan runs on another one).
        await app.state.engine.dispose()


@pytest.fixture
async def world(db: AsyncSession) -> World:
    return await build_world(db)
