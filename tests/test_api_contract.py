"""R1, short profile: schemathesis sends every operation of /schema/openapi.json as a member, a leader, a commune
supervisor and an admin, to the real service on a socket. No 5xx, documented statuses and content types only,
bodies matching the documented schemas. The long profile is `python3 bench/fuzz_api.py --cases 5000`
(docs/reliability.md).

Four 5xx classes are being fixed in parallel (issue 9, HTTP hardening: ids out of range, NUL bytes and long
texts on PostgreSQL, deep JSON). When this run meets one of them the test reports it as an expected failure
naming each one, so they stay visible; any other failure class fails the test.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from service.settings import Settings
from tests.support.api_fuzz import KNOWN_5XX, add_visit, build_fuzz_world, fuzz
from tests.support.live_server import live_server

# About 400 requests per backend: ~15 s each on this (shared) 2-core machine.
CASES_PER_OPERATION = 3
SEED = 20261201


async def test_every_operation_answers_as_documented(settings: Settings, database_url: str, tmp_path: Path) -> None:
    import anyio

    world = await build_fuzz_world(database_url)
    with live_server(settings, tmp_path) as server:
        await anyio.to_thread.run_sync(add_visit, server.url, world)
        result = await anyio.to_thread.run_sync(
            lambda: fuzz(server.url, world, database_url, cases_per_operation=CASES_PER_OPERATION, seed=SEED)
        )
    assert set(result.per_role) == {"member", "leader", "supervisor", "admin"}
    assert min(result.per_role.values()) >= 80, result.per_role
    # The run reached real objects, not only 4xx answers.
    assert sum(count for status, count in result.statuses.items() if 200 <= status < 300) > 50, result.statuses
    unknown = "\n".join(f.line() + "\n" + f.example for f in result.unknown())
    assert not unknown, f"API contract failures:\n{unknown}"
    if result.known():
        causes = sorted({f.known for f in result.known() if f.known})
        pytest.xfail(
            "known 5xx (issue 9, HTTP hardening): "
            + "; ".join(f"{cause}: {KNOWN_5XX[cause]}" for cause in causes)
            + " — "
            + " | ".join(f.line() for f in result.known())
        )


async def test_the_known_5xx_one_request_each(client, world, database_url: str) -> None:
    """The four known 5xx classes, sent on purpose so the report names each that still answers 5xx; once all are
    4xx problems with a code (the HTTP hardening fixes), this passes and guards them."""
    import json

    from forms.bundled import bundled_form_paths

    admin = world["admin"].headers
    deep = "[" * 1000 + "]" * 1000
    form = json.loads(bundled_form_paths()[0].read_bytes())
    form.update(version="big-title", title={"vi": "x" * 1_000_000, "en": "x"})
    probes = {
        "path-id-out-of-range": ("GET", "/api/v1/teams/-99999999999999999999", {}),
        "deep-json": (
            "POST",
            "/api/v1/auth/login",
            {"content": f'{{"username": {deep}, "password": "x"}}', "headers": {"content-type": "application/json"}},
        ),
        "nul-byte-postgresql": ("GET", "/api/v1/forms/a%00b", {}),
        "huge-text-postgresql": ("POST", "/api/v1/forms", {"json": form}),
    }
    still_5xx = []
    for cause, (method, path, extra) in probes.items():
        headers = {**admin, **extra.pop("headers", {})}
        response = await client.request(method, path, headers=headers, **extra)
        if response.status_code >= 500:
            still_5xx.append(f"{cause} ({method} {path} → {response.status_code})")
            continue
        assert 400 <= response.status_code < 500 or (cause == "huge-text-postgresql" and response.status_code == 201)
        if response.status_code >= 400:
            assert response.headers["content-type"].startswith("application/problem+json"), cause
            assert response.json()["code"], cause
    if still_5xx:
        pytest.xfail("known 5xx (issue 9, HTTP hardening) still answered: " + "; ".join(still_5xx))
