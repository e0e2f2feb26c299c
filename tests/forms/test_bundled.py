import pytest

from forms import (
    bundled_form_paths,
    geopoint_threshold,
    load_definition,
    required_photos,
    score,
    validate_answers,
)


@pytest.fixture(scope="module")
def household_form():
    (path,) = [path for path in bundled_form_paths() if path.name == "household_digital_skills_v2.json"]
    return load_definition(path.read_bytes())


def visit(**overrides):
    """A plain household: a smartphone, nothing else yet."""
    answers = {
        "members": 3,
        "elderly_only": False,
        "temporary_resident": False,
        "school_children": 0,
        "has_smartphone": True,
        "has_mobile_data": False,
        "has_email": False,
        "vneid_level": "none",
        "public_services": "never",
        "cashless": False,
        "health_book": False,
        "ecommerce": "no",
        "data_worries": ["scam_calls"],
        "guided": ["vneid"],
        "follow_up": False,
        "location": {"lat": 19.93, "lon": 105.42, "accuracy_m": 8},
    }
    answers.update(overrides)
    return {key: value for key, value in answers.items() if value is not None}


def test_bundled_form_is_the_household_assessment(household_form):
    assert household_form.id == "household-digital-skills"
    assert household_form.version == "2"
    assert household_form.title["vi"] == "Đánh giá kỹ năng số hộ gia đình"
    assert household_form.title["en"] == "Household digital-skill assessment"
    levels = [level.name["en"] for level in household_form.rubric.levels]
    assert levels == ["Not yet reached", "Basic", "Can use", "Proficient"]
    assert geopoint_threshold(household_form) == 50


def test_every_bundled_file_loads():
    assert bundled_form_paths()
    for path in bundled_form_paths():
        load_definition(path.read_bytes())


def test_a_plain_visit_is_valid_and_needs_photos(household_form):
    assert validate_answers(household_form, visit()) == []
    rules = required_photos(household_form, visit())
    assert list(rules) == ["evidence_photos"]
    assert (rules["evidence_photos"].min_count, rules["evidence_photos"].max_count) == (1, 3)


def test_gps_is_required(household_form):
    errors = validate_answers(household_form, visit(location=None))
    assert [(error.question, error.code) for error in errors] == [("location", "answer.required")]


def test_school_app_is_asked_only_with_school_children(household_form):
    assert validate_answers(household_form, visit(school_app=True))[0].code == "answer.not_relevant"
    errors = validate_answers(household_form, visit(school_children=1))
    assert [(error.question, error.code) for error in errors] == [("school_app", "answer.required")]
    assert validate_answers(household_form, visit(school_children=1, school_app=True)) == []


def test_follow_up_needs_a_reason(household_form):
    errors = validate_answers(household_form, visit(follow_up=True))
    assert [(error.question, error.code) for error in errors] == [("follow_up_reason", "answer.required")]
    assert validate_answers(household_form, visit(follow_up=True, follow_up_reason="Chưa có email")) == []


def test_no_worries_cannot_be_combined(household_form):
    errors = validate_answers(household_form, visit(data_worries=["none", "scam_calls"]))
    assert [(error.question, error.code) for error in errors] == [("data_worries", "answer.constraint_failed")]
    assert "Không lo ngại gì" in errors[0].message_vi


def test_school_children_cannot_exceed_members(household_form):
    errors = validate_answers(household_form, visit(members=2, school_children=3, school_app=False))
    assert [(error.question, error.code) for error in errors] == [("school_children", "answer.constraint_failed")]


def test_elderly_household_without_smartphone_is_not_yet_reached(household_form):
    answers = visit(elderly_only=True, has_smartphone=False, has_mobile_data=None)
    assert validate_answers(household_form, answers) == []
    result = score(household_form, answers)
    assert result.level == 0
    assert result.level_name["vi"] == "Chưa tiếp cận"
    assert result.indicators["has_smartphone"] is False


def test_smartphone_with_vneid_level2_is_basic(household_form):
    result = score(household_form, visit(vneid_level="level2"))
    assert (result.level, result.level_name["en"]) == (1, "Basic")


def test_household_using_services_with_help_can_use(household_form):
    answers = visit(vneid_level="level2", public_services="with_help", cashless=True)
    assert validate_answers(household_form, answers) == []
    result = score(household_form, answers)
    assert (result.level, result.level_name["vi"]) == (2, "Sử dụng được")
    assert result.indicators["uses_public_services"] and not result.indicators["public_services_alone"]


def test_self_sufficient_household_is_proficient(household_form):
    answers = visit(
        vneid_level="level2",
        public_services="self",
        cashless=True,
        has_email=True,
        has_mobile_data=True,
        ecommerce="sell",
    )
    result = score(household_form, answers)
    assert (result.level, result.level_name["en"]) == (3, "Proficient")
    assert all(result.indicators[name] for name in ("email", "ecommerce", "mobile_data", "cashless"))


def test_hidden_answers_do_not_count_towards_the_level(household_form):
    # has_mobile_data is hidden without a smartphone, so its stray answer is ignored.
    result = score(household_form, visit(has_smartphone=False, has_mobile_data=True))
    assert result.indicators["mobile_data"] is False
