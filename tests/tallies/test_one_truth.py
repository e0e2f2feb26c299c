"""One truth per fact, on the demo's eight weeks of history: for every area, the supervisors' home page, the tally,
the report and the coverage export give the same households and the same visited households."""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from typing import Any

from litestar.testing import AsyncTestClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from service.areas.models import Area
from service.db.tables import table_of
from service.demo.seed import seed_with_history
from service.settings import Settings
from service.visits.flag_texts import FLAG_NAMES

AREAS = table_of(Area)


async def _seeded(db: AsyncSession, settings: Settings) -> dict[str, Any]:
    result = await seed_with_history(db, settings, "small")
    await db.commit()
    return result.credentials


async def _bearer(client: AsyncTestClient, login: dict[str, str]) -> dict[str, str]:
    response = await client.post(
        "/api/v1/auth/login", json={"username": login["username"], "password": login["password"]}
    )
    assert response.status_code == 200, response.text
    client.cookies.clear()  # the API login also sets the page cookie; each caller below says who it is
    return {"Authorization": f"Bearer {response.json()['token']}"}


def _home_figures(html: str) -> tuple[tuple[int, int], dict[str, tuple[int, int]]]:
    """(visited, households) of the page's area, and per child area code."""
    number = r"([\d.]+)"
    total = re.search(rf"<strong>{number}</strong> / {number} ", html)
    assert total is not None, html
    rows = re.findall(
        rf'<tr data-area="([^"]+)">.*?<td class="num">{number}</td><td class="num">{number}</td>', html, re.S
    )

    def n(text: str) -> int:
        return int(text.replace(".", ""))  # Vietnamese thousands separator

    return (n(total[1]), n(total[2])), {code: (n(visited), n(households)) for code, households, visited in rows}


async def test_home_tally_report_and_export_agree_for_every_area(
    client: AsyncTestClient, db: AsyncSession, settings: Settings
) -> None:
    credentials = await _seeded(db, settings)
    admin = await _bearer(client, credentials["admin"])
    areas = (await db.execute(select(AREAS.c.code, AREAS.c.level).order_by(AREAS.c.code))).all()
    assert len(areas) == 10  # the province, 3 communes, 6 villages
    await db.commit()  # SQLite: every transaction here begins IMMEDIATE; the server must be able to write

    figures: dict[str, dict[str, tuple[int, int]]] = {}
    for code, _level in areas:
        tally = (await client.get("/api/v1/tallies", params={"area": code}, headers=admin)).json()
        report = (await client.get("/api/v1/reports/summary", params={"area": code}, headers=admin)).json()
        export = await client.get("/api/v1/exports/households.csv", params={"area": code}, headers=admin)
        assert export.status_code == 200, export.text
        rows = list(csv.DictReader(io.StringIO(export.content.decode("utf-8-sig"), newline="")))
        visited = Counter(row["Đã thăm"] for row in rows)
        figures[code] = {
            "tally": (tally["area"]["households"]["visited"], tally["area"]["households"]["total"]),
            "report": (
                report["tally"]["area"]["households"]["visited"],
                report["tally"]["area"]["households"]["total"],
            ),
            "export": (visited["Có"], len(rows)),
        }
        for child in tally["children"]:
            figures.setdefault(child["code"], {})["tally of the parent"] = (
                child["households"]["visited"],
                child["households"]["total"],
            )

    # The home page of each supervisor: its own area, and each child area in the table.
    for supervisor in credentials["supervisors"]:
        await client.post(
            "/api/v1/auth/login", json={"username": supervisor["username"], "password": supervisor["password"]}
        )  # sets the page session cookie
        page = await client.get("/")
        client.cookies.clear()
        assert page.status_code == 200, page.text
        own, children = _home_figures(page.text)
        figures[supervisor["area_code"]]["home page"] = own
        assert children, "the home page lists the areas below the supervisor's"
        for code, pair in children.items():
            figures[code]["home page of the parent"] = pair

    for code, seen in figures.items():
        assert len(set(seen.values())) == 1, f"area {code}: {seen}"
    villages = [figures[code]["tally"] for code, level in areas if level == "village"]
    shares = sorted(visited / total for visited, total in villages)
    assert shares[0] < 0.3 and shares[-1] > 0.6, f"coverage should differ by village: {shares}"
    province = figures["38"]["tally"]
    assert province[1] == 600, "merged duplicates are not households of their own"
    assert 0 < province[0] < 600


async def test_flags_read_the_same_on_the_pages_the_report_and_the_visits_export(
    client: AsyncTestClient, db: AsyncSession, settings: Settings
) -> None:
    credentials = await _seeded(db, settings)
    admin = await _bearer(client, credentials["admin"])
    for lang, index in (("vi", 0), ("en", 1)):
        export = await client.get("/api/v1/exports/visits.csv", params={"area": "38", "labels": lang}, headers=admin)
        assert export.status_code == 200, export.text
        rows = list(csv.DictReader(io.StringIO(export.content.decode("utf-8-sig"), newline="")))
        column = "Cảnh báo" if lang == "vi" else "Flags"
        named = {name for row in rows if row[column] for name in row[column].split("; ")}
        catalog = {names[index] for names in FLAG_NAMES.values()}
        assert named and named <= catalog, named - catalog
        report = await client.get("/reports/38", params={"lang": lang}, headers=admin)
        assert any(name in report.text for name in named), "the report's open flags, in the same words"
