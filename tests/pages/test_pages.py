"""The pages through HTTP: sign in, CSRF, log out, scoping (404 pages), decisions, bulk approval, rate limiting."""

from __future__ import annotations

from datetime import timedelta

from service.auth.authn import SESSION_COOKIE
from tests.pages.conftest import hidden, sign_in
from tests.support.world import PASSWORD
from tests.visits.support import FINISHED, PHOTO_QUESTION, jpeg, multipart, visit


async def _send(client, world, form, household, person="member_a1", photos=None, **fields) -> str:
    body = visit(form, household.id, **fields)
    if photos:
        response = await client.post("/api/v1/visits", headers=world[person].headers, **multipart(body, photos))
    else:
        response = await client.post("/api/v1/visits", json=body, headers=world[person].headers)
    assert response.status_code == 201, response.text
    return body["id"]


async def test_sign_in_page_and_home(client, world, form, homes):
    page = await client.get("/")
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    assert 'name="password"' in page.text and "Đăng nhập" in page.text
    assert "default-src 'none'" in page.headers["content-security-policy"]
    await _send(client, world, form, homes.located, accuracy_m=200)
    await sign_in(client, "giam_sat_a")
    cookie = next(c for c in client.cookies.jar if c.name == SESSION_COOKIE)
    assert cookie.has_nonstandard_attr("HttpOnly")
    home = await client.get("/")
    assert "Chờ duyệt" in home.text and "Độ phủ hộ gia đình" in home.text
    assert "Thôn Một" in home.text and "Thôn Ba" not in home.text  # only the supervisor's commune
    english = await client.get("/lang/en", params={"next": "/"}, follow_redirects=True)
    assert "Waiting for review" in english.text
    assert (await client.get("/lang/en", params={"next": "//evil.example/"})).headers["location"] == "/"


async def test_wrong_password_and_signed_out_pages(client, world):
    page = await client.get("/")
    wrong = await client.post(
        "/login", data={"csrf": hidden(page.text, "csrf"), "username": "giam_sat_a", "password": "sai"}
    )
    assert wrong.status_code == 401 and "Sai tên đăng nhập hoặc mật khẩu" in wrong.text
    queue = await client.get("/review")
    assert (queue.status_code, queue.headers["location"]) == (303, "/?next=/review")


async def test_form_posts_without_their_csrf_token_are_refused(client, world, form, homes):
    page = await client.get("/")
    no_token = await client.post("/login", data={"username": "giam_sat_a", "password": PASSWORD})
    assert no_token.status_code == 403 and "page.csrf_failed" in no_token.text
    assert hidden(page.text, "csrf")
    token = await sign_in(client, "giam_sat_a")
    visit_id = await _send(client, world, form, homes.located)
    url = f"/review/visits/{visit_id}/decision"
    for data in ({"decision": "approved"}, {"decision": "approved", "csrf": "x" * 64}):
        refused = await client.post(url, data=data)
        assert refused.status_code == 403 and "page.csrf_failed" in refused.text
    assert (await client.post("/logout", data={})).status_code == 403
    assert (await client.post("/review/decide", data={"ids": visit_id})).status_code == 403
    mine = (await client.get("/api/v1/me/visits", headers=world["member_a1"].headers)).json()["items"]
    assert mine[0]["review_status"] == "pending"
    accepted = await client.post(url, data={"decision": "approved", "csrf": token})
    assert accepted.status_code == 303


async def test_log_out_ends_the_session_on_the_server(client, world):
    token = await sign_in(client, "giam_sat_a")
    old = client.cookies.get(SESSION_COOKIE)
    response = await client.post("/logout", data={"csrf": token})
    assert response.status_code == 303
    client.cookies.clear()
    client.cookies.set(SESSION_COOKIE, old)
    assert (await client.get("/review")).status_code == 303  # back to sign-in
    assert (await client.get("/api/v1/me")).status_code == 401


async def test_signing_in_again_ends_the_previous_page_session(client, world):
    await sign_in(client, "giam_sat_a")
    first = client.cookies.get(SESSION_COOKIE)
    login_token = client.cookies.get("gocua_login_csrf")  # the sign-in form's token, still in the browser
    again = await client.post("/login", data={"csrf": login_token, "username": "giam_sat_a", "password": PASSWORD})
    assert again.status_code == 303
    assert client.cookies.get(SESSION_COOKIE) not in (None, first)
    client.cookies.clear()
    assert (await client.get("/api/v1/me", headers={"Cookie": f"{SESSION_COOKIE}={first}"})).status_code == 401


async def test_another_communes_visit_and_photo_answer_404_pages(client, world, form, homes):
    foreign = await _send(
        client,
        world,
        form,
        homes.other_commune,
        person="member_b1",
        with_location=False,
        photos=[(PHOTO_QUESTION, jpeg(5))],
    )
    await sign_in(client, "giam_sat_a")
    page = await client.get(f"/review/visits/{foreign}")
    assert page.status_code == 404 and "text/html" in page.headers["content-type"]
    assert "Không tìm thấy" in page.text and "Đỗ Bốn" not in page.text
    photo = await client.get(f"/review/visits/{foreign}/photos/{PHOTO_QUESTION}/0/large")
    assert photo.status_code == 404 and not photo.headers["content-type"].startswith("image/")
    token = hidden((await client.get("/")).text, "csrf")
    decided = await client.post(f"/review/visits/{foreign}/decision", data={"csrf": token, "decision": "approved"})
    assert decided.status_code == 404
    # Nor does the queue list it, whatever the filter says.
    assert "Đỗ Bốn" not in (await client.get("/review", params={"status": "all"})).text
    assert (await client.get("/review", params={"area": "38-B-1"})).status_code == 404
    # A malformed page address is a 404 page too for a browser; API clients keep their problem+json.
    browser = {"Accept": "text/html,application/xhtml+xml"}
    garbled = await client.get("/review/visits/not-a-visit", headers=browser)
    assert garbled.status_code == 404 and "Không tìm thấy" in garbled.text
    api = await client.get("/api/v1/visits/not-a-visit", headers=browser)
    assert api.status_code == 404 and api.headers["content-type"] == "application/problem+json"


async def test_members_get_no_pages(client, world):
    token = await sign_in(client, "thanh_vien_a1")
    refused = await client.get("/review")
    assert refused.status_code == 403 and "dành cho giám sát viên" in refused.text
    assert (await client.post("/logout", data={"csrf": token})).status_code == 303  # and may still sign out


async def test_queue_filters_decide_and_go_on_to_the_next(client, world, form, homes):
    plain = await _send(client, world, form, homes.located, finished_at=FINISHED)
    flagged = await _send(
        client,
        world,
        form,
        homes.located,
        accuracy_m=200,
        finished_at=FINISHED + timedelta(hours=1),
        photos=[(PHOTO_QUESTION, jpeg(9))],
    )
    newest = await _send(client, world, form, homes.located, finished_at=FINISHED + timedelta(hours=2))
    token = await sign_in(client, "giam_sat_a")
    queue = await client.get("/review")
    assert queue.text.index(newest) < queue.text.index(flagged) < queue.text.index(plain)  # newest first
    only_flagged = await client.get("/review", params={"flag": "gps.low_accuracy"})
    assert flagged in only_flagged.text and plain not in only_flagged.text
    assert "GPS sai số 200 m" in only_flagged.text
    assert f"/review/visits/{flagged}/photos/{PHOTO_QUESTION}/0/thumb" in only_flagged.text
    detail = await client.get(f"/review/visits/{flagged}")
    assert "Lê Văn Một" in detail.text and "Điện thoại báo sai số GPS 200 m" in detail.text
    # Answers under their labels, choices by their labels; the GPS point against the household's.
    assert "Hộ có mấy người?</dt><dd>4</dd>" in detail.text
    assert "Tài khoản định danh điện tử VNeID</dt><dd>" in detail.text and ">level2<" not in detail.text
    assert "Điểm GPS lúc thăm cách hộ 0 m" in detail.text
    photo = await client.get(f"/review/visits/{flagged}/photos/{PHOTO_QUESTION}/0/large")
    assert (
        photo.status_code == 200 and photo.headers["content-type"] == "image/jpeg" and photo.content[:2] == b"\xff\xd8"
    )

    missing = await client.post(f"/review/visits/{newest}/decision", data={"csrf": token, "decision": "rejected"})
    assert missing.status_code == 422 and "Cần ghi lý do" in missing.text
    done = await client.post(
        f"/review/visits/{newest}/decision",
        data={"csrf": token, "decision": "rejected", "comment": "Ảnh không rõ", "q": "status=pending"},
    )
    assert done.status_code == 303 and done.headers["location"].startswith(f"/review/visits/{flagged}?")
    history = await client.get(f"/review/visits/{newest}")
    assert "Ảnh không rõ" in history.text and "Trả lại" in history.text

    bulk = await client.post(
        "/review/decide", data={"csrf": token, "decision": "approved", "q": "status=pending", "ids": [flagged, plain]}
    )
    assert bulk.status_code == 303
    after = await client.get(bulk.headers["location"])
    assert "Đã duyệt 2 phiếu." in after.text and "Không có phiếu nào" in after.text
    statuses = {
        v["id"]: (v["review_status"], v["review_comment"])
        for v in (await client.get("/api/v1/me/visits", headers=world["member_a1"].headers)).json()["items"]
    }
    assert statuses == {newest: ("rejected", "Ảnh không rõ"), flagged: ("approved", None), plain: ("approved", None)}


async def test_sign_in_is_rate_limited_on_the_page(client, world):
    page = await client.get("/")
    token = hidden(page.text, "csrf")
    statuses = []
    for _ in range(6):
        response = await client.post("/login", data={"csrf": token, "username": "giam_sat_a", "password": "sai"})
        statuses.append(response.status_code)
    assert statuses == [401] * 5 + [429]
    assert "Đăng nhập sai quá nhiều lần" in response.text and int(response.headers["retry-after"]) > 0
    right = await client.post("/login", data={"csrf": token, "username": "giam_sat_a", "password": PASSWORD})
    assert right.status_code == 429  # even the right password waits


async def test_queue_pages_with_its_cursor_and_filters_by_area_team_member_and_date(client, world, form, homes):
    import re

    from service.pages.queue import PAGE_SIZE

    a1 = [
        await _send(client, world, form, homes.located, finished_at=FINISHED + timedelta(minutes=i))
        for i in range(PAGE_SIZE + 1)
    ]
    a2 = await _send(client, world, form, homes.other_village, person="member_a2", with_location=False)
    await sign_in(client, "giam_sat_a")

    def ids(html: str) -> list[str]:
        return re.findall(r'<li class="row" data-id="([0-9a-f-]+)"', html)

    first = await client.get("/review")
    assert ids(first.text) == [a2, *reversed(a1)][:PAGE_SIZE]
    following = re.search(r'href="(/review\?[^"]*cursor=[^"]+)" rel="next"', first.text)
    assert following
    second = await client.get(following.group(1).replace("&amp;", "&"))
    assert ids(second.text) == [a1[1], a1[0]] and 'rel="next"' not in second.text

    assert ids((await client.get("/review", params={"area": "38-A-2"})).text) == [a2]
    assert ids((await client.get("/review", params={"team": world.teams["a2"].id})).text) == [a2]
    assert ids((await client.get("/review", params={"member": world["member_a2"].user.id})).text) == [a2]
    assert ids((await client.get("/review", params={"team": world.teams["b1"].id})).text) == []  # not theirs
    assert ids((await client.get("/review", params={"from": "2100-01-01"})).text) == []
    assert len(ids((await client.get("/review", params={"from": "2000-01-01", "to": "2099-12-31"})).text)) == PAGE_SIZE
    assert (await client.get("/review", params={"from": "yesterday"})).status_code == 400
