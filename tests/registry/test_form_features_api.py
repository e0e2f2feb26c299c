"""The registry through the API with the features ODK and Kobo users bring: derived versions, warnings,
languages beyond vi/en, and a visit whose calculated values are stored with it."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from forms.bundled import bundled_form_paths
from service.households.models import Household
from service.registry import services as registry
from service.visits.models import Visit
from tests.forms.test_xlsform_corpus import KOBO_CHOICES, KOBO_SURVEY, xlsform
from tests.support.forms_data import small_form
from tests.support.world import World, add_household
from tests.visits.conftest import fetch
from tests.visits.support import HOME, visit


@pytest.fixture
async def bundled(db: AsyncSession, world: World) -> tuple[str, str]:
    published = await registry.publish(db, registry.parse_definition(bundled_form_paths()[0].read_bytes()), None)
    await db.commit()
    return published.form_id, published.version


@pytest.fixture
async def home(db: AsyncSession, world: World) -> Household:
    return await add_household(db, world.areas["village_a1"], head_name="Lê Văn Một", lat=HOME[0], lon=HOME[1])


async def test_a_json_form_without_version_is_published_under_a_derived_one(client, world):
    definition = small_form(form_id="khong-phien-ban")
    del definition["version"]
    admin = world["admin"].headers
    first = await client.post("/api/v1/forms", json=definition, headers=admin)
    assert first.status_code == 201, first.text
    body = first.json()
    assert body["version"].startswith("auto-") and body["version_derived"] is True and body["warnings"] == []
    again = await client.post("/api/v1/forms", json=definition, headers=admin)
    assert (again.status_code, again.json()["version"], again.json()["created"]) == (200, body["version"], False)
    definition["questions"][0]["label"]["vi"] = "Họ tên chủ hộ"
    changed = await client.post("/api/v1/forms", json=definition, headers=admin)
    assert changed.status_code == 201 and changed.json()["version"] != body["version"]
    served = await client.get("/api/v1/forms/khong-phien-ban", headers=world["member_a1"].headers)
    assert served.json()["version"] == changed.json()["version"]


async def test_a_kobo_export_publishes_with_warnings_and_phones_get_vi_en_and_every_other_language(client, world):
    survey = [
        [*row, extra]
        for row, extra in zip(KOBO_SURVEY, ["label::Français (fr)", "", "", "Téléphone ?", "Combien ?"], strict=True)
    ]
    workbook = xlsform(survey, KOBO_CHOICES, [["form_title", "form_id"], ["Khảo sát", "kobo-form"]])
    response = await client.post(
        "/api/v1/forms/xlsform", files={"file": ("kobo.xlsx", workbook)}, headers=world["admin"].headers
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["version_derived"] is True
    assert {w["path"] for w in body["warnings"]} >= {
        "survey.$kuid",
        "survey.$autoname",
        "survey.$given_name",
        "choices.$autovalue",
    }
    assert all(w["message_vi"] and w["message_en"] for w in body["warnings"])
    served = (await client.get("/api/v1/forms/kobo-form", headers=world["member_a1"].headers)).json()
    assert [q["type"] for q in served["questions"][:2]] == ["metadata", "metadata"]  # start, end: the app fills them
    assert served["questions"][2]["label"] == {"vi": "Có điện thoại?", "en": "Has a phone?", "fr": "Téléphone ?"}
    assert served["questions"][2]["choices"][0]["label"] == {"vi": "Có", "en": "Yes"}


async def test_a_visit_with_the_households_people_stores_the_calculated_counts(client, world, bundled, home, db):
    body = visit(bundled, home.id)
    body["answers"]["people"] = [
        {"person_age": 45, "person_vneid": "level2", "person_smartphone": True},
        {"person_age": 17, "person_vneid": "level1", "person_15_plus": 0},  # a phone's stale value is replaced
        {"person_age": 8, "person_vneid": "none"},
    ]
    response = await client.post("/api/v1/visits", json=body, headers=world["member_a1"].headers)
    assert response.status_code == 201, response.text
    stored = (await fetch(db, select(Visit).where(Visit.id == uuid.UUID(body["id"]))))[0]
    assert (stored.answers["people_15_plus"], stored.answers["people_15_plus_vneid2"]) == (2, 1)
    assert [person["person_15_plus"] for person in stored.answers["people"]] == [1, 1, 0]
    again = await client.post("/api/v1/visits", json=body, headers=world["member_a1"].headers)
    assert again.status_code == 200, again.text

    broken = visit(bundled, home.id)
    broken["answers"]["people"] = [{"person_age": 45, "person_vneid": "level2"}, {"person_age": 200}]
    refused = await client.post("/api/v1/visits", json=broken, headers=world["member_a1"].headers)
    assert refused.status_code == 422
    assert {(e["question"], e["code"]) for e in refused.json()["errors"]} == {
        ("people[2].person_age", "answer.above_max"),
        ("people[2].person_vneid", "answer.required"),
    }


def test_cli_imports_an_xlsform_and_prints_its_warnings(database_url, tmp_path, monkeypatch, capsys):
    from service.cli.main import main

    monkeypatch.setenv("GOCUA_DATABASE_URL", database_url)
    assert main(["migrate"]) == 0
    path = tmp_path / "kobo.xlsx"
    path.write_bytes(xlsform(KOBO_SURVEY, KOBO_CHOICES, [["form_id"], ["kobo-cli"]]))
    assert main(["forms", "publish", str(path)]) == 0
    out = capsys.readouterr().out
    assert "kobo-cli vauto-" in out and "published" in out
    assert "warning: survey.$kuid: Column '$kuid' is not used by Gõ Cửa and was ignored" in out
