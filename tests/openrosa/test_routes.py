"""The OpenRosa routes as ODK Collect uses them: formList, the XForm, the manifest, HEAD and POST /submission."""

from __future__ import annotations

import hashlib
import uuid
import xml.etree.ElementTree as ElementTree

from litestar.testing import AsyncTestClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from service.visits.models import Visit
from tests.openrosa.conftest import Published, base
from tests.openrosa.support import collect_files, instance_xml
from tests.support.world import World
from tests.visits.support import HOME, answers

LIST_NS = "{http://openrosa.org/xforms/xformsList}"


def assert_openrosa(response) -> None:
    assert response.headers["x-openrosa-version"] == "1.0"
    assert int(response.headers["x-openrosa-accept-content-length"]) > 1_000_000
    assert response.headers["date"]


async def test_form_list_names_each_form_with_the_md5_of_the_bytes_served(
    client: AsyncTestClient, world: World, published: Published
) -> None:
    response = await client.get(f"{base(world)}/formList", params={"deviceID": "collect:ABC"})
    assert response.status_code == 200
    assert "text/xml" in response.headers["content-type"]
    assert_openrosa(response)
    root = ElementTree.fromstring(response.content)
    (entry,) = root.findall(f"{LIST_NS}xform")
    fields = {child.tag.removeprefix(LIST_NS): child.text for child in entry}
    assert fields["formID"] == published.definition.id
    assert fields["name"] == published.definition.title["vi"]
    assert fields["version"] == published.definition.version
    download = await client.get(fields["downloadUrl"].split("://", 1)[1].split("/", 1)[1].join(["/", ""]))
    assert download.status_code == 200
    assert fields["hash"] == "md5:" + hashlib.md5(download.content).hexdigest()
    assert b"jr://file-csv/households.csv" in download.content

    head = await client.head(f"{base(world)}/formList")
    assert head.status_code == 204 and head.content == b""
    assert_openrosa(head)
    other = await client.get(f"{base(world)}/formList", params={"formID": "no-such-form"})
    assert ElementTree.fromstring(other.content).findall(f"{LIST_NS}xform") == []


async def test_submission_probe_answers_204_with_the_accepted_size(client: AsyncTestClient, world: World) -> None:
    for method in ("HEAD", "GET"):
        response = await client.request(method, f"{base(world)}/submission", params={"deviceID": "collect:ABC"})
        assert response.status_code == 204
        assert_openrosa(response)
        assert int(response.headers["x-openrosa-accept-content-length"]) < 64_000_000  # the route's ceiling


async def test_a_submission_becomes_a_visit(
    client: AsyncTestClient, db: AsyncSession, world: World, published: Published, home: uuid.UUID
) -> None:
    instance_id = str(uuid.uuid4())
    xml = instance_xml(published.definition, answers(), household=home, instance_id=f"uuid:{instance_id}")
    response = await client.post(
        f"{base(world)}/submission",
        params={"deviceID": "collect:ABC"},
        files=collect_files(xml, []),
        headers={"User-Agent": "org.odk.collect.android/v2026.2"},
    )
    assert response.status_code == 201, response.text
    assert_openrosa(response)
    assert "Đã nhận phiếu" in response.text
    visit = (await db.execute(select(Visit).where(Visit.id == uuid.UUID(instance_id)))).scalar_one()
    assert visit.household_id == home
    assert visit.answers["members"] == 4 and visit.answers["has_smartphone"] is True
    assert (visit.lat, visit.lon) == HOME
    assert visit.finished_at is not None
    assert visit.status == "awaiting_photos"


async def test_a_bad_or_revoked_token_is_403_with_a_message(client: AsyncTestClient, world: World) -> None:
    response = await client.get("/openrosa/key/gcd_not-a-token/formList")
    assert response.status_code == 403
    assert_openrosa(response)
    assert "thu hồi" in ElementTree.fromstring(response.content)[0].text


async def test_a_form_pyxform_cannot_express_is_published_with_a_warning_and_not_listed(
    client: AsyncTestClient, world: World
) -> None:
    definition = {
        "id": "photo-clash",
        "version": "1",
        "title": {"vi": "Ảnh trùng tên", "en": "Photo clash"},
        "questions": [
            {"type": "photo", "name": "door", "label": {"vi": "Cửa"}, "max_count": 2},
            {"type": "text", "name": "door_2", "label": {"vi": "Cửa thứ hai"}},
        ],
    }
    response = await client.post("/api/v1/forms", json=definition, headers=world["admin"].headers)
    assert response.status_code == 201, response.text
    (warning,) = response.json()["warnings"]
    assert warning["code"] == "openrosa.no_xform" and "ODK Collect" in warning["message_vi"]
    listed = await client.get(f"{base(world)}/formList")
    assert b"photo-clash" not in listed.content


async def test_a_version_published_before_xforms_existed_gets_one_on_first_request(
    client: AsyncTestClient, db: AsyncSession, world: World
) -> None:
    from forms.bundled import bundled_form_paths
    from service.openrosa.models import XFormVersion
    from service.registry import services as registry

    await registry.publish(db, registry.parse_definition(bundled_form_paths()[0].read_bytes()), None)
    await db.commit()
    first = await client.get(f"{base(world)}/formList")
    second = await client.get(f"{base(world)}/formList")
    assert b"<hash>md5:" in first.content and first.content == second.content
    rows = (await db.execute(select(XFormVersion.md5))).all()
    await db.rollback()
    assert len(rows) == 1 and rows[0][0].encode() in first.content


async def test_the_manifest_lists_the_members_village_whose_md5_follows_the_list(
    client: AsyncTestClient, db: AsyncSession, world: World, published: Published, home: uuid.UUID
) -> None:
    from tests.support.world import add_household

    other_village = (await add_household(db, world.areas["village_b1"], head_name="Đỗ Bốn")).id
    version = f"{base(world)}/forms/{published.definition.id}/v/{published.definition.version}"
    namespace = "{http://openrosa.org/xforms/xformsManifest}"

    async def households_csv() -> tuple[str, bytes]:
        manifest = await client.get(f"{version}/manifest", params={"deviceID": "collect:ABC"})
        assert manifest.status_code == 200 and "text/xml" in manifest.headers["content-type"]
        (media,) = ElementTree.fromstring(manifest.content).findall(f"{namespace}mediaFile")
        assert media.findtext(f"{namespace}filename") == "households.csv"
        url = (media.findtext(f"{namespace}downloadUrl") or "").split("/", 3)[3]
        content = (await client.get(f"/{url}")).content
        assert media.findtext(f"{namespace}hash") == "md5:" + hashlib.md5(content).hexdigest()
        return media.findtext(f"{namespace}hash") or "", content

    first_hash, first = await households_csv()
    assert str(home) in first.decode() and str(other_village) not in first.decode()
    await add_household(db, world.areas["village_a1"], head_name="Hộ Mới Thêm")
    second_hash, second = await households_csv()
    assert second_hash != first_hash and "Hộ Mới Thêm" in second.decode()
    assert (await client.head(f"{version}/manifest")).status_code == 204
