"""Uploads split under the size the service advertises, by the browser clients' own rules (issue 17, tests 3
and 4): Web Forms' chunked submission (attachments packed under `submissionMaxSize`, which the host takes from
HEAD /submission) and Enketo's batches (enketo-express cuts them under the same header). Neither sends
`*isIncomplete*`: each POST carries the same XML and some of the files. Between the POSTs the visit is stored and
waits for its photo; after the last it is complete. The photos keep their EXIF (under max-pixels nobody resizes),
so the photo checks run: one taken 2 km away is flagged in both clients.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Route

from tests.openrosa.browser_scene import Scene, client_build, open_scene, web_browser
from tests.openrosa.client_pages import member_phone, send_with_enketo, send_with_web_forms, xslt_missing
from tests.openrosa.same_answers import PHOTO_QUESTION, grainy_photo
from tests.support.databases import SqliteTemplate
from tests.visits.support import HOME, offset_point

__all__ = ["client_build", "web_browser"]

NEAR, FAR = grainy_photo(11, HOME), grainy_photo(12, offset_point(HOME, north_m=2000))
# Room for one photo and the XML per POST, not for two: Enketo sends these bytes as they are, Web Forms
# re-encodes them (to about 70 % here, EXIF kept), so two of either are more than this and one is less.
ACCEPT_BYTES = int(max(len(NEAR), len(FAR)) * 1.2)


def _photos() -> list[dict[str, Any]]:
    return [
        {"name": "cua-nha.jpg", "mimeType": "image/jpeg", "buffer": NEAR},
        {"name": "ảnh-buổi-hướng-dẫn.jpg", "mimeType": "image/jpeg", "buffer": FAR},
    ]


@pytest.fixture(scope="module")
def scene(
    sqlite_template: SqliteTemplate, tmp_path_factory: pytest.TempPathFactory, client_build: Path
) -> Iterator[Scene]:
    root = tmp_path_factory.mktemp("split-uploads")
    with sqlite_template.fresh(root) as url, open_scene(url, root, client_build, accept_bytes=ACCEPT_BYTES) as opened:
        yield opened


class BetweenPosts:
    """Holds each POST to /submission after the first until the visit's state between them is read."""

    def __init__(self, scene: Scene, context: BrowserContext) -> None:
        self.scene = scene
        self.seen: list[dict[str, Any]] = []
        self.posts = 0
        context.route(re.compile(r".*/submission$"), self._route)

    def _route(self, route: Route) -> None:
        if route.request.method == "POST":
            self.posts += 1
            if self.posts > 1:
                body = route.request.post_data_buffer or b""
                visit_id = body.split(b"<instanceID>uuid:", 1)[1].split(b"<", 1)[0].decode()
                self.seen.append(self.scene.visit(visit_id))
        route.continue_()


def _assert_split_and_complete(scene: Scene, posts: list[dict[str, Any]], between: BetweenPosts, id_: str) -> None:
    assert [post["status"] for post in posts] == [201, 201], [post["parts"] for post in posts]
    assert posts[0]["xml"] == posts[1]["xml"]
    for post in posts:
        names = [part["name"] for part in post["parts"]]
        assert names[0] == "xml_submission_file" and len(names) == 2  # one photo each, no *isIncomplete*
    # Between the POSTs the visit is stored with the photo that came and waits for the one its instance names.
    [between_posts] = between.seen
    assert len(between_posts["photos"]) == 1
    assert between_posts["status"] == "awaiting_photos"
    visit = scene.visit(id_)
    assert sorted((p["question"], p["index"]) for p in visit["photos"]) == [(PHOTO_QUESTION, 0), (PHOTO_QUESTION, 1)]
    assert visit["missing_photos"] == [] and visit["status"] == "complete"
    assert all(photo["taken_at"] is not None for photo in visit["photos"])
    flags = {(flag["code"], flag["detail"]) for flag in visit["flags"]}
    assert ("photo.location_mismatch", f"{PHOTO_QUESTION}[1]") in flags
    assert not any(detail == f"{PHOTO_QUESTION}[0]" for _, detail in flags)


def test_web_forms_splits_two_photos_over_two_posts_under_the_advertised_size(
    scene: Scene, web_browser: Browser
) -> None:
    with member_phone(web_browser, scene) as phone:
        between = BetweenPosts(scene, phone)
        sent = send_with_web_forms(phone, scene, next(iter(scene.households)), photos=_photos(), chunked=True)
        assert sent.page.evaluate("window.harness.maxSize") == ACCEPT_BYTES
        _assert_split_and_complete(scene, sent.posts, between, sent.instance_id)
        sent.watch.assert_clean()


def test_enketo_batches_two_photos_under_the_size_head_submission_names(scene: Scene, web_browser: Browser) -> None:
    if xslt_missing(web_browser):
        pytest.skip("This Chromium no longer has XSLTProcessor, which Enketo's transform needs (OPENROSA.md §3.3)")
    with member_phone(web_browser, scene) as phone:
        between = BetweenPosts(scene, phone)
        sent = send_with_enketo(phone, scene, list(scene.households)[1], photos=_photos())
        assert sent.page.evaluate("window.harness.maxSize") == ACCEPT_BYTES
        # Enketo keeps the member's file names, with its time postfix; the Vietnamese one arrives intact.
        names = [post["parts"][1]["name"] for post in sent.posts]
        assert any(name.startswith("ảnh-buổi-hướng-dẫn-") for name in names), names
        _assert_split_and_complete(scene, sent.posts, between, sent.instance_id)
        sent.watch.assert_clean()
