"""The members page: scoped and paged like the members API, a phone token issued from it shows both QR codes (the
app's and ODK Collect's), the Collect code points at a formList that answers, revoking stops the token, and the
pages' rules hold (CSRF, members refused, another commune's member not found)."""

from __future__ import annotations

import base64
import os
import re
import shutil
import xml.etree.ElementTree as ElementTree
import zlib
from pathlib import Path
from typing import Any

import anyio
import msgspec

from forms.bundled import bundled_form_paths
from service.auth.authn import SESSION_COOKIE
from service.auth.devices import qr_png
from service.openrosa.collect_qr import collect_settings_payload
from service.pages import members as members_page
from service.settings import Settings
from tests.pages.conftest import sign_in
from tests.support.browser import chromium
from tests.support.live_server import live_server
from tests.support.world import World, add_person

LIST_NS = "{http://openrosa.org/xforms/xformsList}"


def _listed(html: str) -> list[str]:
    return re.findall(r'data-member="(\d+)"', html)


async def _publish(client, world) -> str:
    response = await client.post(
        "/api/v1/forms",
        content=bundled_form_paths()[0].read_bytes(),
        headers={**world["admin"].headers, "Content-Type": "application/json"},
    )
    assert response.status_code == 201, response.text
    return response.json()["id"]


async def test_the_list_shows_the_communes_members_and_leaders_only(client, world):
    await sign_in(client, "giam_sat_a")
    page = await client.get("/members")
    assert page.status_code == 200
    shown = set(_listed(page.text))
    ours = {str(world[k].user.id) for k in ("leader_a1", "member_a1", "member_a2")}
    assert shown == ours  # not commune B's member, not the supervisors, not the admin
    assert "Thôn Một" in page.text and "Tổ trưởng" in page.text and "Cấp mã thiết bị" in page.text
    assert 'href="/members" aria-current="page"' in page.text
    english = await client.get("/lang/en", params={"next": "/members"}, follow_redirects=True)
    assert "Members and team leaders" in english.text and "Issue a device code" in english.text


async def test_the_list_pages(client, world, db, monkeypatch):
    monkeypatch.setattr(members_page, "PAGE_SIZE", 2)
    for n in range(3):
        await add_person(db, f"them_{n}", "member", world.areas["village_a2"], world.teams["a2"])
    await db.commit()
    await sign_in(client, "giam_sat_a")
    seen: list[str] = []
    url = "/members"
    for _ in range(5):
        page = await client.get(url)
        ids = _listed(page.text)
        assert 1 <= len(ids) <= 2
        seen += ids
        following = re.search(r'id="next-page" href="([^"]+)"', page.text)
        if not following:
            break
        url = following.group(1).replace("&amp;", "&")
    assert len(seen) == len(set(seen)) == 6  # 3 of the world + 3 added, each once, in three pages


async def test_issuing_shows_both_qr_codes_and_collect_reaches_the_forms(client, world):
    form_id = await _publish(client, world)
    csrf = await sign_in(client, "giam_sat_a")
    member = world["member_a1"].user
    issued = await client.post(f"/members/{member.id}/device-token", data={"csrf": csrf})
    assert issued.status_code == 200, issued.text
    html = issued.text
    images = re.findall(r'<img src="data:image/png;base64,([^"]+)"', html)
    assert len(images) == 2 and all(base64.b64decode(i).startswith(b"\x89PNG") for i in images)
    assert "Ứng dụng Gõ Cửa: mở /app trên điện thoại và quét" in html
    assert "ODK Collect: Cài đặt dự án → Quét mã QR" in html
    assert "chỉ hiện một lần" in html
    token = re.search(r'<code id="token-text">([^<]+)</code>', html).group(1)  # type: ignore[union-attr]
    assert "no-store" in issued.headers["cache-control"]

    # The Collect image is exactly the QR of Collect's settings for this token: base64 → zlib → JSON whose
    # server_url carries the token, and that URL's formList lists the member's forms.
    collect_url = re.search(r'<code id="collect-url">([^<]+)</code>', html).group(1)  # type: ignore[union-attr]
    base = collect_url.removesuffix(f"/openrosa/key/{token}")
    assert base != collect_url
    payload = collect_settings_payload(base, token)
    assert base64.b64decode(images[1]) == qr_png(payload)
    settings = msgspec.json.decode(zlib.decompress(base64.b64decode(payload)))
    server_url = settings["general"]["server_url"]
    assert server_url == collect_url
    listing = await client.get("/" + server_url.split("://", 1)[1].split("/", 1)[1] + "/formList")
    assert listing.status_code == 200
    entries = ElementTree.fromstring(listing.content).findall(f"{LIST_NS}xform")
    assert form_id in [entry.findtext(f"{LIST_NS}formID") for entry in entries]
    # The app's image is the QR of {server, token}, as the API hands it to the phone app.
    app_payload = msgspec.json.encode({"server": base, "token": token}).decode()
    assert base64.b64decode(images[0]) == qr_png(app_payload)
    tokens = await client.get(f"/api/v1/members/{member.id}/device-tokens", headers=world["admin"].headers)
    assert len([t for t in tokens.json()["items"] if t["revoked_at"] is None]) == 2  # the world's and this one

    # Revoking from the page stops both of the member's tokens at once, Collect's URL included.
    listed = await client.get("/members")
    assert "Mã thiết bị đang dùng: 2" in listed.text
    revoked = await client.post(f"/members/{member.id}/device-tokens/revoke", data={"csrf": csrf})
    assert (revoked.status_code, revoked.headers["location"]) == (303, "/members?revoked=2")
    assert "Đã thu hồi 2 mã thiết bị." in (await client.get("/members?revoked=2")).text
    gone = await client.get("/" + server_url.split("://", 1)[1].split("/", 1)[1] + "/formList")
    assert gone.status_code == 403 and "đã bị thu hồi" in gone.text


async def test_another_communes_member_and_missing_csrf_are_refused(client, world):
    csrf = await sign_in(client, "giam_sat_a")
    other = world["member_b1"].user
    refused = await client.post(f"/members/{other.id}/device-token", data={"csrf": csrf})
    assert refused.status_code == 404 and "data:image/png" not in refused.text
    refused = await client.post(f"/members/{other.id}/device-tokens/revoke", data={"csrf": csrf})
    assert refused.status_code == 404
    ours = world["member_a1"].user
    for data in ({}, {"csrf": "x" * 64}):
        no_token = await client.post(f"/members/{ours.id}/device-token", data=data)
        assert no_token.status_code == 403 and "page.csrf_failed" in no_token.text
        assert "data:image/png" not in no_token.text
    tokens = await client.get(f"/api/v1/members/{ours.id}/device-tokens", headers=world["admin"].headers)
    assert len(tokens.json()["items"]) == 1  # only the world's own: nothing issued by the refused posts
    supervisor = world["supervisor_a"].user
    not_a_phone = await client.post(f"/members/{supervisor.id}/device-token", data={"csrf": csrf})
    assert not_a_phone.status_code in (403, 404, 422) and "data:image/png" not in not_a_phone.text


async def test_members_get_the_pages_403(client, world):
    csrf = await sign_in(client, "thanh_vien_a1")
    assert (await client.get("/members")).status_code == 403
    member = world["member_a1"].user
    refused = await client.post(f"/members/{member.id}/device-token", data={"csrf": csrf})
    assert refused.status_code == 403 and "data:image/png" not in refused.text


SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def _look(url: str, token: str, member_id: int, width: int, shots: Path) -> dict[str, Any]:
    """The members page and the QR page at one screen width, as a supervisor's browser shows them."""
    with chromium() as browser:
        context = browser.new_context(viewport={"width": width, "height": 900}, locale="vi-VN")
        context.add_cookies([{"name": SESSION_COOKIE, "value": token, "url": url}])
        page = context.new_page()
        problems: list[str] = []
        page.on("console", lambda m: problems.append(f"{m.text} {m.location}") if m.type == "error" else None)
        page.on("response", lambda r: problems.append(f"{r.status} {r.url}") if r.status >= 400 else None)
        page.goto(f"{url}/members")
        listing = page.locator("main").inner_text()
        overflow = page.evaluate("document.documentElement.scrollWidth")
        page.screenshot(path=str(shots / f"members-{width}.png"), full_page=True)
        page.locator(f'[data-member="{member_id}"] button.issue').click()
        page.wait_for_selector("#qr-collect img")
        page.wait_for_function("Array.from(document.images).every(i => i.complete)")
        sizes = page.evaluate("Array.from(document.querySelectorAll('.qr img')).map(i => i.naturalWidth)")
        boxes = page.evaluate(
            "Array.from(document.querySelectorAll('.qr img')).map(i => {const b = i.getBoundingClientRect();"
            " return [Math.round(b.left), Math.round(b.top), Math.round(b.width)]})"
        )
        qr_overflow = page.evaluate("document.documentElement.scrollWidth")
        page.screenshot(path=str(shots / f"members-qr-{width}.png"), full_page=True)
        seen = {
            "listing": listing,
            "qr": page.locator("main").inner_text(),
            "overflow": max(overflow, qr_overflow),
            "sizes": sizes,
            "boxes": boxes,
            "problems": problems,
        }
        context.close()
        return seen


async def test_the_members_and_qr_pages_in_chromium(settings: Settings, tmp_path: Path, world: World) -> None:
    shots = Path(os.environ.get("GOCUA_PAGE_SCREENSHOTS") or tmp_path)
    member = world["member_a1"].user
    with live_server(settings, tmp_path) as server:
        for width in (360, 1280):
            seen = await anyio.to_thread.run_sync(
                _look, server.url, world["supervisor_a"].token, member.id, width, shots
            )
            assert seen["problems"] == [], width
            assert seen["overflow"] <= width, f"wider than a {width} px screen"
            assert "Cấp mã thiết bị" in seen["listing"] and member.full_name in seen["listing"]
            text = str(seen["qr"])
            assert "Ứng dụng Gõ Cửa: mở /app trên điện thoại và quét" in text
            assert "ODK Collect: Cài đặt dự án → Quét mã QR" in text and "/openrosa/key/gcd_" in text
            for bad in ("None", "null", "undefined", "NaN", "[object"):
                assert bad not in text and bad not in str(seen["listing"])
            assert len(seen["sizes"]) == 2 and all(size > 100 for size in seen["sizes"])
            (app, collect) = seen["boxes"]
            if width == 1280:
                assert app[1] == collect[1] and collect[0] > app[0] + app[2]  # side by side
            else:
                assert collect[1] > app[1] and app[2] <= 340  # one under the other, each within the screen
    if "sqlite" in settings.resolved_database_url and os.environ.get("GOCUA_DOCS_SCREENSHOTS") == "1":
        shutil.copy(shots / "members-qr-1280.png", SCREENSHOTS / "members-qr-1280.png")
