"""The one-pass evaluation used on the hot path agrees with forms' own validate/required_photos/score."""

from __future__ import annotations

import pytest

import forms
from forms.bundled import bundled_form_paths
from service.visits.answers import evaluate
from tests.support.forms_data import small_form
from tests.visits.support import answers

BUNDLED = forms.compile_form(forms.load_definition(bundled_form_paths()[0].read_bytes()))
SMALL = forms.compile_form(forms.load_definition(small_form()))

CASES = [
    (BUNDLED, answers()),
    (
        BUNDLED,
        answers(
            has_smartphone=False,
            has_mobile_data=None,
            public_services="never",
            cashless=False,
            ecommerce="no",
            vneid_level="none",
            school_children=0,
            school_app=None,
        ),
    ),
    (BUNDLED, answers(public_services="self", has_email=True, health_book=True)),
    (BUNDLED, answers(members="many", follow_up_reason="hidden", unknown=1)),
    (BUNDLED, {}),
    (SMALL, {"members": 3}),
    (SMALL, {"head_name": 5}),
]


@pytest.mark.parametrize(("form", "given"), CASES)
def test_one_pass_matches_the_forms_package(form, given) -> None:
    result = evaluate(form, given)
    assert result.errors == forms.validate_answers(form, given)
    assert result.photo_rules == forms.required_photos(form, given)
    assert result.level == forms.score(form, given).level
