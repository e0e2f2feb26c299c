"""Drawing a report's PDF must not weaken the photo checks of the same process: importing WeasyPrint sets Pillow's
process-wide LOAD_TRUNCATED_IMAGES, after which a photo cut short in transit decoded as if whole."""

from __future__ import annotations

from service.reports.pdf_writer import _weasyprint_html
from tests.storage.photo_factory import phone_jpeg
from tests.storage.test_photos import rejected


def test_a_truncated_photo_is_still_refused_after_weasyprint_is_loaded() -> None:
    assert _weasyprint_html() is not None
    data = phone_jpeg()
    assert rejected(data[: len(data) // 2]) == "photo.corrupt"
