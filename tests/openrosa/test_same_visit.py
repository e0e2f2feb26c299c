"""One visit, four routes (issue 17, test 5): the same answers sent through the phone app's JSON API, the way ODK
Collect sends them, through ODK Web Forms and through Enketo give the same stored visit: answers, GPS, photo
count, flags, skill level. On SQLite and on PostgreSQL.

The Collect route is Collect's own form engine, JavaRosa, filling the form it downloaded (javarosa/Fill.java) and
a client that sends as Collect does (collect_client.py): HEAD 204, `?deviceID=`, the file part named by its name.
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
from tests.openrosa.collect_client import Collect
from tests.openrosa.same_answers import PHOTO_QUESTION, client_taps, json_visit, phone_photo
from tests.openrosa.test_collect import fill, filler
from tests.openrosa.web_forms_steps import GPS
from tests.visits.support import HOME, multipart

__all__ = ["client_build", "filler", "web_browser"]

# Worse than the bundled form's 50 m: every route must raise the same gps.low_accuracy flag.
ACCURACY_M = 65.0


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


def _collect_values(taps: dict[str, Any], photo_name: str) -> dict[str, str]:
    """The taps as Fill.java takes them: by question name, one line each (the one person of the repeat's
    instance JavaRosa opens with, too)."""
    values: dict[str, str] = {}
    for name, value in taps.items():
        if isinstance(value, list) and value and isinstance(value[0], dict):
            for person in value:
                values |= _collect_values(person, photo_name)
        elif isinstance(value, list):
            values[name] = " ".join(value)
        elif isinstance(value, dict):
            values[name] = photo_name
        elif value == GPS:
            values[name] = f"{HOME[0]} {HOME[1]} 0.0 {ACCURACY_M}"
        else:
            values[name] = value
    return values


def _by_collect(scene: Scene, household: str, filler: Path, folder: Path, finished: datetime) -> str:
    """Collect's own form engine fills the form it downloaded; the Collect-like client sends it."""
    photo = "1733400000000.jpg"  # Collect names a camera capture by its time
    with httpx.Client(timeout=60) as http:
        collect = Collect(scene.openrosa, http)
        [entry] = [entry for entry in collect.form_list() if entry.form_id == scene.form[0]]
        form = collect.download(entry, folder)
        values = _collect_values(client_taps(household, []), photo)
        values |= {"start_geopoint": f"{HOME[0]} {HOME[1]} 0.0 {ACCURACY_M}", PHOTO_QUESTION: photo}
        instance = fill(filler, form, folder / f"{entry.form_id}-media", values, folder / "instance.xml")
        sent = collect.send(instance, [(photo, phone_photo(2, finished))])
    assert sent.statuses == [201], sent.messages
    return instance.decode().split("<instanceID>uuid:", 1)[1].split("<", 1)[0]


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


def test_the_same_answers_by_every_route_give_the_same_visit(
    scene: Scene, web_browser: Browser, filler: Path, tmp_path: Path
) -> None:
    if xslt_missing(web_browser):
        pytest.skip("This Chromium no longer has XSLTProcessor, which Enketo's transform needs (OPENROSA.md §3.3)")
    households = list(scene.households)
    finished = datetime.now(UTC)
    started = finished - timedelta(minutes=12)
    routes = {
        "json": _by_json_api(scene, households[0], started, finished),
        "collect": _by_collect(scene, households[1], filler, tmp_path, finished),
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
