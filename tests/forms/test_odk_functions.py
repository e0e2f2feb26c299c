"""ODK's functions where they meet a visit: the CSV hook of pulldata(), jr:choice-name(), position(..), and the
calculations only the phone can make (random, now, uuid, once), kept as sent."""

from __future__ import annotations

import math

from forms import load_definition
from forms.answers import run_visit
from forms.expr import evaluate, parse
from forms.expr_ast import EvalContext
from tests.forms.builders import choices, form, question

LEVEL2 = {"vi": "Mức 2", "en": "Level 2"}
PEOPLE = [{"id": "1", "head": "Nguyễn Văn An"}, {"id": "2", "head": "Trần Thị Bình"}]


def test_pulldata_reads_the_form_versions_csv_through_the_tables_hook():
    definition = load_definition(
        form(
            question("integer", "household_no"),
            {
                "type": "calculate",
                "name": "head",
                "calculation": "pulldata('households', 'head', 'id', ${household_no})",
            },
            question("text", "confirm", relevant="${head} != ''", constraint=". = ${head}"),
        )
    )
    tables = {"households.csv": PEOPLE}
    state = run_visit(definition, {"household_no": 2, "confirm": "Trần Thị Bình"}, tables=tables)
    assert state.errors == [] and state.stored["head"] == "Trần Thị Bình"
    # no such row: no value, and the question that needs one is hidden
    state = run_visit(definition, {"household_no": 9}, tables=tables)
    assert "head" not in state.stored and state.visible["confirm"] is False
    # a callable works as well as a mapping; without tables pulldata() gives ''
    assert evaluate("pulldata('households.csv', 'head', 'id', '1')", {}) == ""
    ctx = EvalContext({}, tables=lambda name: PEOPLE if name == "households.csv" else None)
    assert parse("pulldata('households', 'head', 'id', '1')").evaluate(ctx) == "Nguyễn Văn An"


def test_choice_name_position_and_version_come_from_the_form():
    definition = load_definition(
        form(
            question("select_one", "vneid", choices=[*choices("none"), {"value": "level2", "label": LEVEL2}]),
            {"type": "calculate", "name": "vneid_text", "calculation": "jr:choice-name(${vneid}, '${vneid}')"},
            {"type": "calculate", "name": "form_version", "calculation": "version()"},
            {
                "type": "repeat",
                "name": "people",
                "label": {"vi": "Người", "en": "People"},
                "questions": [
                    question("integer", "age"),
                    {"type": "calculate", "name": "place", "calculation": "position(..)"},
                ],
            },
            {"type": "calculate", "name": "second_age", "calculation": "indexed-repeat(${age}, ${people}, 2)"},
            {"type": "calculate", "name": "oldest", "calculation": "max(${age})"},
        )
    )
    state = run_visit(definition, {"vneid": "level2", "people": [{"age": 40}, {"age": 9}]})
    assert state.errors == []
    assert state.stored["vneid_text"] == "Mức 2"  # the label in the form's first language
    assert state.stored["form_version"] == "1"
    assert [person["place"] for person in state.stored["people"]] == [1, 2]
    assert (state.stored["second_age"], state.stored["oldest"]) == (9, 40)


def test_calculations_only_the_phone_can_make_are_kept_as_sent():
    definition = load_definition(
        form(
            question("integer", "members"),
            {"type": "calculate", "name": "visit_key", "calculation": "once(uuid())"},
            {"type": "calculate", "name": "draw", "calculation": "random()"},
            {"type": "calculate", "name": "double", "calculation": "${members} * 2"},
        )
    )
    sent = {"members": 3, "visit_key": "7f0c1e7e-0000-4000-8000-000000000001", "draw": 0.25, "double": 99}
    state = run_visit(definition, sent)
    assert state.errors == []
    assert state.stored["visit_key"] == sent["visit_key"] and state.stored["draw"] == 0.25
    assert state.stored["double"] == 6  # the server's own value replaces what was sent
    state = run_visit(definition, {"members": 3})
    assert "visit_key" not in state.stored and "draw" not in state.stored


def test_a_calculation_with_no_number_stores_nothing():
    definition = load_definition(
        form(question("integer", "members"), {"type": "calculate", "name": "per", "calculation": "10 div ${members}"})
    )
    assert "per" not in run_visit(definition, {"members": 0}).stored  # Infinity has no JSON
    assert "per" not in run_visit(definition, {}).stored  # NaN neither
    assert run_visit(definition, {"members": 4}).stored["per"] == 2.5
    assert math.isinf(evaluate("10 div ${m}", {"m": 0}))


def test_geofence_area_and_distance_of_a_commune():
    shape = "19.80 105.70 0 0; 19.80 105.80 0 0; 19.90 105.80 0 0; 19.90 105.70 0 0; 19.80 105.70 0 0"
    answers = {"home": {"lat": 19.85, "lon": 105.75, "accuracy_m": 5}, "far": "20.5 105.75", "shape": shape}
    assert evaluate("geofence(${home}, ${shape})", answers) is True
    assert evaluate("geofence(${far}, ${shape})", answers) is False
    assert evaluate("geofence(${missing}, ${shape})", answers) is False
    assert 115_000_000 < evaluate("area(${shape})", answers) < 125_000_000  # about 10.5 km × 11.1 km
    assert 11_000 < evaluate("distance('19.80 105.70; 19.90 105.70')", {}) < 11_200
