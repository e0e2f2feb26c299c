"""A corpus of XLSForms, one per feature ODK and Kobo users rely on, built here with openpyxl.

Each form is imported (pyxform → our spec → load_definition), then visits are checked as ODK
Collect would: a hand-written visit that must pass, and per feature one that must fail with the
right path and message.
"""

from __future__ import annotations

import io
from typing import Any

import openpyxl
import pytest

from forms import (
    FormDefinitionError,
    convert_xlsform_report,
    load_definition,
    score,
    validate_answers,
)
from forms.answers import run_visit


def xlsform(
    survey: list[list[Any]], choices: list[list[Any]] | None = None, settings: list[list[Any]] | None = None
) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "survey"
    for row in survey:
        sheet.append(row)
    for title, rows in (("choices", choices), ("settings", settings)):
        if rows:
            extra = book.create_sheet(title)
            for row in rows:
                extra.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def publish(survey, choices=None, settings=(("form_id", "version"), ("corpus", "1"))):
    converted, warnings = convert_xlsform_report(xlsform(survey, choices, [list(r) for r in settings]))
    return load_definition(converted), warnings


def problems(definition, answers) -> list[tuple[str, str, str]]:
    return [(e.question, e.code, e.message_en) for e in validate_answers(definition, answers)]


def refusals(survey, choices=None, settings=(("form_id", "version"), ("corpus", "1"))) -> list[Any]:
    with pytest.raises(FormDefinitionError) as caught:
        converted, _ = convert_xlsform_report(xlsform(survey, choices, [list(r) for r in settings]))
        load_definition(converted)
    return caught.value.errors


# ---- version and languages ------------------------------------------------------------------------------------


def test_form_without_version_publishes_under_a_version_derived_from_its_content():
    survey = [["type", "name", "label"], ["integer", "members", "Số người"]]
    first, _ = publish(survey, settings=[["form_id"], ["no-version"]])
    again, _ = publish(survey, settings=[["form_id"], ["no-version"]])
    changed, _ = publish([*survey, ["text", "note_text", "Ghi chú"]], settings=[["form_id"], ["no-version"]])
    assert first.version == again.version
    assert first.version.startswith("auto-") and changed.version != first.version
    assert problems(first, {"members": 3}) == []


def test_labels_in_many_languages_vietnamese_first_and_unknown_languages_only_warn():
    survey = [
        [
            "type",
            "name",
            "label::Vietnamese (vi)",
            "label::French (fr)",
            "label::chinese",
            "label::Swahili (sw)",
            "label::Klingon",
            "hint::French (fr)",
        ],
        ["integer", "members", "Số người", "Nombre", "人数", "Idadi", "mI'", "Combien"],
    ]
    definition, warnings = publish(survey)
    members = definition.questions[0]
    assert members.label == {"vi": "Số người", "fr": "Nombre", "zh": "人数", "sw": "Idadi", "en": "Số người"}
    assert members.hint == {"fr": "Combien", "vi": "Combien", "en": "Combien"}
    assert [(w.path, w.code) for w in warnings] == [
        ("survey.label::Klingon", "xlsform.unknown_language"),
        ("survey.label::Vietnamese (vi)", "xlsform.no_vietnamese"),  # the hint has French only
    ]


def test_form_without_vietnamese_falls_back_to_its_default_language_with_a_warning():
    survey = [
        ["type", "name", "label::English (en)", "label::Swahili (sw)"],
        ["integer", "members", "Members", "Idadi"],
    ]
    definition, warnings = publish(
        survey, settings=[["form_id", "version", "default_language"], ["kobo-en", "3", "English (en)"]]
    )
    assert definition.default_language == "en"
    assert definition.questions[0].label == {"vi": "Members", "en": "Members", "sw": "Idadi"}
    assert [w.code for w in warnings] == ["xlsform.no_vietnamese"]
    assert "default language (en)" in warnings[0].message_en


# ---- calculate, default, read_only, trigger ---------------------------------------------------------------------


CALCULATE_FORM = [
    [
        "type",
        "name",
        "label",
        "calculation",
        "relevant",
        "constraint",
        "constraint_message",
        "default",
        "read_only",
        "trigger",
    ],
    ["integer", "members", "Số người", "", "", "", "", "4", "", ""],
    ["integer", "children", "Trẻ em", "", "", "", "", "0", "", ""],
    ["calculate", "adults", "", "${members} - ${children}", "", "", "", "", "", "${children}"],
    [
        "integer",
        "adults_with_phone",
        "Người lớn có điện thoại",
        "",
        "${adults} > 0",
        ". <= ${adults}",
        "Không quá số người lớn",
        "",
        "",
        "",
    ],
    ["text", "village", "Thôn", "", "", "", "", "Thôn Đông", "yes", ""],
]


def test_calculate_is_computed_by_the_server_stored_and_usable_in_relevant_and_constraint():
    definition, warnings = publish(CALCULATE_FORM)
    assert warnings == []
    calculated = definition.questions[2]
    assert (calculated.calculation, calculated.trigger) == ("${members} - ${children}", ["children"])
    passing = {"members": 5, "children": 2, "adults_with_phone": 3, "adults": 99}
    state = run_visit(definition, passing)
    assert state.errors == []
    assert state.stored["adults"] == 3  # the phone's 99 is replaced by the server's value
    assert problems(definition, {"members": 5, "children": 2, "adults_with_phone": 4}) == [
        ("adults_with_phone", "answer.constraint_failed", "Không quá số người lớn")
    ]
    assert problems(definition, {"members": 2, "children": 2, "adults_with_phone": 0}) == [
        (
            "adults_with_phone",
            "answer.not_relevant",
            "This question is hidden by its conditions, so it must not be answered.",
        )
    ]


def test_a_conditional_required_becomes_required_if():
    definition, _ = publish(
        [
            ["type", "name", "label", "required"],
            ["integer", "members", "Số người", "yes"],
            ["text", "why_alone", "Vì sao sống một mình?", "${members} = 1"],
        ]
    )
    assert (definition.questions[1].required, definition.questions[1].required_if) == (False, "${members} = 1")
    assert problems(definition, {"members": 3}) == []
    assert problems(definition, {"members": 1}) == [("why_alone", "answer.required", "This question must be answered.")]


def test_default_is_served_and_read_only_keeps_it():
    definition, _ = publish(CALCULATE_FORM)
    assert definition.questions[0].default == 4
    assert (definition.questions[4].default, definition.questions[4].read_only) == ("Thôn Đông", True)
    assert problems(definition, {"members": 4, "village": "Thôn Đông"}) == []
    assert problems(definition, {"members": 4, "village": "Thôn Tây"}) == [
        ("village", "answer.read_only", "This question is read-only: its answer cannot be changed.")
    ]


def test_a_default_that_is_not_a_valid_answer_and_a_trigger_on_an_unknown_question_are_refused():
    errors = refusals(
        [
            ["type", "name", "label", "default", "calculation"],
            ["integer", "members", "Số người", "bốn", ""],
            ["calculate", "twice", "", "", "${members} * 2"],
        ]
    )
    assert [(e.path, e.code) for e in errors] == [("questions[0].default", "form.invalid_default")]
    assert errors[0].message_en == "The default is not a valid answer: Expected a whole number."
    errors = refusals(
        [
            ["type", "name", "label", "calculation", "trigger"],
            ["integer", "members", "Số người", "", ""],
            ["calculate", "twice", "", "${members} * 2", "${nobody}"],
        ]
    )
    assert [(e.path, e.code) for e in errors] == [("survey[row=3]", "xlsform.invalid")]  # pyxform's own check


# ---- choice_filter with extra columns, or_other ------------------------------------------------------------------


CASCADE_CHOICES = [
    ["list_name", "name", "label", "province"],
    ["province", "thanh_hoa", "Thanh Hóa", ""],
    ["province", "nghe_an", "Nghệ An", ""],
    ["district", "tho_xuan", "Thọ Xuân", "thanh_hoa"],
    ["district", "vinh", "Vinh", "nghe_an"],
    ["help", "vneid", "VNeID", ""],
    ["help", "email", "Email", ""],
]
CASCADE_FORM = [
    ["type", "name", "label", "choice_filter", "required"],
    ["select_one province", "province", "Tỉnh", "", "yes"],
    ["select_one district", "district", "Huyện", "province = ${province}", "yes"],
    ["select_multiple help or_other", "help", "Đã hướng dẫn", "", ""],
]


def test_choice_filter_reads_the_extra_choice_columns():
    definition, _ = publish(CASCADE_FORM, CASCADE_CHOICES)
    district = definition.questions[1]
    assert district.choices[0].columns == {"province": "thanh_hoa"}
    assert problems(definition, {"province": "thanh_hoa", "district": "tho_xuan"}) == []
    assert problems(definition, {"province": "thanh_hoa", "district": "vinh"}) == [
        ("district", "answer.filtered_choice", "Not offered for the earlier answers (choice filter): 'vinh'.")
    ]


def test_or_other_adds_the_other_choice_and_a_required_specify_box():
    definition, _ = publish(CASCADE_FORM, CASCADE_CHOICES)
    names = [question.name for question in definition.questions]
    assert names == ["province", "district", "help", "help_other"]
    assert definition.questions[2].choices[-1].value == "other"
    base = {"province": "nghe_an", "district": "vinh"}
    assert problems(definition, {**base, "help": ["email", "other"], "help_other": "Zalo"}) == []
    assert problems(definition, {**base, "help": ["email", "other"]}) == [
        ("help_other", "answer.required", "This question must be answered.")
    ]


def test_a_choice_filter_on_a_column_no_choice_has_is_refused():
    errors = refusals(
        [
            ["type", "name", "label", "choice_filter"],
            ["select_one province", "province", "Tỉnh", ""],
            ["select_one district", "district", "Huyện", "region = ${province}"],
        ],
        CASCADE_CHOICES,
    )
    assert [(e.path, e.code) for e in errors] == [("questions[1].choice_filter", "form.unknown_choice_column")]


# ---- range, time, datetime, phone number, metadata ---------------------------------------------------------------------


def test_range_time_datetime_and_phone_number():
    definition, _ = publish(
        [
            ["type", "name", "label", "parameters"],
            ["range", "confidence", "Tự tin", "start=0 end=10 step=2"],
            ["time", "arrived", "Giờ đến", ""],
            ["dateTime", "appointment", "Hẹn", ""],
            ["phone number", "contact", "Số điện thoại", ""],
        ]
    )
    assert [type(q).__name__ for q in definition.questions] == [
        "RangeQuestion",
        "TimeQuestion",
        "DateTimeQuestion",
        "TextQuestion",
    ]
    good = {
        "confidence": 6,
        "arrived": "14:30:00.000+07:00",
        "appointment": "2026-12-01T08:00:00.000+07:00",
        "contact": "0912345678",
    }
    assert problems(definition, good) == []
    assert problems(definition, {"confidence": 12, "arrived": "25:00", "appointment": "2026-12-01 08:00"}) == [
        ("confidence", "answer.above_max", "The value must be at most 10."),
        (
            "arrived",
            "answer.invalid_time",
            "Not a valid time (expected HH:MM or HH:MM:SS, optionally with a UTC offset).",
        ),
        (
            "appointment",
            "answer.invalid_datetime",
            "Not a valid date and time (expected YYYY-MM-DDTHH:MM[:SS][+07:00]).",
        ),
    ]
    assert problems(definition, {"confidence": 5}) == [
        ("confidence", "answer.off_step", "The value must be a step of 2 from 0.")
    ]


def test_metadata_rows_are_filled_by_the_app_and_kept_with_the_visit():
    definition, warnings = publish(
        [
            ["type", "name", "label"],
            ["start", "start", ""],
            ["end", "end", ""],
            ["today", "today", ""],
            ["deviceid", "deviceid", ""],
            ["uri:deviceid", "device_uri", ""],
            ["username", "username", ""],
            ["phonenumber", "phone", ""],
            ["email", "email", ""],
            ["audit", "audit", ""],
            ["integer", "members", "Số người"],
        ]
    )
    assert warnings == []
    kinds = {q.name: getattr(q, "metadata", None) for q in definition.questions}
    assert kinds == {
        "start": "start",
        "end": "end",
        "today": "today",
        "deviceid": "deviceid",
        "device_uri": "uri:deviceid",
        "username": "username",
        "phone": "phonenumber",
        "email": "email",
        "members": None,
        "audit": "audit",
    }
    sent = {
        "start": "2026-12-05T08:00:00.000+07:00",
        "end": "2026-12-05T08:20:00.000+07:00",
        "today": "2026-12-05",
        "deviceid": "gocua-app:abc123",
        "username": "to-truong-1",
        "members": 4,
    }
    state = run_visit(definition, sent)
    assert state.errors == []
    assert state.stored["deviceid"] == "gocua-app:abc123" and state.stored["today"] == "2026-12-05"
    assert problems(definition, {**sent, "start": 20261205, "email": "x" * 2001}) == [
        ("start", "answer.wrong_type", "Expected text."),
        ("email", "answer.too_long", "Longer than 2000 characters."),
    ]


# ---- repeats -------------------------------------------------------------------------------------------------------------


PEOPLE_FORM = [
    ["type", "name", "label", "required", "repeat_count", "calculation", "relevant", "constraint"],
    ["integer", "members", "Số người", "yes", "", "", "", ""],
    ["begin repeat", "people", "Từng người", "", "${members}", "", "", ""],
    ["integer", "age", "Tuổi", "yes", "", "", "", ". <= 120"],
    ["select_one vneid", "vneid_level", "VNeID", "yes", "", "", "${age} >= 14", ""],
    ["calculate", "adult", "", "", "", "if(${age} >= 15, 1, 0)", "", ""],
    ["calculate", "adult_level2", "", "", "", "if(${age} >= 15 and ${vneid_level} = 'level2', 1, 0)", "", ""],
    ["end repeat", "", "", "", "", "", "", ""],
    ["calculate", "adults", "", "", "", "sum(${adult})", "", ""],
    ["calculate", "adults_level2", "", "", "", "sum(${adult_level2})", "", ""],
    [
        "note",
        "summary",
        "${adults_level2} / ${adults} người lớn có VNeID mức 2",
        "",
        "",
        "",
        "count(${people}) > 0",
        "",
    ],
]
VNEID_CHOICES = [["list_name", "name", "label"], ["vneid", "none", "Chưa có"], ["vneid", "level2", "Mức 2"]]


def test_repeat_instances_are_checked_one_by_one_with_their_own_paths():
    definition, _ = publish(PEOPLE_FORM, VNEID_CHOICES)
    household = {
        "members": 3,
        "people": [{"age": 44, "vneid_level": "level2"}, {"age": 16, "vneid_level": "none"}, {"age": 9}],
    }
    state = run_visit(definition, household)
    assert state.errors == []
    assert (state.stored["adults"], state.stored["adults_level2"]) == (2, 1)
    assert [person["adult"] for person in state.stored["people"]] == [1, 1, 0]
    broken = {
        "members": 3,
        "people": [
            {"age": 44, "vneid_level": "level2"},
            {"age": 16, "vneid_level": "level9"},
            {"age": 130, "nickname": "x"},
        ],
    }
    assert problems(definition, broken) == [
        ("people[2].vneid_level", "answer.unknown_choice", "Not a choice of this question: 'level9'."),
        ("people[3].age", "answer.constraint_failed", "The answer does not meet this question's condition."),
        ("people[3].vneid_level", "answer.required", "This question must be answered."),
        ("people[3].nickname", "answer.unknown_question", "The form has no question with this name."),
    ]


def test_repeat_count_fixes_the_number_of_instances():
    definition, _ = publish(PEOPLE_FORM, VNEID_CHOICES)
    assert problems(definition, {"members": 2, "people": [{"age": 9}]}) == [
        ("people", "answer.repeat_count", "Expected exactly 2 instances, got 1.")
    ]
    assert problems(definition, {"members": 1, "people": {"age": 9}}) == [
        ("people", "answer.wrong_type", "Expected a list with one object per instance.")
    ]


def test_a_question_inside_a_repeat_is_read_from_outside_only_through_count_or_sum():
    errors = refusals(
        [
            ["type", "name", "label", "relevant"],
            ["begin repeat", "people", "Người", ""],
            ["integer", "age", "Tuổi", ""],
            ["end repeat", "", "", ""],
            ["text", "elder_note", "Ghi chú", "${age} > 60"],
        ]
    )
    assert [(e.path, e.code) for e in errors] == [("questions[1].relevant", "form.repeat_needs_aggregate")]
    assert "use count(${age}) or sum(${age})" in errors[0].message_en


def test_the_rubric_counts_over_a_repeat():
    converted, _ = convert_xlsform_report(
        xlsform(PEOPLE_FORM, VNEID_CHOICES, [["form_id", "version"], ["corpus", "1"]])
    )
    converted["rubric"] = {
        "indicators": [
            {
                "name": "most_adults_level2",
                "label": {"vi": "Đa số người lớn có VNeID mức 2"},
                "condition": "${adults} > 0 and ${adults_level2} * 2 >= ${adults}",
            },
            {"name": "big_household", "label": {"vi": "Hộ đông người"}, "condition": "count(${people}) >= 4"},
        ],
        "levels": [
            {"value": 0, "name": {"vi": "Chưa"}, "condition": "true"},
            {"value": 1, "name": {"vi": "Đạt"}, "condition": "most_adults_level2"},
        ],
    }
    definition = load_definition(converted)
    result = score(
        definition, {"members": 2, "people": [{"age": 44, "vneid_level": "level2"}, {"age": 70, "vneid_level": "none"}]}
    )
    assert (result.indicators, result.level) == ({"most_adults_level2": True, "big_household": False}, 1)
    assert score(definition, {"members": 1, "people": [{"age": 70, "vneid_level": "none"}]}).level == 0


# ---- refusals and Kobo -----------------------------------------------------------------------------------------------------


def test_everything_unsupported_is_refused_row_by_row_all_at_once_with_what_to_use_instead():
    errors = refusals(
        [
            ["type", "name", "label", "calculation"],
            ["calculate", "price", "", "pulldata('prices', 'price', 'item', ${item})"],
            ["include", "other_form", "Biểu mẫu khác", ""],
            ["begin loop over loops", "each", "Mỗi", ""],
            ["text", "inside", "Trong", ""],
            ["end loop", "", "", ""],
            ["select_one_from_file villages.xml", "village", "Thôn", ""],
            ["text", "item", "Hàng", ""],
        ],
        [["list_name", "name", "label"], ["loops", "a", "A"]],
    )
    by_path = {e.path: e.message_en for e in errors}
    # pulldata() is one of ODK's functions the expression language has (docs/forms.md).
    assert set(by_path) == {
        "survey[row=3,name=other_form].type",
        "survey[row=4,name=each].type",
        "survey[row=7,name=village].type",
    }
    assert "copy the rows into this form" in by_path["survey[row=3,name=other_form].type"]
    assert "use a repeat" in by_path["survey[row=4,name=each].type"]
    assert "takes a .csv file only" in by_path["survey[row=7,name=village].type"]
    assert all(e.code == "xlsform.unsupported" and e.message_vi for e in errors)


KOBO_SURVEY = [
    [
        "type",
        "name",
        "label::Tiếng Việt (vi)",
        "label::English (en)",
        "required",
        "relevant",
        "$kuid",
        "$autoname",
        "$given_name",
        "$prev_question_name",
    ],
    ["start", "start", "", "", "", "", "a1", "start", "", ""],
    ["end", "end", "", "", "", "", "a2", "end", "", ""],
    ["select_one yn", "has_phone", "Có điện thoại?", "Has a phone?", "true", "", "a3", "has_phone", "Q1", ""],
    ["integer", "phones", "Mấy cái?", "How many?", "false", "${has_phone} = 'yes'", "a4", "phones", "Q2", "has_phone"],
]
KOBO_CHOICES = [
    ["list_name", "name", "label::Tiếng Việt (vi)", "label::English (en)", "$kuid", "$autovalue"],
    ["yn", "yes", "Có", "Yes", "c1", "yes"],
    ["yn", "no", "Không", "No", "c2", "no"],
]


def test_a_kobo_form_builder_export_imports_with_warnings_only():
    definition, warnings = publish(
        KOBO_SURVEY, KOBO_CHOICES, settings=[["form_title", "form_id", "version"], ["Khảo sát", "kobo-form", ""]]
    )
    assert definition.version.startswith("auto-")
    assert [q.name for q in definition.questions] == ["start", "end", "has_phone", "phones"]
    assert [c.columns for c in definition.questions[2].choices] == [msgspec_unset(), msgspec_unset()]
    assert {(w.path, w.code) for w in warnings} == {
        ("survey.$kuid", "xlsform.ignored_column"),
        ("survey.$autoname", "xlsform.ignored_column"),
        ("survey.$given_name", "xlsform.ignored_column"),
        ("survey.$prev_question_name", "xlsform.ignored_column"),
        ("choices.$kuid", "xlsform.ignored_column"),
        ("choices.$autovalue", "xlsform.ignored_column"),
    }
    assert problems(definition, {"has_phone": "yes", "phones": 2}) == []
    assert problems(definition, {"has_phone": "no", "phones": 2}) == [
        ("phones", "answer.not_relevant", "This question is hidden by its conditions, so it must not be answered.")
    ]


def msgspec_unset() -> Any:
    import msgspec

    return msgspec.UNSET
