"""Every endpoint × every role × an object in / out of the caller's scope answers the status in tests/authz_rows.py.

A route of the app without a row fails `test_every_route_has_rows`: adding an endpoint means adding its rows.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from litestar.testing import AsyncTestClient

from forms.bundled import bundled_form_paths
from service.app import create_app
from service.db.engine import create_engine, session_factory
from service.registry import services as registry
from service.settings import Settings
from tests.authz_rows import ENDPOINTS, Endpoint
from tests.conftest import BACKENDS
from tests.support.authz_scene import ROLES, SCOPES, Scene
from tests.support.world import build_world, use_fast_password_hashing

SKIPPED_METHODS = {"HEAD", "OPTIONS"}


def app_routes() -> set[tuple[str, str]]:
    app = create_app(Settings(data_dir=Path("/nonexistent-not-started")))
    return {
        (method, route.path_format)
        for route in app.routes
        for method in getattr(route, "methods", ())
        if method not in SKIPPED_METHODS
    }


def test_every_route_has_rows() -> None:
    declared = Counter((e.method, e.path) for e in ENDPOINTS)
    assert [key for key, n in declared.items() if n > 1] == [], "an endpoint is declared twice"
    routes = app_routes()
    missing = sorted(routes - set(declared))
    stale = sorted(set(declared) - routes)
    assert missing == [], f"routes without authorization rows (add them to tests/authz_rows.py): {missing}"
    assert stale == [], f"rows for routes that do not exist: {stale}"


@dataclass
class Matrix:
    client: AsyncTestClient
    scene: Scene


@pytest.fixture(scope="module", autouse=True)
def _fast_password_hashing() -> Iterator[None]:
    with pytest.MonkeyPatch.context() as patch:
        use_fast_password_hashing(patch)
        yield


@pytest.fixture(scope="module", params=BACKENDS)
async def matrix(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Matrix]:
    """One database per backend for the whole matrix (cells build fresh objects when they change state)."""
    template = request.getfixturevalue("sqlite_template" if request.param == "sqlite" else "postgres_template")
    directory = tmp_path_factory.mktemp(f"authz-{request.param}")
    with template.fresh(directory) as url:
        engine = create_engine(url, pool_size=2)
        sessions = session_factory(engine)
        async with sessions() as session:
            world = await build_world(session)
        async with sessions() as session:
            bundled = registry.parse_definition(bundled_form_paths()[0].read_bytes())
            published = await registry.publish(session, bundled, None)
            await session.commit()
        scene = Scene(world=world, sessions=sessions, form_id=published.form_id, form_version=published.version)
        app = create_app(Settings(data_dir=directory / "data", database_url=url))
        async with AsyncTestClient(app=app, raise_server_exceptions=False) as client:
            scene.store = app.state.store
            yield Matrix(client, scene)
            # Close pooled connections on this loop (the lifespan's dispose runs on the client's portal loop).
            await app.state.engine.dispose()
        await engine.dispose()


async def _status(matrix: Matrix, endpoint: Endpoint, role: str, scope: str) -> tuple[int, str]:
    call = await endpoint.build(matrix.scene, role, scope)
    if call.headers is not None:
        headers = dict(call.headers)
    elif role == "anonymous":
        headers = {}
    else:
        headers = dict(matrix.scene.player(role).headers)
    matrix.client.cookies.clear()  # a login cell's session cookie must not follow later cells
    if call.content_type:
        headers["content-type"] = call.content_type
    response = await matrix.client.request(
        endpoint.method,
        call.path,
        headers=headers,
        params=call.params,
        json=call.json,
        content=call.content,
        files=call.files,
        follow_redirects=False,
    )  # a redirect is the answer (pages)
    code = ""
    if response.headers.get("content-type", "").startswith("application/problem+json"):
        code = response.json().get("code", "")
    return response.status_code, code


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=[f"{e.method} {e.path}" for e in ENDPOINTS])
async def test_authorization(matrix: Matrix, endpoint: Endpoint) -> None:
    wrong = []
    for role in ROLES:
        for scope in SCOPES:
            expected = endpoint.expected(role, scope)
            status, code = await _status(matrix, endpoint, role, scope)
            if status != expected:
                wrong.append(f"{role}/{scope}: expected {expected}, got {status} {code}")
    assert wrong == []
