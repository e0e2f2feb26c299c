"""ODK Web Forms 0.22.0, the real client, in Debian's Chromium against the real service (issue 17, test 3).

The host page (tests/clients/harness/webforms.html) loads the prebuilt dist behind an import map, reads formList,
downloads the form from its downloadUrl and households.csv through the manifest, and posts each FormData Web
Forms hands over, unchanged, to /submission.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from PIL import Image
from playwright.sync_api import Browser

from tests.openrosa.browser_scene import Scene, client_build, open_scene, web_browser
from tests.openrosa.client_pages import member_phone, send_with_web_forms
from tests.openrosa.same_answers import ACCURACY_M, ANSWERS, PHOTO_QUESTION
from tests.support.databases import SqliteTemplate
from tests.visits.support import HOME

__all__ = ["client_build", "web_browser"]


@pytest.fixture(scope="module")
def scene(
    sqlite_template: SqliteTemplate, tmp_path_factory: pytest.TempPathFactory, client_build: Path
) -> Iterator[Scene]:
    root = tmp_path_factory.mktemp("web-forms")
    with sqlite_template.fresh(root) as url, open_scene(url, root, client_build) as opened:
        yield opened


def test_a_visit_filled_in_web_forms_is_stored_with_its_answers_gps_and_photo_and_a_replay_adds_nothing(
    scene: Scene, web_browser
) -> None:
    household = next(iter(scene.households))
    with member_phone(web_browser, scene) as phone:
        sent = send_with_web_forms(phone, scene, household, photo_seed=3)
        [post] = sent.posts
        assert post["status"] == 201, post["body"]
        assert "Đã nhận" in post["body"]
        # What Web Forms handed over: the XML as xml_submission_file, the photo renamed to a timestamp.
        names = [part["name"] for part in post["parts"]]
        assert names[0] == "xml_submission_file" and len(names) == 2
        photo_name = names[1]
        assert f"<{PHOTO_QUESTION}>{photo_name}</{PHOTO_QUESTION}>" in post["xml"]

        visit = scene.visit(sent.instance_id)
        assert visit["household_id"] == household
        assert visit["form_id"], visit["form_version"] == scene.form
        for name in ("members", "school_children", "vneid_level", "data_worries", "guided", "has_smartphone"):
            assert visit["answers"][name] == ANSWERS[name], name
        assert visit["answers"]["people"][0]["person_age"] == 42
        assert visit["location"]["lat"] == pytest.approx(HOME[0]) and visit["location"]["lon"] == pytest.approx(HOME[1])
        assert visit["location"]["accuracy_m"] == pytest.approx(ACCURACY_M)
        assert visit["started_at"] and visit["finished_at"]
        # The photo went through the pipeline: derivatives, and Web Forms kept the EXIF (time, GPS) the checks read.
        [photo] = visit["photos"]
        assert (photo["question"], photo["index"]) == (PHOTO_QUESTION, 0)
        assert max(photo["width"], photo["height"]) <= 1460  # the form's max-pixels, applied by Web Forms
        assert photo["taken_at"] is not None
        thumb = httpx.get(scene.server.url + photo["thumb_url"], headers=scene.admin_headers, timeout=10)
        assert thumb.status_code == 200 and thumb.headers["content-type"] == "image/jpeg"
        from io import BytesIO

        with Image.open(BytesIO(thumb.content)) as image:
            assert max(image.size) == 320 and not image.getexif()
        assert visit["missing_photos"] == [] and visit["flags"] == []
        assert visit["skill_level"] is not None

        # The host retries the very same FormData: 201 again, and still one visit.
        count = scene.visit_count()
        [again] = sent.resend()
        assert again["status"] == 201, again["body"]
        assert scene.visit_count() == count
        assert scene.visit(sent.instance_id)["photos"] == visit["photos"]
        sent.watch.assert_clean()


def test_a_household_met_in_the_field_is_created_from_the_form_in_the_members_village(
    scene: Scene, web_browser: Browser
) -> None:
    from service.openrosa.xform import NEW_ADDRESS, NEW_HEAD_NAME, NEW_HOUSEHOLD_CHOICE

    new = {NEW_HEAD_NAME: "Lò Văn Đạt", NEW_ADDRESS: "Lán trại công nhân, cuối thôn"}
    with member_phone(web_browser, scene) as phone:
        # Choosing "new household" opens its questions (relevance, evaluated by Web Forms' engine).
        sent = send_with_web_forms(phone, scene, NEW_HOUSEHOLD_CHOICE, photo_seed=5, extra=new)
        assert [post["status"] for post in sent.posts] == [201], sent.posts[0]["body"]
        sent.watch.assert_clean()
    visit = scene.visit(sent.instance_id)
    assert visit["household_id"] not in scene.households
    household = scene.household(visit["household_id"])
    assert (household["head_name"], household["address"]) == (new[NEW_HEAD_NAME], new[NEW_ADDRESS])
    assert household["area_code"] == "38-A-1"  # the member's village
