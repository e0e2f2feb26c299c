"""The review pages in a real headless Chromium against the real server (granian on a socket).

A commune supervisor signs in, filters the queue by a flag, opens the visit, sees its photo load, rejects it with a
comment; the member's phone then reads the rejection from GET /api/v1/me/visits. Another commune's visit by URL is a
404 page; the session cookie is out of reach of scripts; signing out ends the session on the server.

Screenshots go to a temporary folder, or to $GOCUA_PAGE_SCREENSHOTS (docs/screenshots is made that way).
"""

from __future__ import annotations

import asyncio
import os
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from forms.bundled import bundled_form_paths
from service.auth.authn import SESSION_COOKIE
from service.db.engine import create_engine, session_factory
from service.registry import services as registry
from service.settings import Settings
from tests.support.browser import chromium
from tests.support.live_server import live_server
from tests.support.world import PASSWORD, World, add_household, build_world
from tests.visits.support import (
    FINISHED,
    HOME,
    PHOTO_QUESTION,
    multipart,
    offset_point,
    visit,
)


@dataclass
class Seeded:
    world: World
    form: tuple[str, str]
    households: dict[str, object]


async def _seed(url: str) -> Seeded:
    engine = create_engine(url, pool_size=2)
    try:
        async with session_factory(engine)() as session:
            world = await build_world(session)
            published = await registry.publish(
                session, registry.parse_definition(bundled_form_paths()[0].read_bytes()), None
            )
            await session.commit()
            a1, a2, b1 = (world.areas[k] for k in ("village_a1", "village_a2", "village_b1"))
            near = offset_point(HOME, north_m=150, east_m=-80)
            households = {
                "lan": await add_household(
                    session, a1, head_name="Nguyễn Thị Lan", address="Xóm Đông, số 12", lat=HOME[0], lon=HOME[1]
                ),
                "hung": await add_household(
                    session, a1, head_name="Lê Văn Hùng", address="Xóm Tây, số 3", lat=near[0], lon=near[1]
                ),
                "mai": await add_household(session, a2, head_name="Phạm Thị Mai", address="Đội 4"),
                "binh": await add_household(session, b1, head_name="Đỗ Văn Bình", address="Thôn Ba"),
            }
    finally:
        await engine.dispose()
    return Seeded(world, (published.form_id, published.version), households)


def house_photo(seed: int) -> bytes:
    """A 640 × 480 JPEG of a drawn house, different per seed (so no photo is flagged as reused)."""
    import io

    from PIL import Image, ImageDraw

    image = Image.new("RGB", (640, 480), (150 + seed * 7 % 60, 200, 235))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 330, 640, 480), fill=(90, 150 - seed % 40, 70))
    wall = (225, 200 - seed * 5 % 50, 150)
    draw.rectangle((170, 200, 470, 380), fill=wall)
    draw.polygon([(140, 205), (320, 90 + seed % 30), (500, 205)], fill=(170, 60 + seed * 9 % 60, 40))
    draw.rectangle((290, 280, 350, 380), fill=(110, 70, 40))
    draw.rectangle((200, 240, 255, 290), fill=(240, 240, 210))
    draw.rectangle((385, 240, 440, 290), fill=(240, 240, 210))
    draw.ellipse((520 - seed % 80, 40, 580 - seed % 80, 100), fill=(250, 220, 90))
    output = io.BytesIO()
    image.save(output, "JPEG", quality=85)
    return output.getvalue()


def _submit(base: str, person, form, household, photo_seed: int, **fields) -> str:
    body = visit(form, household.id, **fields)
    response = httpx.post(
        f"{base}/api/v1/visits",
        headers=person.headers,
        timeout=30,
        **multipart(body, [(PHOTO_QUESTION, house_photo(photo_seed))]),
    )
    assert response.status_code == 201, response.text
    return body["id"]


def wider(page) -> list[str]:
    """The elements sticking out past a 360 px screen (for the failure message)."""
    return page.evaluate("""() => Array.from(document.querySelectorAll('body *'))
        .filter(e => e.getBoundingClientRect().right > 360.5)
        .map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right))""")


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    target = Path(os.environ.get("GOCUA_PAGE_SCREENSHOTS") or tmp_path / "shots")
    target.mkdir(parents=True, exist_ok=True)
    return target


def test_supervisor_reviews_in_the_browser_and_the_member_hears_back(
    database_url: str,
    tmp_path: Path,
    shots: Path,
) -> None:
    seeded = asyncio.run(_seed(database_url))
    world, form, homes = seeded.world, seeded.form, seeded.households
    settings = Settings(data_dir=tmp_path / "data", database_url=database_url, photo_workers=0)
    with live_server(settings, tmp_path) as server:
        base = server.url
        far = offset_point(HOME, north_m=1_150, east_m=300)  # ~1.2 km north-north-east of Nguyễn Thị Lan's house
        flagged = _submit(
            base,
            world["member_a1"],
            form,
            homes["lan"],
            11,
            lat=far[0],
            lon=far[1],
            finished_at=FINISHED + timedelta(hours=1),
        )
        plain = _submit(
            base,
            world["member_a1"],
            form,
            homes["hung"],
            12,
            lat=HOME[0] + 0.0013,
            lon=HOME[1] - 0.0007,
            finished_at=FINISHED,
        )
        mai = _submit(
            base, world["member_a2"], form, homes["mai"], 13, accuracy_m=120, finished_at=FINISHED + timedelta(hours=2)
        )
        foreign = _submit(base, world["member_b1"], form, homes["binh"], 14, finished_at=FINISHED)

        with chromium() as browser:
            context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="vi-VN")
            page = context.new_page()
            page.goto(base + "/")
            page.fill("input[name=username]", world["supervisor_a"].user.username)
            page.fill("input[name=password]", PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_url(base + "/")
            assert page.locator(".tile").first.inner_text().startswith("3")  # three visits wait in commune A

            # The session cookie is HttpOnly: there for the browser, invisible to scripts.
            cookie = next(c for c in context.cookies() if c["name"] == SESSION_COOKIE)
            assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"
            assert SESSION_COOKIE not in page.evaluate("document.cookie")

            page.goto(base + "/review")
            assert page.locator(".row").count() == 3  # not the other commune's
            page.screenshot(path=str(shots / "queue-1280.png"), full_page=True)
            assert page.locator("details.filters").evaluate("d => d.open")  # unfolded on a wide screen
            page.select_option("select[name=flag]", "gps.far_from_household")
            page.click(".filters button[type=submit]")
            page.wait_for_url("**flag=gps.far_from_household**")
            rows = page.locator(".row")
            assert rows.count() == 1
            assert rows.first.get_attribute("data-id") == flagged
            assert "cách hộ 1,2 km" in rows.first.locator(".badge").inner_text()
            assert page.evaluate("document.querySelector('.row .thumb img').naturalWidth") > 0

            rows.first.locator("a.title").click()
            page.wait_for_url(f"**/review/visits/{flagged}**")
            photo = page.locator(".photo img").first
            photo.wait_for()
            page.wait_for_function("document.querySelector('.photo img').complete")
            assert photo.evaluate("img => img.naturalWidth") > 0
            assert "Điểm GPS lúc thăm cách hộ 1,2 km về phía Bắc" in page.locator(".offset").inner_text()
            page.screenshot(path=str(shots / "visit-1280.png"), full_page=True)

            page.check("input[name=decision][value=rejected]")
            page.fill("textarea[name=comment]", "Vị trí cách nhà 1,2 km: quay lại hộ và chụp lại ảnh trước cửa.")
            page.click("#decision-form button[type=submit]")
            page.wait_for_url("**/review?**end=1**")  # the only visit with this flag: the queue's end

            mine = httpx.get(f"{base}/api/v1/me/visits", headers=world["member_a1"].headers).json()["items"]
            decided = {item["id"]: item for item in mine}
            assert decided[flagged]["review_status"] == "rejected"
            assert decided[flagged]["review_comment"] == (
                "Vị trí cách nhà 1,2 km: quay lại hộ và chụp lại ảnh trước cửa."
            )
            assert decided[plain]["review_status"] == "pending"

            # Keyboard: j selects the first waiting visit of village 38-A-1, a approves it.
            page.goto(base + "/review?area=38-A-1")
            page.keyboard.press("j")
            page.keyboard.press("a")
            page.wait_for_url("**done=1**")
            mine = httpx.get(f"{base}/api/v1/me/visits", headers=world["member_a1"].headers).json()["items"]
            assert {item["id"]: item["review_status"] for item in mine}[plain] == "approved"

            # On a visit, i picks "has issues" and puts the cursor in the comment.
            page.goto(f"{base}/review/visits/{mai}")
            page.keyboard.press("i")
            assert page.evaluate("document.activeElement.id") == "comment"
            page.keyboard.type("Chụp thêm ảnh sổ sức khỏe điện tử")
            page.click("#decision-form button[type=submit]")
            page.wait_for_url("**/review?**")
            theirs = httpx.get(f"{base}/api/v1/me/visits", headers=world["member_a2"].headers).json()["items"]
            assert [(v["review_status"], v["review_comment"]) for v in theirs] == [
                ("has_issues", "Chụp thêm ảnh sổ sức khỏe điện tử")
            ]

            missing = page.goto(f"{base}/review/visits/{foreign}")
            assert missing is not None and missing.status == 404
            assert "Không tìm thấy" in page.content() and "Đỗ Văn Bình" not in page.content()

            phone = browser.new_context(
                viewport={"width": 360, "height": 780},
                device_scale_factor=2,
                is_mobile=True,
                has_touch=True,
                locale="vi-VN",
            )
            phone.add_cookies([{**cookie}])
            small = phone.new_page()
            small.goto(base + "/review?status=all")
            assert small.evaluate("document.documentElement.scrollWidth") <= 360, wider(small)  # fits the phone
            small.screenshot(path=str(shots / "queue-360.png"), full_page=True)
            small.goto(f"{base}/review/visits/{flagged}")
            small.wait_for_function("document.querySelector('.photo img').complete")
            assert small.evaluate("document.documentElement.scrollWidth") <= 360, wider(small)
            small.screenshot(path=str(shots / "visit-360.png"), full_page=True)
            phone.close()

            page.goto(base + "/")
            page.click("header form button[type=submit]")  # sign out
            page.wait_for_url(base + "/")
            assert page.locator("input[name=password]").count() == 1
            old = httpx.get(f"{base}/review", cookies={SESSION_COOKIE: cookie["value"]})
            assert (old.status_code, old.headers["location"]) == (303, "/?next=/review")
            context.close()
