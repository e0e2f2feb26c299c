import pytest

from forms import PhotoRule, compile_form, geopoint_threshold, load_definition, required_photos, validate_answers
from tests.forms.builders import choices, form, label, question


def problems(definition, answers):
    return {(error.question, error.code) for error in validate_answers(definition, answers)}


@pytest.fixture(scope="module")
def every_type():
    return load_definition(
        form(
            question("text", "comment", max_length=10),
            question("integer", "members", min=1, max=30),
            question("decimal", "income", min=0),
            question("select_one", "vneid", choices=choices("none", "level1", "level2")),
            question("select_multiple", "apps", choices=choices("zalo", "vneid", "vnedu")),
            question("boolean", "smart"),
            question("date", "visited_on"),
            question("geopoint", "where"),
            question("note", "reminder"),
            question("photo", "pictures"),
        )
    )


def test_well_formed_answers_of_every_type_pass(every_type):
    answers = {
        "comment": "ổn",
        "members": 4,
        "income": 2.5,
        "vneid": "level2",
        "apps": ["zalo", "vnedu"],
        "smart": False,
        "visited_on": "2024-09-30",
        "where": {"lat": 19.9, "lon": 105.5, "accuracy_m": 12.0},
    }
    assert validate_answers(every_type, answers) == []
    assert validate_answers(every_type, {"income": 3}) == []  # decimal accepts whole numbers
    assert validate_answers(every_type, {"where": {"lat": 19.9, "lon": 105.5}}) == []


@pytest.mark.parametrize(
    ("name", "value", "code"),
    [
        ("comment", 5, "answer.wrong_type"),
        ("comment", "x" * 11, "answer.too_long"),
        ("members", True, "answer.wrong_type"),
        ("members", 4.0, "answer.wrong_type"),
        ("members", "4", "answer.wrong_type"),
        ("members", 0, "answer.below_min"),
        ("members", 31, "answer.above_max"),
        ("members", 2**60, "answer.out_of_range"),
        ("income", -1, "answer.below_min"),
        ("income", False, "answer.wrong_type"),
        ("income", float("nan"), "answer.wrong_type"),
        ("vneid", "level3", "answer.unknown_choice"),
        ("vneid", ["level1"], "answer.wrong_type"),
        ("apps", "zalo", "answer.wrong_type"),
        ("apps", ["zalo", "zalo"], "answer.duplicate_choice"),
        ("apps", ["zalo", "tiktok"], "answer.unknown_choice"),
        ("apps", ["zalo", 1], "answer.wrong_type"),
        ("smart", "yes", "answer.wrong_type"),
        ("smart", 1, "answer.wrong_type"),
        ("visited_on", "30/09/2024", "answer.invalid_date"),
        ("visited_on", "2024-02-30", "answer.invalid_date"),
        ("visited_on", 20240930, "answer.wrong_type"),
        ("where", [19.9, 105.5], "answer.wrong_type"),
        ("where", {"lat": 91, "lon": 105.5}, "answer.invalid_geopoint"),
        ("where", {"lat": 19.9, "lon": -181}, "answer.invalid_geopoint"),
        ("where", {"lat": 19.9}, "answer.invalid_geopoint"),
        ("where", {"lat": 19.9, "lon": 105.5, "accuracy_m": -1}, "answer.invalid_geopoint"),
        ("where", {"lat": 19.9, "lon": 105.5, "alt": 3}, "answer.invalid_geopoint"),
        ("where", {"lat": True, "lon": 105.5}, "answer.invalid_geopoint"),
        ("reminder", "answered", "answer.note_answered"),
        ("pictures", ["a.jpg"], "answer.photo_in_answers"),
        ("household_id", "123", "answer.unknown_question"),
    ],
)
def test_each_bad_answer_is_named(every_type, name, value, code):
    assert problems(every_type, {name: value}) == {(name, code)}


def test_every_error_is_listed_not_just_the_first(every_type):
    found = problems(every_type, {"members": 0, "vneid": "x", "smart": "yes", "extra": 1})
    assert found == {
        ("members", "answer.below_min"),
        ("vneid", "answer.unknown_choice"),
        ("smart", "answer.wrong_type"),
        ("extra", "answer.unknown_question"),
    }


@pytest.fixture(scope="module")
def follow_up_form():
    return load_definition(
        form(
            question("boolean", "follow_up", required=True),
            question("text", "reason", required=True, relevant="${follow_up} = true()"),
            question("integer", "school_children", required=True, min=0),
            question(
                "group",
                "school",
                relevant="${school_children} > 0",
                questions=[
                    question("boolean", "school_app", required=True),
                    question("photo", "report_card", required=True, max_count=2),
                ],
            ),
        )
    )


def test_required_only_counts_when_the_question_is_shown(follow_up_form):
    assert problems(follow_up_form, {"follow_up": False, "school_children": 0}) == set()
    assert problems(follow_up_form, {"follow_up": True, "school_children": 0}) == {("reason", "answer.required")}
    assert problems(follow_up_form, {"follow_up": True, "reason": "   ", "school_children": 0}) == {
        ("reason", "answer.required"),
    }
    assert problems(follow_up_form, {"follow_up": False, "school_children": 2}) == {
        ("school_app", "answer.required"),
    }
    assert problems(follow_up_form, {}) == {
        ("follow_up", "answer.required"),
        ("school_children", "answer.required"),
    }


def test_answering_a_hidden_question_is_an_error(follow_up_form):
    found = problems(follow_up_form, {"follow_up": False, "reason": "x", "school_children": 0, "school_app": True})
    assert found == {("reason", "answer.not_relevant"), ("school_app", "answer.not_relevant")}
    # Phones may send null for what they hid: that is not an answer.
    assert problems(follow_up_form, {"follow_up": False, "reason": None, "school_children": 0}) == set()


def test_groups_do_not_nest_answers(follow_up_form):
    assert problems(follow_up_form, {"follow_up": False, "school_children": 1, "school": {"school_app": True}}) == {
        ("school", "answer.unknown_question"),
        ("school_app", "answer.required"),
    }


def test_failed_constraint_shows_the_forms_message():
    definition = load_definition(
        form(
            question("integer", "members"),
            question(
                "integer",
                "school_children",
                constraint=". <= ${members}",
                constraint_message=label("Không thể nhiều hơn số người trong hộ.", "Cannot exceed members."),
            ),
            question("text", "phone", constraint="regex(., '0[0-9]{9}')"),
        )
    )
    errors = validate_answers(definition, {"members": 2, "school_children": 3, "phone": "12345"})
    by_question = {error.question: error for error in errors}
    assert by_question["school_children"].code == "answer.constraint_failed"
    assert by_question["school_children"].message_vi == "Không thể nhiều hơn số người trong hộ."
    assert by_question["school_children"].message_en == "Cannot exceed members."
    assert by_question["phone"].code == "answer.constraint_failed"
    assert by_question["phone"].message_vi  # a default message when the form gives none
    assert validate_answers(definition, {"members": 4, "school_children": 3, "phone": "0912345678"}) == []


def test_required_photos_follow_relevance(follow_up_form):
    assert required_photos(follow_up_form, {"follow_up": False, "school_children": 0}) == {}
    rules = required_photos(follow_up_form, {"follow_up": False, "school_children": 1})
    assert rules == {
        "report_card": PhotoRule(min_count=1, max_count=2, max_pixels=1_600_000, max_bytes=15 * 1024 * 1024),
    }


def test_geopoint_threshold_is_the_strictest():
    assert geopoint_threshold(load_definition(form(question("text", "t")))) is None
    two = load_definition(
        form(
            question("geopoint", "house"),
            question("geopoint", "field", accuracy_threshold_m=20),
        )
    )
    assert geopoint_threshold(two) == 20


def test_compiled_form_is_reused_and_accepted(follow_up_form):
    compiled = compile_form(follow_up_form)
    assert compile_form(follow_up_form) is compiled
    assert validate_answers(compiled, {"follow_up": True, "school_children": 0}) == validate_answers(
        follow_up_form, {"follow_up": True, "school_children": 0}
    )


def test_answers_must_be_an_object(follow_up_form):
    assert problems(follow_up_form, ["follow_up"]) >= {("", "answer.wrong_type")}
