"""An audio answer in the phone app: the member records (here: picks) a file offline, the draft keeps it, the visit
is saved to the outbox and, back online, arrives with its file; the supervisor's visit page links it."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from playwright.sync_api import BrowserContext, FilePayload, Page, expect

from service.cli.demo import prepare_demo
from service.settings import Settings
from tests.phone_app.app_steps import DOCS, admin_headers, api, sign_in, wait_for_first_sync
from tests.support.live_server import LiveServer, live_server
from tests.visits.test_attachments import M4A, MEDIA_FORM

DRAFT_WITH_FILE = """() => new Promise((resolve) => {
  const opening = indexedDB.open("gocua");
  opening.onsuccess = () => {
    const read = opening.result.transaction("kv").objectStore("kv").get("draft");
    read.onsuccess = () => {
      const files = read.result && read.result.photos && read.result.photos.voice;
      resolve(Boolean(files && files.length && files[0].blob && read.result.answers.voice));
    };
  };
})"""


AUDIO_LIMIT = 100_000  # this module's server takes recordings up to 100 KB


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveServer, dict]]:
    """A server of its own: the media form published here would add a form choice to the other tests' visits."""
    root = tmp_path_factory.mktemp("phone-app-files")
    settings = Settings(
        data_dir=root / "data",
        database_url=f"sqlite+aiosqlite:///{root / 'gocua.sqlite3'}",
        photo_workers=0,
        max_audio_bytes=AUDIO_LIMIT,
    )
    with ThreadPoolExecutor(1) as pool:
        pool.submit(lambda: prepare_demo(settings, history=False)).result()
    credentials = json.loads((settings.data_dir / "demo-credentials.json").read_text())
    with live_server(settings, root) as server:
        published = httpx.post(
            server.url + "/api/v1/forms",
            content=json.dumps(MEDIA_FORM).encode(),
            headers={**admin_headers(server, credentials), "Content-Type": "application/json"},
            timeout=30,
        )
        assert published.status_code == 201, published.text
        yield server, credentials


def watched(page: Page) -> list[str]:
    problems: list[str] = []
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    page.on(
        "response",
        lambda response: (
            problems.append(f"{response.status} {response.url}")
            if response.status >= 400 and "/api/" not in response.url
            else None
        ),
    )
    return problems


def test_an_audio_file_kept_offline_with_the_draft_arrives_with_its_visit_and_the_page_links_it(
    phone: BrowserContext, server: LiveServer, member: dict, credentials: dict
) -> None:
    page = phone.new_page()
    problems = watched(page)
    sign_in(page, member["token"])
    household = api(server, member["token"], "/api/v1/households?limit=5").json()["items"][0]
    phone.set_offline(True)  # recorded at the door, with no network
    page.goto(f"{server.url}/app#visit/{household['id']}/{MEDIA_FORM['id']}")
    voice = page.locator('[data-question="voice"]')
    expect(voice.locator("input[type=file]")).to_have_attribute("accept", "audio/*")
    expect(page.locator('[data-question="clip"] input[type=file]')).to_have_attribute("accept", "video/*")
    assert ".pdf" in (page.locator('[data-question="paper"] input[type=file]').get_attribute("accept") or "")
    voice.locator("input[type=file]").set_input_files(
        files=[FilePayload(name="ghi âm 1.m4a", mimeType="audio/mp4", buffer=M4A)]
    )
    expect(voice.locator(".attachment-name")).to_have_text("ghi âm 1.m4a · 2 KB")
    assert voice.locator("audio, video").count() == 0  # kept, never played in the page
    page.wait_for_function(DRAFT_WITH_FILE)  # in IndexedDB with the draft
    page.screenshot(path=str(DOCS / "app-audio-360.png"))

    # The app is closed and opened again, still offline: the draft has the file.
    page.close()
    page = phone.new_page()
    problems += watched(page)
    page.goto(f"{server.url}/app#visit/{household['id']}/{MEDIA_FORM['id']}")
    expect(page.locator('[data-question="voice"] .attachment-name')).to_have_text("ghi âm 1.m4a · 2 KB")
    page.click("#submit")
    expect(page.locator("li.visit").first).to_have_attribute("data-state", "waiting")

    phone.set_offline(False)
    page.goto(server.url + "/app#outbox")
    sent = page.locator("li.visit").first
    expect(sent).to_have_attribute("data-state", "sent", timeout=30000)
    visit_id = sent.get_attribute("data-visit")
    detail = api(server, member["token"], f"/api/v1/visits/{visit_id}").json()
    assert detail["answers"]["voice"] == "ghi âm 1.m4a"
    assert detail["status"] == "complete" and detail["missing_attachments"] == []
    [stored] = detail["attachments"]
    assert (stored["question"], stored["content_type"], stored["size_bytes"]) == ("voice", "audio/mp4", len(M4A))
    got = httpx.get(server.url + stored["url"], headers={"Authorization": f"Bearer {member['token']}"}, timeout=10)
    assert got.content == M4A and got.headers["content-disposition"].startswith("attachment;")
    text = page.locator("body").inner_text()
    assert not re.search(r"\b(null|undefined|NaN)\b", text), text
    assert problems == [], problems

    # The visit page of the service lists it as a download link with its question's label, size and type.
    review = (
        phone.browser.new_context(viewport={"width": 1280, "height": 900}, locale="vi-VN") if phone.browser else None
    )
    assert review is not None
    try:
        desk = review.new_page()
        desk_problems = watched(desk)
        desk.goto(server.url + "/")
        desk.fill("input[name=username]", credentials["admin"]["username"])
        desk.fill("input[name=password]", credentials["admin"]["password"])
        desk.click("button[type=submit]")
        desk.wait_for_url(server.url + "/")
        desk.goto(f"{server.url}/review/visits/{visit_id}")
        link = desk.locator(".o-files a[data-kind=audio]")
        expect(link).to_have_text("Ghi âm lời hộ")
        expect(desk.locator(".o-files li").first).to_contain_text("ghi âm 1.m4a · 2 KB · audio/mp4")
        assert desk.locator("audio, video, embed, iframe, object").count() == 0
        desk.screenshot(path=str(DOCS / "visit-page-files.png"), full_page=True)
        with desk.expect_download() as downloading:
            link.click()
        assert downloading.value.suggested_filename == "ghi âm 1.m4a"
        page_text = desk.locator("body").inner_text()
        assert not re.search(r"\b(null|undefined|NaN)\b", page_text)
        assert desk_problems == [], desk_problems
    finally:
        review.close()


def test_a_recording_over_the_services_limit_is_refused_when_picked_not_after_sending(
    phone: BrowserContext, server: LiveServer, member: dict
) -> None:
    page = phone.new_page()
    problems = watched(page)
    sign_in(page, member["token"])
    assert api(server, member["token"], "/api/v1/me").json()["file_limits"]["audio_bytes"] == AUDIO_LIMIT
    household = api(server, member["token"], "/api/v1/households?limit=5").json()["items"][0]
    page.goto(f"{server.url}/app#visit/{household['id']}/{MEDIA_FORM['id']}")
    voice = page.locator('[data-question="voice"]')
    too_long = M4A + bytes(150_000)
    voice.locator("input[type=file]").set_input_files(
        files=[FilePayload(name="dai.m4a", mimeType="audio/mp4", buffer=too_long)]
    )
    size = f"{round(len(too_long) / 1000)} KB"
    expect(voice.locator("p.file-refused")).to_have_text(f"Tệp quá lớn ({size}): tối đa 100 KB. Hãy quay/ghi ngắn hơn.")
    expect(voice.locator(".attachment-name")).to_have_count(0)  # not kept, not answered
    voice.locator("input[type=file]").set_input_files(
        files=[FilePayload(name="ngan.m4a", mimeType="audio/mp4", buffer=M4A)]
    )
    expect(voice.locator(".attachment-name")).to_have_text("ngan.m4a · 2 KB")
    expect(voice.locator("p.file-refused")).to_be_hidden()
    assert problems == [], problems


# What a sign-in made before the service sent `file_limits` left in the phone: the member without the limits.
FORGET_LIMITS = """() => new Promise((resolve) => {
  const opening = indexedDB.open("gocua");
  opening.onsuccess = () => {
    const kv = opening.result.transaction("kv", "readwrite").objectStore("kv");
    const read = kv.get("me");
    read.onsuccess = () => {
      const me = read.result;
      delete me.file_limits;
      kv.put(me, "me").onsuccess = () => resolve(true);
    };
  };
})"""


def test_a_phone_signed_in_before_the_limits_existed_learns_them_at_the_next_sync(
    phone: BrowserContext, server: LiveServer, member: dict
) -> None:
    page = phone.new_page()
    problems = watched(page)
    sign_in(page, member["token"])
    page.evaluate(FORGET_LIMITS)
    page.reload()  # the app opens with the old sign-in, and syncs
    wait_for_first_sync(page)
    household = api(server, member["token"], "/api/v1/households?limit=5").json()["items"][0]
    page.goto(f"{server.url}/app#visit/{household['id']}/{MEDIA_FORM['id']}")
    voice = page.locator('[data-question="voice"]')
    voice.locator("input[type=file]").set_input_files(
        files=[FilePayload(name="dai.m4a", mimeType="audio/mp4", buffer=M4A + bytes(150_000))]
    )
    expect(voice.locator("p.file-refused")).to_contain_text("tối đa 100 KB")
    expect(voice.locator(".attachment-name")).to_have_count(0)
    assert problems == [], problems
