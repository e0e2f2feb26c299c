"""`gocua storage sweep` removes photo objects no visit references, once they are old enough."""

from __future__ import annotations

import asyncio
import os
import time
from datetime import timedelta

import pytest

import forms
from service.cli.main import main
from service.db.engine import create_engine, session_factory
from service.visits.photo_objects import process, store_photo, sweep
from tests.visits.conftest import object_keys
from tests.visits.support import PHOTO_QUESTION, jpeg, multipart, visit

RULE = forms.PhotoRule(min_count=0, max_count=1, max_pixels=1_600_000, max_bytes=15_000_000)


async def orphan(store, seed: int) -> set[str]:
    """Objects of a photo whose visit was never recorded (e.g. the connection dropped after the upload)."""
    keys = await store_photo(store, await process(jpeg(seed), RULE, PHOTO_QUESTION, 0))
    return {keys.original, keys.large, keys.thumb}


async def test_sweep_keeps_referenced_objects(photo_client, world, form, homes, settings):
    store = photo_client.app.state.store
    response = await photo_client.post(
        "/api/v1/visits",
        headers=world["member_a1"].headers,
        **multipart(visit(form, homes.located.id), [(PHOTO_QUESTION, jpeg(60))]),
    )
    assert response.status_code == 201
    referenced = set(await object_keys(photo_client))
    orphans = await orphan(store, 61)
    engine = create_engine(settings.resolved_database_url, pool_size=1)
    try:
        async with session_factory(engine)() as session:
            assert set(await sweep(session, store, timedelta(0), dry_run=True)) == orphans
            assert set(await object_keys(photo_client)) == referenced | orphans
            assert set(await sweep(session, store, timedelta(0))) == orphans
    finally:
        await engine.dispose()
    assert set(await object_keys(photo_client)) == referenced


def age(root, keys: set[str], hours: float) -> None:
    then = time.time() - hours * 3600
    for key in keys:
        os.utime(root.joinpath(*key.split("/")), (then, then))


async def test_sweep_command(client, world, form, homes, settings, monkeypatch, capsys):
    store = client.app.state.store
    await client.post(
        "/api/v1/visits",
        headers=world["member_a1"].headers,
        **multipart(visit(form, homes.located.id), [(PHOTO_QUESTION, jpeg(62))]),
    )
    referenced = set(await object_keys(client))
    old_orphans, new_orphans = await orphan(store, 63), await orphan(store, 64)
    root = settings.data_dir / "objects" / settings.s3_bucket
    age(root, referenced | old_orphans, hours=3)
    monkeypatch.setenv("GOCUA_DATABASE_URL", settings.resolved_database_url)
    data_dir = str(settings.data_dir)

    assert await asyncio.to_thread(main, ["--data-dir", data_dir, "storage", "sweep", "--older-than-hours", "0.5"]) == 2
    assert (
        await asyncio.to_thread(
            main, ["--data-dir", data_dir, "storage", "sweep", "--older-than-hours", "1", "--dry-run"]
        )
        == 0
    )
    assert set(await object_keys(client)) == referenced | old_orphans | new_orphans
    capsys.readouterr()
    assert await asyncio.to_thread(main, ["--data-dir", data_dir, "storage", "sweep", "--older-than-hours", "1"]) == 0
    printed = capsys.readouterr().out.splitlines()
    assert set(printed[:-1]) == old_orphans
    assert printed[-1] == "removed 3 orphan object(s) older than 1 h"
    # Young objects may belong to an upload whose rows are being written: they stay.
    assert set(await object_keys(client)) == referenced | new_orphans


def test_sweep_command_refuses_bad_ages() -> None:
    assert main(["storage", "sweep", "--older-than-hours", "-1"]) == 2
    with pytest.raises(SystemExit):
        main(["storage", "sweep", "--older-than-hours", "abc"])
