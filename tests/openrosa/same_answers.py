"""One household visit, answered once, rendered for every route: the JSON the phone app posts, and the taps a
member makes in an ODK client (by question name, as the generated XForm names them).

Booleans are yes/no choices in an XForm, numbers are typed, choices picked by value, the location is "take the
fix" (the browser context holds it), the photo a file chosen on the device.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import forms
from forms.bundled import bundled_form_paths
from tests.openrosa.web_forms_steps import GPS
from tests.visits.support import HOME, jpeg

ACCURACY_M = 8.0
VIETNAM = timezone(timedelta(hours=7))
PHOTO_QUESTION = "evidence_photos"

ANSWERS: dict[str, Any] = {
    "members": 3,
    "elderly_only": False,
    "temporary_resident": False,
    "school_children": 1,
    "people": [{"person_age": 42, "person_vneid": "level2", "person_smartphone": True, "person_health_book": False}],
    "has_smartphone": True,
    "has_mobile_data": True,
    "has_email": False,
    "vneid_level": "level2",
    "public_services": "with_help",
    "cashless": True,
    "health_book": False,
    "ecommerce": "buy",
    "school_app": True,
    "data_worries": ["scam_calls"],
    "guided": ["vneid", "email"],
    "follow_up": False,
    "location": {"lat": HOME[0], "lon": HOME[1], "accuracy_m": ACCURACY_M},
}


def located(accuracy_m: float) -> dict[str, Any]:
    """ANSWERS with the location fix of this accuracy (the browsers take it from the device's geolocation)."""
    return {**ANSWERS, "location": {**ANSWERS["location"], "accuracy_m": accuracy_m}}


def definition() -> forms.FormDefinition:
    return forms.load_definition(bundled_form_paths()[0].read_bytes())


def phone_photo(seed: int, taken_at: datetime | None = None) -> bytes:
    """A phone camera's JPEG: 1600 × 1200, EXIF time (Vietnam wall clock, with its offset) and GPS at the house."""
    moment = (taken_at or datetime.now(UTC)).astimezone(VIETNAM)
    return jpeg(seed, size=(1600, 1200), taken_at=moment, offset="+07:00", gps=HOME)


def photo_payload(seed: int) -> dict[str, Any]:
    return {"name": f"IMG_{seed:04d}.jpg", "mimeType": "image/jpeg", "buffer": phone_photo(seed)}


def grainy_photo(seed: int, gps: tuple[float, float]) -> bytes:
    """A 1200 × 900 JPEG of noise (about a megabyte, the same bytes for the same seed), under the form's
    max-pixels so no client resizes it, with EXIF time now and the given GPS."""
    import io
    import random

    from PIL import ExifTags, Image

    image = Image.frombytes("RGB", (1200, 900), random.Random(seed).randbytes(1200 * 900 * 3))
    with Image.open(io.BytesIO(jpeg(seed, taken_at=datetime.now(UTC).astimezone(VIETNAM), gps=gps))) as tagged:
        exif = tagged.getexif()
    exif.get_ifd(ExifTags.IFD.Exif)[ExifTags.Base.OffsetTimeOriginal] = "+07:00"
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=90, exif=exif)
    return buffer.getvalue()


def _taps(questions: list[forms.Question], answers: dict[str, Any]) -> dict[str, Any]:
    taps: dict[str, Any] = {}
    for question in questions:
        if isinstance(question, forms.Group):
            taps.update(_taps(list(question.questions), answers))
        elif isinstance(question, forms.RepeatGroup):
            taps[question.name] = [_taps(list(question.questions), item) for item in answers.get(question.name, [])]
        elif question.name not in answers:
            continue
        elif isinstance(question, forms.BooleanQuestion):
            taps[question.name] = "yes" if answers[question.name] else "no"
        elif isinstance(question, forms.GeopointQuestion):
            taps[question.name] = GPS
        elif isinstance(question, forms.SelectMultipleQuestion):
            taps[question.name] = list(answers[question.name])
        else:
            taps[question.name] = str(answers[question.name])
    return taps


def client_taps(household_id: str, photos: list[dict[str, Any]]) -> dict[str, Any]:
    """What a member answers in an ODK client: the household, every question, the photos (slot 0 first)."""
    from service.openrosa.xform import HOUSEHOLD, photo_field_names

    taps = _taps(list(definition().questions), ANSWERS)
    taps[HOUSEHOLD] = household_id
    question = next(q for q in _all(definition().questions) if q.name == PHOTO_QUESTION)
    assert isinstance(question, forms.PhotoQuestion)
    for field, photo in zip(photo_field_names(question), photos, strict=False):
        taps[field] = photo
    return taps


def _all(questions: Any) -> Any:
    for question in questions:
        yield question
        if isinstance(question, (forms.Group, forms.RepeatGroup)):
            yield from _all(question.questions)


def json_visit(
    form: tuple[str, str], household_id: str, started: datetime, finished: datetime, accuracy_m: float = ACCURACY_M
) -> dict[str, Any]:
    """The same visit as the phone app posts it to /api/v1/visits."""
    return {
        "id": str(uuid.uuid4()),
        "form_id": form[0],
        "form_version": form[1],
        "household_id": household_id,
        "started_at": started.isoformat(),
        "finished_at": finished.isoformat(),
        "location": {"lat": HOME[0], "lon": HOME[1], "accuracy_m": accuracy_m, "captured_at": finished.isoformat()},
        "answers": located(accuracy_m),
        "app": {"name": "gocua-android", "version": "1.4.2"},
    }
