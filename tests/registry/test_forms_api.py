from __future__ import annotations

import json

import msgspec
from sqlalchemy import func, select

from forms.bundled import bundled_form_paths
from service.registry.models import FormVersion
from tests.support.forms_data import small_form, xlsx

PROBLEM = "application/problem+json"


async def publish(client, person, definition) -> object:
    return await client.post(
        "/api/v1/forms", content=json.dumps(definition), headers={**person.headers, "Content-Type": "application/json"}
    )


async def test_phone_fetches_published_form_and_revalidates_with_etag(client, world):
    bundled = bundled_form_paths()[0].read_bytes()
    created = await client.post(
        "/api/v1/forms", content=bundled, headers={**world["admin"].headers, "Content-Type": "application/json"}
    )
    assert created.status_code == 201, created.text
    form_id = created.json()["id"]

    phone = world["member_a1"].headers
    listing = (await client.get("/api/v1/forms", headers=phone)).json()
    assert [f["id"] for f in listing["items"]] == [form_id]
    assert listing["items"][0]["title"]["vi"] == "Đánh giá kỹ năng số hộ gia đình"

    first = await client.get(f"/api/v1/forms/{form_id}", headers=phone)
    assert first.status_code == 200
    etag = first.headers["etag"]
    assert etag == f'"{listing["items"][0]["hash"]}"'
    assert first.json()["id"] == form_id

    again = await client.get(f"/api/v1/forms/{form_id}", headers={**phone, "If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""

    stale = await client.get(f"/api/v1/forms/{form_id}", headers={**phone, "If-None-Match": '"other"'})
    assert stale.status_code == 200

    version = first.json()["version"]
    pinned = await client.get(f"/api/v1/forms/{form_id}/versions/{version}", headers=phone)
    assert pinned.status_code == 200
    assert pinned.content == first.content


async def test_published_version_is_immutable(client, world, db):
    admin = world["admin"]
    assert (await publish(client, admin, small_form())).status_code == 201

    same = await publish(client, admin, small_form())
    assert same.status_code == 200
    assert same.json()["created"] is False

    changed = small_form()
    changed["questions"][0]["label"]["vi"] = "Họ tên chủ hộ"
    conflict = await publish(client, admin, changed)
    assert conflict.status_code == 409
    assert conflict.headers["content-type"].startswith(PROBLEM)
    assert conflict.json()["code"] == "form.version_conflict"

    served = await client.get("/api/v1/forms/thu-nghiem", headers=admin.headers)
    assert served.json()["questions"][0]["label"]["vi"] == "Tên chủ hộ"
    count = (await db.execute(select(func.count()).select_from(FormVersion))).scalar_one()
    assert count == 1


async def test_new_version_becomes_latest_but_retyping_a_question_is_refused(client, world):
    admin = world["admin"]
    assert (await publish(client, admin, small_form(version="1"))).status_code == 201
    second = small_form(version="2")
    second["questions"].append(
        {"type": "boolean", "name": "has_phone", "label": {"vi": "Có điện thoại", "en": "Phone"}}
    )
    assert (await publish(client, admin, second)).status_code == 201
    latest = await client.get("/api/v1/forms/thu-nghiem", headers=admin.headers)
    assert latest.json()["version"] == "2"

    retyped = await publish(client, admin, small_form(version="3", members_type="text"))
    assert retyped.status_code == 422
    body = retyped.json()
    assert body["code"] == "form.incompatible"
    assert any(e["code"] == "form.retyped_question" and "questions[1]" in e["path"] for e in body["errors"])


async def test_broken_definition_lists_every_error_by_path(client, world):
    broken = small_form()
    broken["questions"].append({"type": "integer", "name": "members", "label": {"vi": "Lặp", "en": "Dup"}})
    broken["questions"].append(
        {
            "type": "text",
            "name": "why",
            "label": {"vi": "Vì sao", "en": "Why"},
            "relevant": "${later} > 1",
        }
    )
    broken["questions"].append(
        {"type": "select_one", "name": "later", "label": {"vi": "Sau", "en": "Later"}, "choices": []}
    )
    response = await publish(client, world["admin"], broken)
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "form.invalid"
    paths = {e["path"] for e in body["errors"]}
    assert "questions[2].name" in paths or "questions[2]" in paths
    assert any(p.startswith("questions[3].relevant") for p in paths)
    assert any(p.startswith("questions[4]") for p in paths)
    assert len(body["errors"]) >= 3


async def test_malformed_json_is_a_problem_not_a_crash(client, world):
    response = await client.post(
        "/api/v1/forms", content=b'{"id": "x", ', headers={**world["admin"].headers, "Content-Type": "application/json"}
    )
    assert response.status_code == 422
    assert response.headers["content-type"].startswith(PROBLEM)
    assert response.json()["code"] == "form.invalid"


async def test_only_admins_publish_and_only_known_callers_read(client, world):
    denied = await publish(client, world["supervisor_a"], small_form())
    assert denied.status_code == 403
    assert denied.json()["code"] == "auth.forbidden"
    member = await publish(client, world["member_a1"], small_form())
    assert member.status_code == 403
    anonymous = await client.get("/api/v1/forms")
    assert anonymous.status_code == 401
    assert anonymous.json()["code"] == "auth.required"
    forged = await client.get("/api/v1/forms", headers={"Authorization": "Bearer gcd_not-a-real-token"})
    assert forged.status_code == 401
    assert forged.json()["code"] == "auth.invalid_token"


async def test_unknown_form_and_version_have_distinct_codes(client, world):
    headers = world["member_a1"].headers
    missing = await client.get("/api/v1/forms/khong-co", headers=headers)
    assert (missing.status_code, missing.json()["code"]) == (404, "form.not_found")
    await publish(client, world["admin"], small_form())
    no_version = await client.get("/api/v1/forms/thu-nghiem/versions/9", headers=headers)
    assert (no_version.status_code, no_version.json()["code"]) == (404, "form.version_not_found")


async def test_form_list_pages_with_a_cursor(client, world):
    admin = world["admin"]
    for form_id in ("mau-a", "mau-b", "mau-c"):
        assert (await publish(client, admin, small_form(form_id=form_id))).status_code == 201
    first = (await client.get("/api/v1/forms?limit=2", headers=admin.headers)).json()
    assert [f["id"] for f in first["items"]] == ["mau-a", "mau-b"]
    second = (await client.get(f"/api/v1/forms?limit=2&cursor={first['next']}", headers=admin.headers)).json()
    assert [f["id"] for f in second["items"]] == ["mau-c"]
    assert second["next"] is None
    bad = await client.get("/api/v1/forms?cursor=@@@", headers=admin.headers)
    assert (bad.status_code, bad.json()["code"]) == (400, "request.invalid_cursor")
    too_many = await client.get("/api/v1/forms?limit=100000", headers=admin.headers)
    assert too_many.status_code == 400


async def test_xlsform_upload_publishes_a_form(client, world):
    workbook = xlsx(
        {
            "survey": [
                ["type", "name", "label::Vietnamese (vi)", "label::English (en)", "required", "relevant", "constraint"],
                ["integer", "members", "Số người", "Members", "yes", "", ". > 0 and . < 30"],
                ["select_one yn", "has_phone", "Có điện thoại?", "Has a phone?", "yes", "", ""],
                ["select_multiple apps", "apps", "Ứng dụng", "Apps", "", "${has_phone} = 'yes'", ""],
                ["geopoint", "gps", "Vị trí", "Location", "", "", ""],
                ["image", "photo", "Ảnh", "Photo", "", "", ""],
            ],
            "choices": [
                ["list_name", "name", "label::Vietnamese (vi)", "label::English (en)"],
                ["yn", "yes", "Có", "Yes"],
                ["yn", "no", "Không", "No"],
                ["apps", "vneid", "VNeID", "VNeID"],
                ["apps", "zalo", "Zalo", "Zalo"],
            ],
            "settings": [["form_id", "version", "form_title"], ["khao-sat-xls", "2026112901", "Khảo sát"]],
        }
    )
    response = await client.post(
        "/api/v1/forms/xlsform", files={"file": ("khao-sat.xlsx", workbook)}, headers=world["admin"].headers
    )
    assert response.status_code == 201, response.text
    served = (await client.get("/api/v1/forms/khao-sat-xls", headers=world["member_a1"].headers)).json()
    kinds = {q["name"]: q["type"] for q in served["questions"]}
    assert kinds == {
        "members": "integer",
        "has_phone": "select_one",
        "apps": "select_multiple",
        "gps": "geopoint",
        "photo": "photo",
    }

    unsupported = xlsx(
        {
            "survey": [
                ["type", "name", "label"],
                ["begin loop over yn", "people", "Người"],
                ["text", "ten", "Tên"],
                ["end loop", "", ""],
                ["geotrace", "voice", "Giọng"],
            ],
            "choices": [["list_name", "name", "label"], ["yn", "yes", "Có"]],
        }
    )
    refused = await client.post(
        "/api/v1/forms/xlsform", files={"file": ("x.xlsx", unsupported)}, headers=world["admin"].headers
    )
    assert refused.status_code == 422
    assert refused.json()["code"] == "xlsform.invalid"
    assert {(e["path"], e["code"]) for e in refused.json()["errors"]} == {
        ("survey[row=2,name=people].type", "xlsform.unsupported"),
        ("survey[row=5,name=voice].type", "xlsform.unsupported"),
    }


async def test_unknown_routes_and_methods_answer_problem_json(client):
    missing = await client.get("/api/v1/nothing-here")
    assert missing.status_code == 404
    assert missing.headers["content-type"].startswith(PROBLEM)
    assert missing.json()["code"] == "request.not_found"
    wrong = await client.delete("/health")
    assert wrong.status_code == 405
    assert wrong.json()["code"] == "request.method_not_allowed"


async def test_health_and_readiness(client):
    assert (await client.get("/health")).json() == {"status": "ok"}
    ready = await client.get("/ready")
    assert ready.status_code == 200
    assert msgspec.json.decode(ready.content) == {"status": "ready", "database": True, "object_store": True}
