"""The error catalog is closed: every code a client can see is declared once in service/errors.py."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from service import errors

ROOT = Path(__file__).resolve().parents[2]


def test_a_code_cannot_be_declared_twice() -> None:
    with pytest.raises(ValueError, match="declared twice"):
        errors._kind("request.invalid", 400, "x", "x")


def test_every_photo_refusal_raised_by_storage_is_in_the_catalog() -> None:
    source = (ROOT / "storage" / "photo_checks.py").read_text()
    codes = set(re.findall(r'"(photo\.[a-z_]+)"', source))
    assert codes, "no photo codes found"
    assert codes <= errors.CATALOG.keys()


@pytest.mark.parametrize("status", [400, 401, 403, 404, 405, 406, 408, 409, 413, 414, 415, 422, 429, 431])
def test_framework_refusals_map_to_a_declared_kind_with_their_status(status: int) -> None:
    kind = errors.for_http_status(status)
    assert kind.status == status
    assert errors.CATALOG[kind.code] is kind


def test_an_unlisted_client_error_is_a_plain_bad_request_and_adds_nothing() -> None:
    before = dict(errors.CATALOG)
    assert errors.for_http_status(418) is errors.BAD_REQUEST
    assert errors.for_code("photo.never_heard_of", errors.PHOTO_CORRUPT) is errors.PHOTO_CORRUPT
    assert before == errors.CATALOG
