"""An XLSForm whose choices come from a CSV media file through ODK's search() appearance with filter arguments:
published with its CSV, served to phones with the filter, and a visit's answer checked against the rows the filter
offers (matches, contains, startswith, endswith, and the two-column form)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from service.households.models import Household
from tests.forms.test_xlsform_corpus import xlsform
from tests.support.world import World, add_household
from tests.visits.support import HOME, visit

SURVEY = [
    ["type", "name", "label", "appearance"],
    ["text", "q", "Tên thôn", ""],
    ["select_one villages", "contains", "Có chứa", "search('villages', 'contains', 'label', ${q})"],
    ["select_one villages", "starts", "Bắt đầu bằng", "search('villages', 'startsWith', 'label', ${q})"],
    ["select_one villages", "ends", "Kết thúc bằng", "search('villages', 'endswith', 'name', ${q})"],
    ["select_one villages", "exact", "Đúng mã xã", "search('villages', 'matches', 'commune', ${q})"],
    ["select_multiple villages", "both", "Hai cột", "search('villages', 'contains', 'label', ${q}, 'commune', 'xl')"],
]
CHOICES = [["list_name", "name", "label"], ["villages", "name", "label"]]
SETTINGS = [["form_id", "version"], ["village.search", "1"]]
VILLAGES = (
    "name,label,commune\ndong,Thôn Đông,xl\ntay,Thôn Tây,xl\nbac_dong,Bắc Đông,tx\nnam,Thôn Nam,tx\nxl,Xóm XL,tx\n"
).encode()
# (question, search text, an offered answer, an answer the filter does not offer)
MODES: list[tuple[str, str, Any, Any]] = [
    ("contains", "Đông", "bac_dong", "tay"),
    ("starts", "thôn", "nam", "bac_dong"),  # ASCII letters ignore case, as in ODK Collect's LIKE
    ("ends", "dong", "dong", "nam"),
    ("exact", "TX", "xl", "dong"),
    ("both", "Thôn", ["dong", "tay"], ["dong", "nam"]),
]


@pytest.fixture
async def home(db: AsyncSession, world: World) -> Household:
    return await add_household(db, world.areas["village_a1"], head_name="Lê Văn Hai", lat=HOME[0], lon=HOME[1])


async def publish(client, world) -> None:
    files = {"file": ("search.xlsx", xlsform(SURVEY, CHOICES, SETTINGS)), "villages": ("villages.csv", VILLAGES)}
    published = await client.post("/api/v1/forms/xlsform", files=files, headers=world["admin"].headers)
    assert published.status_code == 201, published.text


@pytest.mark.parametrize(("question", "text", "offered", "not_offered"), MODES, ids=[m[0] for m in MODES])
async def test_a_search_filter_is_served_and_checks_the_answer(
    client, world, home, question, text, offered, not_offered
):
    await publish(client, world)
    member = world["member_a1"].headers
    served = (await client.get("/api/v1/forms/village.search", headers=member)).json()
    asked = next(q for q in served["questions"] if q["name"] == question)
    assert (asked["choices_file"], asked["choices"]) == ("villages.csv", [])
    assert "translate(" in asked["choice_filter"]  # the phone filters the CSV rows with the same expression

    async def send(answer: Any) -> Any:
        body = visit(("village.search", "1"), home.id)
        body["answers"] = {"q": text, question: answer}
        return await client.post("/api/v1/visits", json=body, headers=member)

    passing = await send(offered)
    assert passing.status_code == 201, passing.text
    failing = await send(not_offered)
    assert failing.status_code == 422, failing.text
    assert [(e["question"], e["code"]) for e in failing.json()["errors"]] == [(question, "answer.filtered_choice")]


async def test_a_search_call_that_cannot_be_carried_over_is_refused_with_its_row(client, world):
    survey = [
        ["type", "name", "label", "appearance"],
        ["select_one v", "pick", "Chọn", "search('villages', 'matches')"],
    ]
    workbook = xlsform(survey, [["list_name", "name", "label"], ["v", "name", "label"]], SETTINGS)
    refused = await client.post(
        "/api/v1/forms/xlsform", files={"file": ("bad.xlsx", workbook)}, headers=world["admin"].headers
    )
    assert refused.status_code == 422, refused.text
    error = refused.json()["errors"][0]
    assert error["path"] == "survey[row=2,name=pick].appearance" and "1, 4 or 6 arguments" in error["message_en"]
