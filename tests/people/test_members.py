"""Teams, people and their phones' tokens: who may see and manage whom."""

from __future__ import annotations

import base64
import io

import msgspec
from PIL import Image
from sqlalchemy import func, select

from service.people.importer import import_members_csv
from service.people.models import Team, User


async def usernames(client, headers, **params):
    response = await client.get("/api/v1/members", headers=headers, params=params)
    assert response.status_code == 200, response.text
    return {m["username"] for m in response.json()["items"]}


async def test_who_sees_whom(client, world):
    assert await usernames(client, world["member_a1"].headers) == {"thanh_vien_a1"}
    assert await usernames(client, world["leader_a1"].headers) == {"to_truong_a1", "thanh_vien_a1"}
    assert await usernames(client, world["supervisor_a"].headers) == {
        "giam_sat_a",
        "to_truong_a1",
        "thanh_vien_a1",
        "thanh_vien_a2",
    }
    assert len(await usernames(client, world["admin"].headers)) == 7
    assert await usernames(client, world["admin"].headers, area="38-B") == {"giam_sat_b", "thanh_vien_b1"}
    teammate = world["member_a1"].user.id
    assert (await client.get(f"/api/v1/members/{teammate}", headers=world["leader_a1"].headers)).status_code == 200
    other = world["member_b1"].user.id
    assert (await client.get(f"/api/v1/members/{other}", headers=world["supervisor_a"].headers)).status_code == 404


async def test_viewing_a_person_is_logged(client, world):
    target = world["member_a1"].user.id
    await client.get(f"/api/v1/members/{target}", headers=world["supervisor_a"].headers)
    log = await client.get(
        "/api/v1/access-log", params={"object_type": "member", "object_id": str(target)}, headers=world["admin"].headers
    )
    assert [(e["username"], e["action"]) for e in log.json()["items"]] == [("giam_sat_a", "view")]
    assert (await client.get("/api/v1/access-log", headers=world["supervisor_a"].headers)).status_code == 403


async def test_supervisor_adds_a_member_to_a_village_in_scope(client, world):
    supervisor = world["supervisor_a"].headers
    created = await client.post(
        "/api/v1/members",
        headers=supervisor,
        json={
            "username": "Trần.Văn.Bảy",
            "full_name": "Trần Văn Bảy",
            "area": "38-A-2",
            "phone": "0912 345 678",
            "has_smartphone": False,
        },
    )
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["username"] == "trần.văn.bảy" and body["team_id"] == world.teams["a2"].id
    assert body["role"] == "member" and body["has_smartphone"] is False
    taken = await client.post(
        "/api/v1/members",
        headers=supervisor,
        json={"username": "TRẦN.VĂN.BẢY", "full_name": "Someone Else", "area": "38-A-2"},
    )
    assert taken.status_code == 409 and taken.json()["code"] == "user.username_taken"
    outside = await client.post(
        "/api/v1/members", headers=supervisor, json={"username": "x_outside", "full_name": "X", "area": "38-B-1"}
    )
    assert outside.status_code == 404
    peer = await client.post(
        "/api/v1/members",
        headers=supervisor,
        json={"username": "x_supervisor", "full_name": "X", "role": "supervisor", "area": "38-A"},
    )
    assert peer.status_code == 403
    by_leader = await client.post(
        "/api/v1/members",
        headers=world["leader_a1"].headers,
        json={"username": "x_leader", "full_name": "X", "area": "38-A-1"},
    )
    assert by_leader.status_code == 403


async def test_a_village_without_a_team_gets_one_with_its_first_member(client, world):
    await client.post(
        "/api/v1/areas", headers=world["admin"].headers, json={"code": "38-B-2", "name": "Thôn Năm", "parent": "38-B"}
    )
    created = await client.post(
        "/api/v1/members",
        headers=world["supervisor_b"].headers,
        json={"username": "thành_viên_mới", "full_name": "Hoàng Thị Mai", "role": "leader", "area": "38-B-2"},
    )
    assert created.status_code == 201
    team = await client.get(f"/api/v1/teams/{created.json()['team_id']}", headers=world["supervisor_b"].headers)
    assert team.json()["name"] == "Tổ CNSCĐ Thôn Năm" and team.json()["area_code"] == "38-B-2"


async def test_member_changes_and_bad_input(client, world):
    supervisor = world["supervisor_a"].headers
    member = world["member_a1"].user.id
    moved = await client.patch(
        f"/api/v1/members/{member}",
        headers=supervisor,
        json={"area": "38-A-2", "role": "leader", "full_name": "Thành  Viên"},
    )
    assert moved.status_code == 200
    assert moved.json() | {"created_at": None} == moved.json() | {
        "team_id": world.teams["a2"].id,
        "role": "leader",
        "full_name": "Thành Viên",
        "area_code": "38-A-2",
        "created_at": None,
    }
    promote = await client.patch(f"/api/v1/members/{member}", headers=supervisor, json={"role": "admin"})
    assert promote.status_code == 403
    for body in ({"phone": "call me"}, {"full_name": ""}, {"role": "boss"}, {"password": "short"}):
        response = await client.patch(f"/api/v1/members/{member}", headers=supervisor, json=body)
        assert response.status_code == 422, body
    assert (await client.patch(f"/api/v1/members/{member}", headers=supervisor, json={"nick": "x"})).status_code == 400
    myself = world["supervisor_a"].user.id
    assert (await client.delete(f"/api/v1/members/{myself}", headers=world["admin"].headers)).status_code == 204
    admin_self = world["admin"].user.id
    assert (await client.delete(f"/api/v1/members/{admin_self}", headers=world["admin"].headers)).status_code == 409


async def test_teams_in_scope(client, world):
    supervisor = world["supervisor_a"].headers
    teams = await client.get("/api/v1/teams", headers=supervisor)
    assert {t["area_code"] for t in teams.json()["items"]} == {"38-A-1", "38-A-2"}
    mine = await client.get("/api/v1/teams", headers=world["member_a1"].headers)
    assert [t["area_code"] for t in mine.json()["items"]] == ["38-A-1"]
    duplicate = await client.post("/api/v1/teams", headers=supervisor, json={"area": "38-A-1"})
    assert duplicate.status_code == 409 and duplicate.json()["code"] == "team.exists"
    renamed = await client.patch(
        f"/api/v1/teams/{world.teams['a1'].id}", headers=supervisor, json={"name": "Tổ số một"}
    )
    assert renamed.json()["name"] == "Tổ số một"
    busy = await client.delete(f"/api/v1/teams/{world.teams['a1'].id}", headers=supervisor)
    assert busy.status_code == 409 and busy.json()["code"] == "team.not_empty"


async def test_member_csv_import_creates_updates_and_refuses_whole_files(client, world, db):
    admin = world["admin"].headers
    csv_text = (
        "username,full_name,area_code,role,phone,has_smartphone,password\n"
        "Lê.Thị.Hồng,Lê Thị Hồng,38-A-1,member,0901000001,có,\n"
        "phạm_văn_đồng,Phạm Văn Đồng,38-A-2,leader,,không,\n"
        "giam_sat_moi,Giám Sát Mới,38-B,supervisor,,,mật khẩu đủ dài\n"
        "thanh_vien_a1,Thành Viên Một,38-A-1,member,,,\n"
    )
    first = await client.post(
        "/api/v1/members/import", headers=admin | {"content-type": "text/csv"}, content=csv_text.encode()
    )
    assert first.status_code == 200, first.text
    assert first.json() == {"created": 3, "updated": 1, "unchanged": 0, "teams_created": 0}
    again = await client.post(
        "/api/v1/members/import", headers=admin | {"content-type": "text/csv"}, content=csv_text.encode()
    )
    assert again.json()["unchanged"] == 3  # the password row is re-hashed, so counted as updated
    login = await client.post("/api/v1/auth/login", json={"username": "giam_sat_moi", "password": "mật khẩu đủ dài"})
    assert login.status_code == 200

    before = (await db.execute(select(func.count()).select_from(User))).scalar_one()
    await db.commit()
    broken = (
        "username,full_name,area_code,role\n"
        "new_one,Người Mới,38-A-1,member\n"
        "bad name,Tên,38-A-1,member\n"
        "new_two,Người Hai,38-Z-9,member\n"
        "new_one,Lặp Lại,38-A-1,member\n"
        "new_three,Ba,38-A-1,chief\n"
    )
    refused = await client.post(
        "/api/v1/members/import", headers=admin | {"content-type": "text/csv"}, content=broken.encode()
    )
    assert refused.status_code == 422 and refused.json()["code"] == "csv.invalid"
    lines = {(e["line"], e["code"]) for e in refused.json()["errors"]}
    assert {(3, "user.bad_username"), (5, "user.duplicate_username"), (6, "user.bad_role")} <= lines
    assert (await db.execute(select(func.count()).select_from(User))).scalar_one() == before
    await db.commit()

    # A supervisor can only import into their own area, and only field roles.
    scoped = "username,full_name,area_code,role\nsomeone_b,B,38-B-1,member\nboss,Boss,38-A,supervisor\n"
    response = await client.post(
        "/api/v1/members/import",
        headers=world["supervisor_a"].headers | {"content-type": "text/csv"},
        content=scoped.encode(),
    )
    assert response.status_code == 422
    assert {(e["line"], e["code"]) for e in response.json()["errors"]} == {
        (3, "auth.forbidden"),
        (2, "object.not_found"),
    }


async def test_member_csv_with_short_rows_or_an_open_quote_is_refused_by_line(client, world, db):
    """Rows with fewer fields than the header, or a quote left open, used to answer 500 (a KeyError)."""
    before = (await db.execute(select(func.count()).select_from(User))).scalar_one()
    await db.commit()
    short = "username,full_name,area_code,role\nmot,Một,38-A-1,member\nhai,Hai\nba,Ba,38-A-1,member\n"
    open_quote = 'username,full_name,area_code,role\nmot,Một,38-A-1,member\nhai,"Hai,38-A-1,member\nba,Ba,38-A-1\n'
    for person in ("admin", "supervisor_a"):
        headers = world[person].headers | {"content-type": "text/csv"}
        response = await client.post("/api/v1/members/import", headers=headers, content=short.encode())
        assert response.status_code == 422, response.text
        assert response.json()["code"] == "csv.invalid"
        assert [(e["line"], e["code"]) for e in response.json()["errors"]] == [(3, "csv.missing_fields")]
        response = await client.post("/api/v1/members/import", headers=headers, content=open_quote.encode())
        assert response.status_code == 422, response.text
        assert [(e["line"], e["code"]) for e in response.json()["errors"]] == [(3, "csv.malformed")]
    assert (await db.execute(select(func.count()).select_from(User))).scalar_one() == before


async def test_cli_member_import_creates_missing_teams(db, world):
    content = "username,full_name,area_code\nngười_mới,Người Mới,38-B-1\n".encode()
    report = await import_members_csv(db, None, content)
    assert report.created == 1 and report.teams_created == 0
    await db.commit()
    assert (await db.execute(select(func.count()).select_from(Team))).scalar_one() == 3


async def test_leader_issues_a_phone_token_with_a_qr_code(client, world):
    member = world["member_a1"].user.id
    issued = await client.post(
        f"/api/v1/members/{member}/device-tokens",
        headers=world["leader_a1"].headers,
        json={"label": "Điện thoại Samsung"},
    )
    assert issued.status_code == 201, issued.text
    body = issued.json()
    assert body["token"].startswith("gcd_")
    assert msgspec.json.decode(body["qr_payload"])["token"] == body["token"]
    image = Image.open(io.BytesIO(base64.b64decode(body["qr_png_base64"])))
    assert image.format == "PNG" and image.width > 100
    me = await client.get("/api/v1/me", headers={"Authorization": f"Bearer {body['token']}"})
    assert me.json()["username"] == "thanh_vien_a1"
    listed = await client.get(f"/api/v1/members/{member}/device-tokens", headers=world["leader_a1"].headers)
    assert [t["label"] for t in listed.json()["items"]] == [None, "Điện thoại Samsung"]
    assert "token" not in listed.json()["items"][0]
    # Without a body too.
    plain = await client.post(f"/api/v1/members/{member}/device-tokens", headers=world["supervisor_a"].headers)
    assert plain.status_code == 201


async def test_who_may_issue_phone_tokens(client, world):
    def issue(target, person):
        return client.post(f"/api/v1/members/{world[target].user.id}/device-tokens", headers=world[person].headers)

    assert (await issue("member_a1", "member_a1")).status_code == 403  # a member does not issue, even for self
    assert (await issue("member_a2", "leader_a1")).status_code == 404  # another team is not visible
    assert (await issue("member_b1", "supervisor_a")).status_code == 404
    assert (await issue("member_b1", "admin")).status_code == 201
    refused = await issue("supervisor_a", "admin")
    assert refused.status_code == 422 and refused.json()["code"] == "device_token.field_roles_only"


async def test_a_members_file_sets_at_most_200_passwords(client, world):
    """Each distinct password costs an argon2 run (~0.1 s on purpose): a file of thousands would hold the request
    for minutes. The 201st is refused by its line, before any is hashed."""
    rows = "".join(f"nguoi_{n},Người {n},38-A-1,member,mật khẩu số {n:04d}\n" for n in range(201))
    response = await client.post(
        "/api/v1/members/import",
        headers=world["admin"].headers | {"content-type": "text/csv"},
        content=("username,full_name,area_code,role,password\n" + rows).encode(),
    )
    assert response.status_code == 422
    assert [(e["line"], e["code"]) for e in response.json()["errors"]] == [(202, "csv.too_many_passwords")]
