"""Form checks for repeats, calculations, defaults and choice filters written as JSON (as admins write them)."""

from __future__ import annotations

import pytest

from forms import FormDefinitionError, load_definition, validate_answers
from tests.forms.builders import choices, form, question


def codes(definition) -> set[tuple[str, str]]:
    with pytest.raises(FormDefinitionError) as caught:
        load_definition(definition)
    return {(error.path, error.code) for error in caught.value.errors}


def test_repeats_cannot_nest_hold_photos_or_be_read_whole_outside_count():
    people = question(
        "repeat",
        "people",
        questions=[
            question("integer", "age"),
            question("photo", "face"),
            question("repeat", "phones", questions=[question("text", "phone_model")]),
        ],
    )
    found = codes(
        form(
            people,
            {"type": "calculate", "name": "ages", "calculation": "${age} + 1"},
            {"type": "calculate", "name": "everyone", "calculation": "sum(${people})"},
            {"type": "calculate", "name": "later", "calculation": "${after}"},
            question("integer", "after"),
        )
    )
    assert found == {
        ("questions[0].questions[1].type", "form.photo_in_repeat"),
        ("questions[0].questions[2].type", "form.nested_repeat"),
        ("questions[1].calculation", "form.repeat_needs_aggregate"),
        ("questions[2].calculation", "form.repeat_needs_aggregate"),
        ("questions[3].calculation", "form.forward_reference"),
    }


def test_defaults_must_be_valid_answers_and_choice_filters_must_parse():
    found = codes(
        form(
            question("select_one", "kind", choices=choices("a", "b"), default="c"),
            question("geopoint", "where", default="1 2"),
            question("select_one", "sub", choices=choices("x"), choice_filter="kind = ${kind"),
            question("range", "score", start=1, end=1),
        )
    )
    assert found == {
        ("questions[0].default", "form.invalid_default"),
        ("questions[1].default", "form.invalid_default"),
        ("questions[2].choice_filter", "form.bad_expression"),
        ("questions[3].end", "form.range_bounds"),
    }


def test_a_hidden_repeat_must_not_be_answered_and_questions_of_a_repeat_stay_inside_it():
    definition = load_definition(
        form(
            question("boolean", "has_people"),
            question("repeat", "people", relevant="${has_people}", questions=[question("integer", "age")]),
        )
    )
    assert [(e.question, e.code) for e in validate_answers(definition, {"has_people": True, "age": 3})] == [
        ("age", "answer.unknown_question")
    ]
    assert [
        (e.question, e.code) for e in validate_answers(definition, {"has_people": False, "people": [{"age": 3}]})
    ] == [("people", "answer.not_relevant")]
    assert validate_answers(definition, {"has_people": True, "people": [{"age": 3}, {}]}) == []


def test_a_new_version_may_not_move_a_question_into_or_out_of_a_repeat():
    from forms import check_compatible

    before = load_definition(
        form(question("integer", "age"), question("repeat", "people", questions=[question("boolean", "phone")]))
    )
    after = load_definition(
        form(question("repeat", "people", questions=[question("integer", "age")]), question("boolean", "phone"))
    )
    assert [(e.path, e.code) for e in check_compatible(before, after)] == [
        ("questions[0].questions[0]", "form.moved_across_repeat"),
        ("questions[1]", "form.moved_across_repeat"),
    ]
    assert check_compatible(before, before) == []


JUNK = [
    None,
    True,
    0,
    -1,
    2.5,
    10**20,
    "",
    "x",
    "level2",
    "14:30",
    "2026-12-01T08:00",
    [],
    ["none"],
    [{}],
    {},
    {"lat": 1, "lon": 2},
    [1, "a"],
    float("nan"),
]


def test_any_shape_of_repeat_answers_gives_errors_never_an_exception():
    import random

    from forms.answers import run_visit
    from forms.bundled import bundled_form_paths

    definition = load_definition(bundled_form_paths()[0].read_bytes())
    names = ["person_age", "person_vneid", "person_smartphone", "person_15_plus", "members", "nobody"]
    rng = random.Random(12)
    for _ in range(400):
        people: object = (
            [
                {rng.choice(names): rng.choice(JUNK) for _ in range(rng.randint(0, 4))}
                if rng.random() < 0.8
                else rng.choice(JUNK)
                for _ in range(rng.randint(0, 5))
            ]
            if rng.random() < 0.9
            else rng.choice(JUNK)
        )
        answers = {"members": rng.choice(JUNK), "people": people, rng.choice(names): rng.choice(JUNK)}
        state = run_visit(definition, answers)
        assert all(error.question and error.message_vi and error.message_en for error in state.errors)
