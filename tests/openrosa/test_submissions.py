"""POST /submission: exactly once, split uploads, edits, and answers that break the form's rules stored + flagged."""

from __future__ import annotations

import uuid

from litestar.testing import AsyncTestClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from service.households.models import Household
from service.openrosa.models import OpenRosaConflict, OpenRosaSubmission
from service.visits.models import Visit, VisitFlag, VisitPhoto
from tests.openrosa.conftest import Published, base
from tests.openrosa.support import collect_files, instance_xml
from tests.support.world import World
from tests.visits.support import FINISHED, answers, jpeg


async def post(client: AsyncTestClient, world: World, xml: bytes, files=(), incomplete=False, who="member_a1"):
    return await client.post(
        f"{base(world, who)}/submission",
        params={"deviceID": "collect:TESTDEVICE000001"},
        files=collect_files(xml, list(files), incomplete),
    )


async def visit_of(db: AsyncSession, visit_id: uuid.UUID):
    columns = (Visit.status, Visit.answers, Visit.corrects, Visit.household_id)
    (visit,) = await read(db, select(*columns).where(Visit.id == visit_id))
    return visit


async def read(db: AsyncSession, statement) -> list:
    """Rows, then the read transaction ends (on SQLite it would hold the write lock the server needs)."""
    db.expire_all()
    rows = list((await db.execute(statement)).all())
    await db.rollback()
    return rows


async def test_split_upload_fills_the_photo_slots_and_a_replay_changes_nothing(
    client: AsyncTestClient, db: AsyncSession, world: World, published: Published, home: uuid.UUID
) -> None:
    visit_id = uuid.uuid4()
    names = ["1733400000000.jpg", "1733400000001.jpg", "ảnh-9_34_39.jpg"]
    photos = [jpeg(i, taken_at=FINISHED.replace(tzinfo=None)) for i in range(3)]
    xml = instance_xml(
        published.definition,
        answers(),
        household=home,
        instance_id=f"uuid:{visit_id}",
        photos={"evidence_photos": names},
    )
    first = await post(client, world, xml, zip(names[:2], photos[:2], strict=True), incomplete=True)
    assert first.status_code == 201, first.text
    assert "còn chờ 1 ảnh" in first.text  # the form needs 1, but the instance names 3: the visit waits for them
    assert (await visit_of(db, visit_id)).status == "awaiting_photos"
    assert len(await read(db, select(VisitPhoto).where(VisitPhoto.visit_id == visit_id))) == 2
    # Read back, the visit says what it waits for: the photos its instance names, not the form's minimum of 1.
    shown = await client.get(f"/api/v1/visits/{visit_id}", headers=world["supervisor_a"].headers)
    assert shown.json()["missing_photos"] == [
        {"question": "evidence_photos", "min_count": 3, "max_count": 3, "received": 2}
    ]
    again = await post(client, world, xml, zip(names[:2], photos[:2], strict=True), incomplete=True)
    assert again.status_code == 201 and "còn chờ 1 ảnh" in again.text  # a repeated POST's receipt says so too

    second = await post(client, world, xml, [(names[2], photos[2]), ("unreferenced.jpg", jpeg(9))])
    assert second.status_code == 201, second.text
    slots = await read(db, select(VisitPhoto.question, VisitPhoto.idx).where(VisitPhoto.visit_id == visit_id))
    assert sorted(slots) == [("evidence_photos", 0), ("evidence_photos", 1), ("evidence_photos", 2)]

    replay = await post(client, world, xml, zip(names, photos, strict=True))
    assert replay.status_code == 201
    assert await read(db, select(func.count()).select_from(Visit)) == [(1,)]
    assert (await visit_of(db, visit_id)).status == "complete"


async def test_a_visit_waits_for_the_photos_its_instance_names(
    client: AsyncTestClient, db: AsyncSession, world: World, published: Published, home: uuid.UUID
) -> None:
    visit_id = uuid.uuid4()
    xml = instance_xml(
        published.definition,
        answers(),
        household=home,
        instance_id=f"uuid:{visit_id}",
        photos={"evidence_photos": ["a.jpg"]},
    )
    first = await post(client, world, xml, [], incomplete=True)
    assert first.status_code == 201 and "còn chờ 1 ảnh" in first.text
    assert (await visit_of(db, visit_id)).status == "awaiting_photos"
    second = await post(client, world, xml, [("a.jpg", jpeg(1))])
    assert second.status_code == 201 and "còn chờ" not in second.text
    assert (await visit_of(db, visit_id)).status == "complete"


async def test_other_xml_under_a_stored_instance_id_is_409_and_kept_for_a_supervisor(
    client: AsyncTestClient, db: AsyncSession, world: World, published: Published, home: uuid.UUID
) -> None:
    visit_id = uuid.uuid4()
    xml = instance_xml(published.definition, answers(), household=home, instance_id=f"uuid:{visit_id}")
    assert (await post(client, world, xml)).status_code == 201
    other = instance_xml(published.definition, answers(members=5), household=home, instance_id=f"uuid:{visit_id}")
    refused = await post(client, world, other)
    assert refused.status_code == 409
    assert "đã được lưu" in refused.text
    assert (await visit_of(db, visit_id)).answers["members"] == 4
    kept = await read(db, select(OpenRosaConflict.visit_id, OpenRosaConflict.xml))
    assert kept == [(visit_id, other)]
    assert (await post(client, world, other)).status_code == 409  # the same refused copy is kept once
    shown = await client.get("/api/v1/openrosa/conflicts", headers=world["supervisor_a"].headers)
    (item,) = shown.json()["items"]
    assert item["visit_id"] == str(visit_id) and "<members>5</members>" in item["xml"]
    elsewhere = await client.get("/api/v1/openrosa/conflicts", headers=world["supervisor_b"].headers)
    assert elsewhere.json()["items"] == []


async def test_answers_breaking_the_rules_are_stored_201_and_flagged(
    client: AsyncTestClient, db: AsyncSession, world: World, published: Published, home: uuid.UUID
) -> None:
    visit_id = uuid.uuid4()
    xml = instance_xml(
        published.definition,
        answers(members=50, school_children=60),
        household=home,
        instance_id=f"uuid:{visit_id}",
    )
    response = await post(client, world, xml)
    assert response.status_code == 201, response.text
    assert "cần giám sát viên xem lại" in response.text
    flags = await read(db, select(VisitFlag.code, VisitFlag.detail).where(VisitFlag.visit_id == visit_id))
    (detail,) = [d for code, d in flags if code == "form.answers_invalid"]
    assert "members" in (detail or "")
    ((problems, device_id),) = await read(db, select(OpenRosaSubmission.problems, OpenRosaSubmission.device_id))
    assert {p["question"] for p in problems or []} >= {"members"}
    assert device_id == "collect:TESTDEVICE000001"


async def test_an_edit_with_deprecated_id_corrects_the_earlier_visit(
    client: AsyncTestClient, db: AsyncSession, world: World, published: Published, home: uuid.UUID
) -> None:
    first_id, edit_id = uuid.uuid4(), uuid.uuid4()
    original = instance_xml(published.definition, answers(), household=home, instance_id=f"uuid:{first_id}")
    assert (await post(client, world, original)).status_code == 201
    edit = instance_xml(
        published.definition,
        answers(members=5),
        household=home,
        instance_id=f"uuid:{edit_id}",
        deprecated_id=f"uuid:{first_id}",
    )
    assert (await post(client, world, edit)).status_code == 201
    assert (await visit_of(db, edit_id)).corrects == first_id
    again = instance_xml(published.definition, answers(members=6), household=home, deprecated_id=f"uuid:{first_id}")
    assert (await post(client, world, again)).status_code == 409
    unknown = instance_xml(published.definition, answers(), household=home, deprecated_id=f"uuid:{uuid.uuid4()}")
    assert (await post(client, world, unknown)).status_code == 404


async def test_a_household_created_in_the_field_lands_in_the_members_village(
    client: AsyncTestClient, db: AsyncSession, world: World, published: Published
) -> None:
    village_id, member_id = world.areas["village_a1"].id, world["member_a1"].user.id
    visit_id = uuid.uuid4()
    xml = instance_xml(
        published.definition,
        answers(),
        household="new",
        instance_id=f"uuid:{visit_id}",
        new_household=("Nguyễn Thị Mới", "Xóm 3"),
    )
    assert (await post(client, world, xml)).status_code == 201
    visit = await visit_of(db, visit_id)
    columns = (Household.head_name, Household.address, Household.area_id, Household.created_by)
    (household,) = await read(db, select(*columns).where(Household.id == visit.household_id))
    assert tuple(household) == ("Nguyễn Thị Mới", "Xóm 3", village_id, member_id)
    assert (await post(client, world, xml)).status_code == 201  # a retry finds the same household
    assert await read(db, select(func.count()).select_from(Household)) == [(1,)]
