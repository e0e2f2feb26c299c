"""Enketo, the real client (enketo-core 9.0.1 + enketo-transformer 4.2.0's web build, bundled by esbuild once per
session), in Debian's Chromium against the real service (issue 17, test 4).

Enketo Express, the server half that Central and Kobo deploy, is not on npm; its protocol steps are in the host
(tests/clients/harness/enketo.js) as its communicator.js and connection.js do them: HEAD formList must be 2xx,
`formList?formID=`, the accepted size from HEAD /submission, `type="file"` stripped, the XML as a Blob named
`xml_submission_file`, the files in batches under that size, the `X-OpenRosa-*` headers, 201/202 only.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser

from tests.openrosa.browser_scene import Scene, client_build, open_scene, web_browser
from tests.openrosa.client_pages import member_phone, send_with_enketo, xslt_missing
from tests.openrosa.same_answers import ACCURACY_M, ANSWERS, PHOTO_QUESTION
from tests.support.databases import SqliteTemplate
from tests.visits.support import HOME

__all__ = ["client_build", "web_browser"]


@pytest.fixture(scope="module")
def scene(
    sqlite_template: SqliteTemplate, tmp_path_factory: pytest.TempPathFactory, client_build: Path
) -> Iterator[Scene]:
    root = tmp_path_factory.mktemp("enketo")
    with sqlite_template.fresh(root) as url, open_scene(url, root, client_build) as opened:
        yield opened


@pytest.fixture(scope="module")
def browser_with_xslt(web_browser: Browser) -> Browser:
    if xslt_missing(web_browser):
        pytest.skip(
            "This Chromium no longer has XSLTProcessor, which enketo-transformer's web build needs "
            "(OPENROSA.md §3.3 risk 4): freeze Chromium or move the transform to enketo-transformer on Node"
        )
    return web_browser


def test_a_visit_filled_in_enketo_is_stored_with_its_answers_gps_and_photo_and_a_replay_adds_nothing(
    scene: Scene, browser_with_xslt: Browser
) -> None:
    household = list(scene.households)[1]
    with member_phone(browser_with_xslt, scene) as phone:
        sent = send_with_enketo(phone, scene, household, photo_seed=4)
        page = sent.page
        # communicator.js: HEAD formList answered 2xx; HEAD /submission named the size the batches are cut to.
        assert 200 <= page.evaluate("window.harness.formListHead") < 300
        assert page.evaluate("window.harness.submissionHead") == 204
        assert page.evaluate("window.harness.maxSize") > 1_000_000
        assert ("GET", f"/openrosa/key/{scene.member_token}/formList") in [
            (method, path) for method, path, _ in scene.harness.proxied
        ]
        [post] = sent.posts
        assert post["status"] == 201, post["body"]
        assert (post["parts"][0]["name"], post["parts"][0]["filename"]) == ("xml_submission_file",) * 2
        photo_name = post["parts"][1]["name"]
        assert photo_name.startswith("IMG_0004-") and photo_name.endswith(".jpg")  # Enketo's time postfix
        assert 'type="file"' not in post["xml"]

        visit = scene.visit(sent.instance_id)
        assert visit["household_id"] == household
        for name in ("members", "school_children", "vneid_level", "data_worries", "guided", "has_mobile_data"):
            assert visit["answers"][name] == ANSWERS[name], name
        assert visit["answers"]["people"][0]["person_vneid"] == "level2"
        assert visit["location"]["lat"] == pytest.approx(HOME[0]) and visit["location"]["lon"] == pytest.approx(HOME[1])
        assert visit["location"]["accuracy_m"] == pytest.approx(ACCURACY_M)
        [photo] = visit["photos"]
        assert (photo["question"], photo["index"]) == (PHOTO_QUESTION, 0)
        assert max(photo["width"], photo["height"]) <= 1460
        # Enketo resizes through a canvas: the EXIF (time, GPS) is gone, so the photo checks have nothing to
        # compare and raise no flag (unknown, not failed).
        assert photo["taken_at"] is None
        assert visit["flags"] == [] and visit["missing_photos"] == []

        count = scene.visit_count()
        [again] = sent.resend()
        assert again["status"] == 201, again["body"]
        assert scene.visit_count() == count
        sent.watch.assert_clean()
