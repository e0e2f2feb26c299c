"""One visit, four routes (issue 17, test 5): the same answers sent through the phone app's JSON API, the way ODK
Collect sends them, through ODK Web Forms and through Enketo give the same stored visit: answers, GPS, photo
count, flags, skill level. On SQLite and on PostgreSQL.

The Collect route is the instance XML as JavaRosa serialises it (tests/openrosa/support.py) posted the way
Collect's uploader does (HEAD /submission must be 204, `?deviceID=`, the file part named by its file name).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser

from tests.openrosa.browser_scene import Scene, client_build, open_scene, web_browser
from tests.openrosa.client_pages import member_phone, send_with_enketo, send_with_web_forms, xslt_missing
from tests.openrosa.same_answers import PHOTO_QUESTION, definition, json_visit, located, phone_photo
from tests.openrosa.support import collect_files, instance_xml
from tests.visits.support import multipart

__all__ = ["client_build", "web_browser"]

# Worse than the bundled form's 50 m: every route must raise the same gps.low_accuracy flag.
ACCURACY_M = 65.0
COLLECT_DEVICE = "collect:Qm9ndXNEZXZpY2Ux"
COLLECT_AGENT = "Dalvik/2.1.0 (Linux; U; Android 13) org.odk.collect.android/v2025.2.3"


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def scene(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, client_build: Path
) -> Iterator[Scene]:
    template = request.getfixturevalue({"sqlite": "sqlite_template", "postgresql": "postgres_template"}[request.param])
    root = tmp_path_factory.mktemp(f"same-visit-{request.param}")
    with template.fresh(root) as url, open_scene(url, root, client_build) as opened:
        yield opened


def _by_json_api(scene: Scene, household: str, started: datetime, finished: datetime) -> str:
    body = json_visit(scene.form, household, started, finished, ACCURACY_M)
    response = httpx.post(
        f"{scene.server.url}/api/v1/visits",
        headers={"Authorization": f"Bearer {scene.member_token}"},
        timeout=30,
        **multipart(body, [(f"{PHOTO_QUESTION}[0]", phone_photo(1, finished))]),
    )
    assert response.status_code == 201, response.text
    return str(body["id"])


def _by_collect(scene: Scene, household: str, started: datetime, finished: datetime) -> str:
    photo = "1733400000000.jpg"  # Collect names a camera capture by its time
    xml = instance_xml(
        definition(),
        located(ACCURACY_M),
        household=household,
        photos={PHOTO_QUESTION: [photo]},
        started=started,
        finished=finished,
    )
    headers = {"X-OpenRosa-Version": "1.0", "User-Agent": COLLECT_AGENT}
    submission = f"{scene.openrosa}/submission?deviceID={COLLECT_DEVICE}"
    assert httpx.head(submission, headers=headers, timeout=10).status_code == 204
    response = httpx.post(
        submission, headers=headers, files=collect_files(xml, [(photo, phone_photo(2, finished))]), timeout=30
    )
    assert response.status_code == 201, response.text
    return xml.decode().split("<instanceID>uuid:", 1)[1].split("<", 1)[0]


def _essence(visit: dict[str, Any]) -> dict[str, Any]:
    """What must not depend on the route a visit took."""
    location = visit["location"]
    return {
        "answers": visit["answers"],
        "gps": (round(location["lat"], 6), round(location["lon"], 6), location["accuracy_m"], location["is_mock"]),
        "photos": [(photo["question"], photo["index"]) for photo in visit["photos"]],
        "missing_photos": visit["missing_photos"],
        "flags": sorted(flag["code"] for flag in visit["flags"]),
        "skill_level": visit["skill_level"],
        "status": visit["status"],
        "form": (visit["form_id"], visit["form_version"]),
    }


def test_the_same_answers_by_every_route_give_the_same_visit(scene: Scene, web_browser: Browser) -> None:
    if xslt_missing(web_browser):
        pytest.skip("This Chromium no longer has XSLTProcessor, which Enketo's transform needs (OPENROSA.md §3.3)")
    households = list(scene.households)
    finished = datetime.now(UTC)
    started = finished - timedelta(minutes=12)
    routes = {
        "json": _by_json_api(scene, households[0], started, finished),
        "collect": _by_collect(scene, households[1], started, finished),
    }
    with member_phone(web_browser, scene, ACCURACY_M) as phone:
        web_forms = send_with_web_forms(phone, scene, households[2], photo_seed=3)
        enketo = send_with_enketo(phone, scene, households[3], photo_seed=4)
        for sent in (web_forms, enketo):
            assert [post["status"] for post in sent.posts] == [201]
            sent.watch.assert_clean()
        routes["web_forms"] = web_forms.instance_id
        routes["enketo"] = enketo.instance_id

    visits = {route: scene.visit(visit_id) for route, visit_id in routes.items()}
    for route, visit in visits.items():
        assert visit["household_id"] == households[list(routes).index(route)], route
    expected = _essence(visits["json"])
    assert expected["photos"] == [(PHOTO_QUESTION, 0)] and expected["skill_level"] is not None
    assert expected["flags"] == ["gps.low_accuracy"]
    for route in ("collect", "web_forms", "enketo"):
        assert _essence(visits[route]) == expected, route
