"""A form version's CSV media and its original XLSForm through the API: upload (admins), list, download, and
select_one_from_file answers checked against the uploaded CSV."""

from __future__ import annotations

import hashlib

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from service.households.models import Household
from service.registry import media
from service.registry import services as registry
from tests.forms.test_xlsform_corpus import xlsform
from tests.support.forms_data import small_form
from tests.support.world import World, add_household
from tests.visits.support import HOME, visit

SURVEY = [
    ["type", "name", "label", "choice_filter", "required"],
    ["select_one_from_file communes.csv", "commune", "Xã", "", "yes"],
    ["select_one_from_file villages.csv", "village", "Thôn", "commune = ${commune}", "yes"],
]
SETTINGS = [["form_id", "version"], ["Village.Survey", "1"]]
COMMUNES = "name,label\nxuan_lai,Xuân Lai\ntho_xuong,Thọ Xương\n".encode()
VILLAGES = "\ufeffname,label,commune\ndong,Thôn Đông,xuan_lai\ntay,Thôn Tây,xuan_lai\nbac,Thôn Bắc,tho_xuong\n".encode()
BASE = "/api/v1/forms/Village.Survey/versions/1"


@pytest.fixture
async def home(db: AsyncSession, world: World) -> Household:
    return await add_household(db, world.areas["village_a1"], head_name="Lê Văn Một", lat=HOME[0], lon=HOME[1])


async def publish(client, world) -> bytes:
    workbook = xlsform(SURVEY, None, SETTINGS)
    response = await client.post(
        "/api/v1/forms/xlsform", files={"file": ("villages.xlsx", workbook)}, headers=world["admin"].headers
    )
    assert response.status_code == 201, response.text
    return workbook


async def test_csv_media_are_uploaded_listed_and_downloaded_and_never_changed(client, world):
    workbook = await publish(client, world)
    admin = world["admin"].headers
    served = (await client.get("/api/v1/forms/Village.Survey", headers=world["member_a1"].headers)).json()
    assert [(q["choices"], q["choices_file"]) for q in served["questions"]] == [
        ([], "communes.csv"),
        ([], "villages.csv"),
    ]

    files = [("a", ("communes.csv", COMMUNES, "text/csv")), ("b", ("villages.csv", VILLAGES, "text/csv"))]
    first = await client.post(f"{BASE}/media", files=files, headers=admin)
    assert first.status_code == 201, first.text
    assert [(f["name"], f["size"], f["md5"], f["created"]) for f in first.json()["files"]] == [
        ("communes.csv", len(COMMUNES), hashlib.md5(COMMUNES).hexdigest(), True),
        ("villages.csv", len(VILLAGES), hashlib.md5(VILLAGES).hexdigest(), True),
    ]
    again = await client.post(f"{BASE}/media", files=files[:1], headers=admin)
    assert (again.status_code, again.json()["files"][0]["created"]) == (200, False)
    changed = await client.post(f"{BASE}/media", files={"f": ("communes.csv", COMMUNES + b"x,X\n")}, headers=admin)
    assert (changed.status_code, changed.json()["code"]) == (409, "form_media.conflict")

    listed = await client.get(f"{BASE}/media?limit=1", headers=world["member_a1"].headers)
    assert [f["name"] for f in listed.json()["items"]] == ["communes.csv"] and listed.json()["next"]
    rest = await client.get(f"{BASE}/media?cursor={listed.json()['next']}", headers=world["member_a1"].headers)
    assert [f["name"] for f in rest.json()["items"]] == ["villages.csv"] and rest.json()["next"] is None

    download = await client.get(f"{BASE}/media/villages.csv", headers=world["member_a1"].headers)
    assert download.status_code == 200 and download.content == VILLAGES
    assert download.headers["content-type"].startswith("text/csv")
    cached = await client.get(
        f"{BASE}/media/villages.csv", headers={**world["member_a1"].headers, "If-None-Match": download.headers["etag"]}
    )
    assert cached.status_code == 304
    missing = await client.get(f"{BASE}/media/nothing.csv", headers=world["member_a1"].headers)
    assert (missing.status_code, missing.json()["code"]) == (404, "form_media.not_found")

    source = await client.get(f"{BASE}/xlsform", headers=admin)
    assert source.status_code == 200 and source.content == workbook
    assert source.headers["content-disposition"] == 'attachment; filename="Village.Survey-1.xlsx"'


async def test_bad_media_are_refused_whole_with_their_line_and_only_admins_upload(client, world):
    await publish(client, world)
    admin = world["admin"].headers
    cases = {
        "villages.csv": (b"name,commune\ndong,xuan_lai\n", "form_media.missing_columns"),
        "bad name.csv": (COMMUNES, "form_media.invalid"),
        "ragged.csv": (b"name,label\na,A,extra\n", "form_media.invalid"),
        "latin1.csv": ("name,label\nđ,Đông\n".encode("cp1258"), "form_media.invalid"),
    }
    for name, (content, code) in cases.items():
        response = await client.post(
            f"{BASE}/media", files=[("ok", ("communes.csv", COMMUNES)), ("bad", (name, content))], headers=admin
        )
        assert (response.status_code, response.json()["errors"][0]["code"]) == (422, code), (name, response.text)
    ragged = await client.post(
        f"{BASE}/media", files={"f": ("ragged.csv", b"name,label\na,A\nb,B,extra\n")}, headers=admin
    )
    assert ragged.json()["errors"][0]["path"] == "ragged.csv[line=3]"
    listed = await client.get(f"{BASE}/media", headers=admin)
    assert listed.json()["items"] == []  # nothing of a refused upload was kept
    for role in ("member_a1", "supervisor_a"):
        denied = await client.post(
            f"{BASE}/media", files={"f": ("communes.csv", COMMUNES)}, headers=world[role].headers
        )
        assert denied.status_code == 403, role
    unknown = await client.post(
        "/api/v1/forms/Village.Survey/versions/9/media", files={"f": ("communes.csv", COMMUNES)}, headers=admin
    )
    assert (unknown.status_code, unknown.json()["code"]) == (404, "form.version_not_found")


async def test_a_version_published_as_json_has_no_xlsform_to_download(client, world):
    admin = world["admin"].headers
    assert (await client.post("/api/v1/forms", json=small_form(), headers=admin)).status_code == 201
    response = await client.get("/api/v1/forms/thu-nghiem/versions/1/xlsform", headers=admin)
    assert (response.status_code, response.json()["code"]) == (404, "xlsform.source_not_found")
    denied = await client.get("/api/v1/forms/thu-nghiem/versions/1/xlsform", headers=world["member_a1"].headers)
    assert denied.status_code == 403


async def test_select_one_from_file_answers_are_checked_against_the_uploaded_csv(client, world, home, db):
    await publish(client, world)
    member = world["member_a1"].headers

    def body(commune: str, village: str) -> dict:
        sent = visit(("Village.Survey", "1"), home.id)
        sent["answers"] = {"commune": commune, "village": village}
        return sent

    # Before the files arrive the questions offer nothing, so no answer can be valid.
    early = await client.post("/api/v1/visits", json=body("xuan_lai", "dong"), headers=member)
    assert early.status_code == 422, early.text
    files = [("a", ("communes.csv", COMMUNES)), ("b", ("villages.csv", VILLAGES))]
    assert (await client.post(f"{BASE}/media", files=files, headers=world["admin"].headers)).status_code == 201

    passing = await client.post("/api/v1/visits", json=body("xuan_lai", "dong"), headers=member)
    assert passing.status_code == 201, passing.text
    failing = await client.post("/api/v1/visits", json=body("xuan_lai", "bac"), headers=member)
    assert failing.status_code == 422
    assert [(e["question"], e["code"]) for e in failing.json()["errors"]] == [("village", "answer.filtered_choice")]
    unknown = await client.post("/api/v1/visits", json=body("ha_noi", "dong"), headers=member)
    assert [e["code"] for e in unknown.json()["errors"]][:1] == ["answer.unknown_choice"]


async def test_the_contract_functions_read_what_was_uploaded(client, world, db):
    workbook = await publish(client, world)
    files = {"f": ("villages.csv", VILLAGES)}
    assert (await client.post(f"{BASE}/media", files=files, headers=world["admin"].headers)).status_code == 201
    row = await registry.get_version(db, "Village.Survey", "1")
    assert row.id is not None
    assert await media.list_media(db, row.id) == [
        media.MediaInfo("villages.csv", "text/csv", len(VILLAGES), hashlib.md5(VILLAGES).hexdigest())
    ]
    assert await media.read_media(db, row.id, "villages.csv") == VILLAGES
    assert await media.read_media(db, row.id, "communes.csv") is None
    assert await media.xlsform_source(db, row.id) == workbook
    tables = await media.csv_tables(db, row.id)
    assert tables["villages.csv"][2] == {"name": "bac", "label": "Thôn Bắc", "commune": "tho_xuong"}


PRICES = b"item,price\nrice,10\nsalt,3\n"
LOOKUP_SURVEY = [
    ["type", "name", "label", "calculation", "constraint", "appearance"],
    ["select_one items", "item", "Hàng", "", "", "search('prices')"],
    ["calculate", "price", "", "pulldata('prices', 'price', 'item', ${item})", "", ""],
    ["integer", "paid", "Đã trả", "", ". >= ${price}", ""],
]
LOOKUP_CHOICES = [["list_name", "name", "label"], ["items", "item", "item"]]


async def test_pulldata_and_search_read_the_versions_csv(client, world, home):
    admin, member = world["admin"].headers, world["member_a1"].headers
    workbook = xlsform(LOOKUP_SURVEY, LOOKUP_CHOICES, [["form_id", "version"], ["prices", "1"]])
    published = await client.post("/api/v1/forms/xlsform", files={"file": ("p.xlsx", workbook)}, headers=admin)
    assert published.status_code == 201, published.text
    served = (await client.get("/api/v1/forms/prices", headers=member)).json()
    assert {k: served["questions"][0][k] for k in ("choices_file", "choices_file_value", "choices_file_label")} == {
        "choices_file": "prices.csv",
        "choices_file_value": "item",
        "choices_file_label": "item",
    }
    uploaded = await client.post(
        "/api/v1/forms/prices/versions/1/media", files={"f": ("prices.csv", PRICES)}, headers=admin
    )
    assert uploaded.status_code == 201, uploaded.text

    def body(item: str, paid: int) -> dict:
        sent = visit(("prices", "1"), home.id)
        sent["answers"] = {"item": item, "paid": paid}
        return sent

    passing = await client.post("/api/v1/visits", json=body("rice", 12), headers=member)
    assert passing.status_code == 201, passing.text
    detail = (await client.get(f"/api/v1/visits/{passing.json()['id']}", headers=admin)).json()
    assert detail["answers"]["price"] in ("10", 10)
    failing = await client.post("/api/v1/visits", json=body("rice", 5), headers=member)
    assert [(e["question"], e["code"]) for e in failing.json()["errors"]] == [("paid", "answer.constraint_failed")]
    unknown = await client.post("/api/v1/visits", json=body("sugar", 5), headers=member)
    assert [(e["question"], e["code"]) for e in unknown.json()["errors"]][:1] == [("item", "answer.unknown_choice")]


def test_the_cli_keeps_the_xlsform_it_publishes(database_url, tmp_path, monkeypatch):
    import sqlalchemy

    from service.cli.main import main

    monkeypatch.setenv("GOCUA_DATABASE_URL", database_url)
    assert main(["migrate"]) == 0
    workbook = xlsform(SURVEY, None, SETTINGS)
    path = tmp_path / "villages.xlsx"
    path.write_bytes(workbook)
    assert main(["forms", "publish", str(path)]) == 0
    sync_url = database_url.replace("+aiosqlite", "").replace("+asyncpg", "+psycopg")
    engine = sqlalchemy.create_engine(sync_url)
    with engine.connect() as connection:
        kept = connection.execute(sqlalchemy.text("SELECT filename, content FROM form_sources")).all()
    engine.dispose()
    assert [(name, bytes(content)) for name, content in kept] == [("villages.xlsx", workbook)]


async def test_csv_media_sent_with_the_xlsform_are_published_with_it_or_refused_with_it(client, world, home):
    admin, member = world["admin"].headers, world["member_a1"].headers
    workbook = xlsform(SURVEY, None, SETTINGS)
    refused = await client.post(
        "/api/v1/forms/xlsform",
        files={"file": ("v.xlsx", workbook), "communes": ("communes.csv", b"code\nx\n")},
        headers=admin,
    )
    assert (refused.status_code, refused.json()["errors"][0]["code"]) == (422, "form_media.missing_columns")
    assert (await client.get("/api/v1/forms/Village.Survey", headers=member)).status_code == 404  # nothing published
    files = {
        "file": ("v.xlsx", workbook),
        "communes": ("communes.csv", COMMUNES),
        "villages": ("villages.csv", VILLAGES),
    }
    published = await client.post("/api/v1/forms/xlsform", files=files, headers=admin)
    assert published.status_code == 201, published.text
    listed = (await client.get(f"{BASE}/media", headers=member)).json()["items"]
    assert [f["name"] for f in listed] == ["communes.csv", "villages.csv"]
    sent = visit(("Village.Survey", "1"), home.id)
    sent["answers"] = {"commune": "tho_xuong", "village": "bac"}
    assert (await client.post("/api/v1/visits", json=sent, headers=member)).status_code == 201
