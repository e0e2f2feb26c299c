import json

import pytest

from forms import (
    FormDefinitionError,
    IntegerQuestion,
    PhotoQuestion,
    canonical_json,
    check_compatible,
    content_hash,
    load_definition,
)
from tests.forms.builders import choices, form, label, question


def errors_of(definition):
    with pytest.raises(FormDefinitionError) as caught:
        load_definition(definition)
    return {(error.path, error.code) for error in caught.value.errors}, caught.value.errors


def test_minimal_form_loads_from_dict_bytes_and_text():
    definition = form(question("text", "note_text"))
    for data in (definition, json.dumps(definition), json.dumps(definition).encode()):
        loaded = load_definition(data)
        assert loaded.id == "test-form"
        assert loaded.default_language == "vi"


def test_defaults_are_filled_in():
    loaded = load_definition(
        form(
            question("text", "comment"),
            question("photo", "required_photo", required=True),
            question("photo", "optional_photo"),
            question("geopoint", "where"),
        )
    )
    text, required_photo, optional_photo, where = loaded.questions
    assert text.max_length == 500
    assert (required_photo.min_count, required_photo.max_count) == (1, 1)
    assert required_photo.max_pixels == 1_600_000 and required_photo.max_bytes == 15 * 1024 * 1024
    assert optional_photo.min_count == 0
    assert where.accuracy_threshold_m == 50


def test_every_problem_of_a_broken_definition_is_reported_with_its_path():
    broken = form(
        question("integer", "members", min=10, max=2),
        question("select_one", "phone", choices=choices("yes", "no", "yes")),
        question("text", "members"),
        question("select_multiple", "apps", choices=[]),
        question("text", "age", relevant="${members} >"),
        question("boolean", "smart", relevant="selected(${phone}, 'maybe')"),
        question("photo", "pictures", min_count=4, max_count=3),
        question("text", "2bad"),
        question("text", "asks", constraint="${nobody} = 1"),
        rubric={
            "indicators": [{"name": "big", "label": label("Đông"), "condition": "${members} > 4"}],
            "levels": [
                {"value": 1, "name": label("Một"), "condition": "true"},
                {"value": 1, "name": label("Hai"), "condition": "big and tiny"},
            ],
        },
    )
    found, errors = errors_of(broken)
    assert found == {
        ("questions[0].min", "form.min_above_max"),
        ("questions[1].choices[2].value", "form.duplicate_choice"),
        ("questions[2].name", "form.duplicate_name"),
        ("questions[3].choices", "form.no_choices"),
        ("questions[4].relevant", "form.bad_expression"),
        ("questions[5].relevant", "form.unknown_choice"),
        ("questions[6].min_count", "form.photo_count"),
        ("questions[7].name", "form.invalid_name"),
        ("questions[8].constraint", "form.unknown_reference"),
        ("rubric.levels[1].value", "form.levels_not_increasing"),
        ("rubric.levels[1].condition", "form.unknown_reference"),
    }
    for error in errors:
        assert error.message_vi and error.message_en


def test_structure_errors_and_meaning_errors_come_together():
    broken = form(
        question("integer", "members", min="one"),
        {"type": "dropdown", "name": "kind", "label": label("Loại")},
        {"type": "text", "name": "nickname", "lable": label("x")},
        question("boolean", "smart", requried=True),
        question("text", "later_ref", relevant="${smart} = true() and ${after} = 'x'"),
        question("group", "grp", questions=[question("integer", "count", max=-1.5)]),
        question("text", "after"),
        title={"en": "No Vietnamese"},
    )
    found, _ = errors_of(broken)
    assert found == {
        ("title.vi", "form.missing_vietnamese"),
        ("questions[0].min", "form.invalid_structure"),
        ("questions[1].type", "form.unknown_question_type"),
        ("questions[2].lable", "form.unknown_field"),
        ("questions[2].label", "form.missing_field"),
        ("questions[3].requried", "form.unknown_field"),
        ("questions[4].relevant", "form.forward_reference"),
        ("questions[5].questions[0].max", "form.invalid_structure"),
    }


def test_forward_references_are_refused():
    found, _ = errors_of(
        form(
            question("boolean", "has_phone", relevant="${has_data} = true()"),
            question("boolean", "has_data"),
            question("group", "extra", relevant="${inside} > 1", questions=[question("integer", "inside")]),
            question("integer", "own", relevant="${own} > 1"),
        )
    )
    assert found == {
        ("questions[0].relevant", "form.forward_reference"),
        ("questions[2].relevant", "form.forward_reference"),
        ("questions[3].relevant", "form.forward_reference"),
    }


def test_constraint_may_use_dot_and_its_own_name_but_relevant_may_not_use_dot():
    load_definition(form(question("integer", "n", constraint=". > 0 and ${n} < 100")))
    found, _ = errors_of(form(question("integer", "n", relevant=". > 0")))
    assert found == {("questions[0].relevant", "form.current_outside_constraint")}


def test_expressions_cannot_read_notes_photos_or_groups():
    found, _ = errors_of(
        form(
            question("note", "intro"),
            question("photo", "pic"),
            question("group", "grp", questions=[question("text", "inner")]),
            question("text", "t", relevant="${intro} = '' or ${pic} = '' or ${grp} = ''"),
        )
    )
    assert found == {("questions[3].relevant", "form.unanswerable_reference")}


def test_rubric_indicators_must_name_questions_and_be_unique():
    found, _ = errors_of(
        form(
            question("boolean", "smart"),
            rubric={
                "indicators": [
                    {"name": "a", "label": label("A"), "condition": "${smart} and ${ghost}"},
                    {"name": "a", "label": label("A"), "condition": "${smart}"},
                ],
                "levels": [{"value": 0, "name": label("0"), "condition": "smart"}],
            },
        )
    )
    assert found == {
        ("rubric.indicators[0].condition", "form.unknown_reference"),
        ("rubric.indicators[1].name", "form.duplicate_name"),
        ("rubric.levels[0].condition", "form.unknown_reference"),
    }


def test_empty_form_bad_json_and_non_object():
    assert errors_of(form())[0] == {("questions", "form.empty_form")}
    assert errors_of(b"{not json")[0] == {("", "form.invalid_json")}
    assert errors_of("[1, 2]")[0] == {("", "form.invalid_structure")}


def test_canonical_json_and_hash_ignore_key_order_and_spelled_out_defaults():
    plain = form(question("text", "comment"))
    explicit = dict(reversed(list(form(question("text", "comment", max_length=500, required=False)).items())))
    first, second = load_definition(plain), load_definition(explicit)
    assert canonical_json(first) == canonical_json(second)
    assert content_hash(first) == content_hash(second)
    assert len(content_hash(first)) == 64
    changed = load_definition(form(question("text", "comment", max_length=400)))
    assert content_hash(changed) != content_hash(first)
    assert load_definition(canonical_json(first)) == first


def test_retyping_a_question_between_versions_is_refused():
    previous = load_definition(
        form(
            question("integer", "members"),
            question("group", "grp", questions=[question("boolean", "smart")]),
            question("text", "removed_later"),
        )
    )
    new = load_definition(
        form(
            question("integer", "members"),
            question(
                "group",
                "grp",
                questions=[
                    question("select_one", "smart", choices=choices("yes", "no")),
                ],
            ),
            question("text", "added_now"),
            version="2",
        )
    )
    errors = check_compatible(previous, new)
    assert [(error.path, error.code) for error in errors] == [("questions[1].questions[0]", "form.retyped_question")]
    assert check_compatible(previous, previous) == []


def test_loaded_questions_are_typed_structs():
    loaded = load_definition(form(question("integer", "n", min=0, max=9), question("photo", "p", max_count=3)))
    assert isinstance(loaded.questions[0], IntegerQuestion)
    assert isinstance(loaded.questions[1], PhotoQuestion) and loaded.questions[1].max_count == 3


def test_a_definition_stored_by_the_first_release_keeps_its_exact_bytes_and_hash():
    """Stored definitions need no migration: labels were already {vi, en} mappings and new fields stay out."""
    from pathlib import Path

    stored = (Path(__file__).parent / "data" / "household_digital_skills_v1_first_release.json").read_bytes()
    definition = load_definition(stored)
    assert content_hash(definition) == "d48a15e7537453f23642ed793ea6eb5bcf1642f9a71499bbd4d51dfcb5457afd"
    assert b'"columns"' not in canonical_json(definition) and b'"read_only"' not in canonical_json(definition)


def test_labels_take_any_language_and_old_phones_still_find_vi_and_en():
    definition = load_definition(
        form(
            {"type": "integer", "name": "members", "label": {"vi": "Số người", "fr": "Nombre", "zh-Hans": "人数"}},
            title={"vi": "Mẫu thử"},
        )
    )
    assert definition.questions[0].label == {"vi": "Số người", "fr": "Nombre", "zh-Hans": "人数", "en": "Số người"}
    assert definition.title == {"vi": "Mẫu thử", "en": "Mẫu thử"}
    found, _ = errors_of(
        form({"type": "integer", "name": "members", "label": {"en": "Members", "Français": "Nombre", "fr": " "}})
    )
    assert found == {
        ("questions[0].label.vi", "form.missing_vietnamese"),
        ("questions[0].label.Français", "form.invalid_language"),
        ("questions[0].label.fr", "form.empty_label"),
    }


def test_version_may_be_left_out_and_is_then_derived_from_the_content():
    unversioned = form(question("integer", "members"))
    del unversioned["version"]
    first = load_definition(unversioned).version
    assert first == load_definition(unversioned).version and first.startswith("auto-")
    unversioned["questions"][0]["name"] = "people"
    assert load_definition(unversioned).version != first
    assert ("version", "form.invalid_version") in errors_of(form(question("integer", "members"), version="  "))[0]
