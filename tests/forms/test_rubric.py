from forms import load_definition, score
from tests.forms.builders import form, label, question


def test_a_form_without_rubric_has_no_level():
    result = score(load_definition(form(question("boolean", "smart"))), {"smart": True})
    assert (result.indicators, result.level, result.level_name) == ({}, None, None)


def test_highest_holding_level_wins_and_none_when_nothing_holds():
    definition = load_definition(
        form(
            question("integer", "apps_used", min=0),
            rubric={
                "indicators": [
                    {"name": "some", "label": label("Có dùng"), "condition": "${apps_used} >= 1"},
                    {"name": "many", "label": label("Dùng nhiều"), "condition": "${apps_used} >= 3"},
                ],
                "levels": [
                    {"value": 1, "name": label("Một"), "condition": "some"},
                    {"value": 2, "name": label("Hai"), "condition": "many"},
                ],
            },
        )
    )
    assert score(definition, {"apps_used": 0}).level is None
    assert score(definition, {"apps_used": 1}).level == 1
    high = score(definition, {"apps_used": 5})
    assert (high.level, high.level_name["vi"], high.indicators) == (2, "Hai", {"some": True, "many": True})
    # An unusable answer counts as unanswered rather than crashing the score.
    assert score(definition, {"apps_used": "many"}).indicators == {"some": False, "many": False}
