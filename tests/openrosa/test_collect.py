"""ODK Collect end to end, with Collect's own form engine: JavaRosa (in the ODK_Validate.jar pyxform ships) fills
the XForm the service serves and saves the instance as Collect does (javarosa/Fill.java); a client that behaves as
Collect does over HTTP (collect_client.py) downloads the form and its households.csv, then sends the instance with
three photos, split over two POSTs by the size the server advertises."""

from __future__ import annotations

import subprocess
import uuid
from pathlib import Path
from typing import Any

import httpx
import msgspec
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from service.settings import Settings
from service.visits.models import Visit, VisitPhoto
from tests.openrosa.collect_client import Collect
from tests.openrosa.conftest import Published, base
from tests.openrosa.validate import VALIDATE_JAR
from tests.support.live_server import live_server
from tests.support.world import World
from tests.visits.support import answers, noisy_jpeg

FILLER = Path(__file__).parent / "javarosa" / "Fill.java"


@pytest.fixture(scope="session")
def filler(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Fill.java compiled against the jar (javac from the JDK)."""
    classes = tmp_path_factory.mktemp("javarosa")
    subprocess.run(["javac", "-cp", str(VALIDATE_JAR), "-d", str(classes), str(FILLER)], check=True, timeout=120)
    return classes


def fill(filler: Path, form: Path, media: Path, values: dict[str, str], out: Path) -> bytes:
    answers_file = out.with_suffix(".txt")
    answers_file.write_text("".join(f"{k}={v}\n" for k, v in values.items()), encoding="utf-8")
    classpath = f"{VALIDATE_JAR}:{filler}"
    result = subprocess.run(
        ["java", "-cp", classpath, "Fill", str(form), str(media), str(answers_file), str(out)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return out.read_bytes()


def as_text(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return " ".join(value)
    if isinstance(value, dict):
        return f"{value['lat']} {value['lon']} 0.0 {value.get('accuracy_m', 0.0)}"
    return str(value)


async def test_collect_fills_with_javarosa_and_sends_three_photos_over_two_posts(
    settings: Settings,
    tmp_path: Path,
    db: AsyncSession,
    world: World,
    published: Published,
    home: uuid.UUID,
    filler: Path,
) -> None:
    photos = [noisy_jpeg((320, 240)) for _ in range(3)]
    names = ["1733400000000.jpg", "1733400000001.jpg", "1733400000002.jpg"]
    # Room for the XML and two photos, not three: Collect must split.
    accept = 6_000 + len(photos[0]) + len(photos[1])
    assert len(photos[2]) > 6_000
    live_settings = msgspec.structs.replace(settings, openrosa_accept_bytes=accept)
    with live_server(live_settings, tmp_path) as server, httpx.Client(timeout=60) as http:
        collect = Collect(server.url + base(world), http)
        (entry,) = collect.form_list()
        form = collect.download(entry, tmp_path)
        media = tmp_path / f"{entry.form_id}-media"
        assert str(home) in (media / "households.csv").read_text(encoding="utf-8")
        values = {name: as_text(value) for name, value in answers().items()}
        values |= {"gocua_household": str(home), "start_geopoint": "19.93 105.45 10.0 5.0"}
        values |= dict(zip(["evidence_photos", "evidence_photos_2", "evidence_photos_3"], names, strict=True))
        instance = fill(filler, form, media, values, tmp_path / "instance.xml")
        assert len(instance) < 6_000
        sent = collect.send(instance, list(zip(names, photos, strict=True)))
    assert sent.statuses == [201, 201]
    assert sent.incomplete_flags == [True, False]
    assert "còn chờ 1 ảnh" in sent.messages[0] and "còn chờ" not in sent.messages[1]
    visit = (await db.execute(select(Visit))).scalar_one()
    photo_rows = (await db.execute(select(VisitPhoto.idx).where(VisitPhoto.visit_id == visit.id))).scalars().all()
    assert sorted(photo_rows) == [0, 1, 2]
    assert visit.status == "complete" and visit.household_id == home
    assert visit.answers["members"] == 4 and visit.answers["guided"] == ["email"]
    assert "people" not in visit.answers  # the blank repeat instance JavaRosa keeps is no answer
    assert (visit.lat, visit.lon, visit.accuracy_m) == (19.93, 105.45, 8.0)
    assert visit.started_at is not None and visit.finished_at is not None
    await db.rollback()
