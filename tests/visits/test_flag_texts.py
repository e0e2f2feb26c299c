"""The one flag catalog: every flag the evidence rules can raise has its name, badge and explanation in
Vietnamese and English, and the pages and the report take their words from it."""

from __future__ import annotations

import pytest

from service.pages import words
from service.reports import services as report_services
from service.visits.evidence_rules import FLAG_CODES
from service.visits.flag_texts import FLAG_NAMES, flag_badge, flag_explanation, flag_name


@pytest.mark.parametrize("code", FLAG_CODES)
def test_every_flag_is_worded_in_both_languages(code: str) -> None:
    assert code in FLAG_NAMES
    vi, en = flag_name(code, "vi"), flag_name(code, "en")
    assert vi and en and vi != en and code not in (vi, en)
    for lang in ("vi", "en"):
        assert flag_badge(code, 420.0, lang) != code
        assert flag_explanation(code, 420.0, "evidence_photos[0]: taken before the visit", lang) != code


def test_pages_and_report_use_the_catalog() -> None:
    assert set(FLAG_NAMES) == set(FLAG_CODES)
    assert words.flag_name is flag_name and words.flag_badge is flag_badge
    assert report_services.flag_name is flag_name
