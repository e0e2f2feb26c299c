import io

import openpyxl
import pytest

from forms import FormDefinitionError, convert_xlsform, load_definition
from tests.forms.builders import label

SURVEY_HEADER = [
    "type",
    "name",
    "label::Vietnamese (vi)",
    "label::English (en)",
    "required",
    "relevant",
    "constraint",
    "constraint_message::Vietnamese (vi)",
    "constraint_message::English (en)",
]
CHOICES = [
    ["list_name", "name", "label::Vietnamese (vi)", "label::English (en)"],
    ["vneid", "none", "Chưa có", "None"],
    ["vneid", "level2", "Mức 2", "Level 2"],
    ["apps", "zalo", "Zalo", "Zalo"],
    ["apps", "vnedu", "vnEdu", "vnEdu"],
]
SETTINGS = [["form_id", "version", "form_title"], ["imported-form", "2024.1", "Khảo sát"]]


def workbook(survey_rows, header=SURVEY_HEADER, choices=CHOICES, settings=SETTINGS):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "survey"
    for row in [header, *survey_rows]:
        sheet.append(row)
    for title, rows in (("choices", choices), ("settings", settings)):
        if rows:
            extra = book.create_sheet(title)
            for row in rows:
                extra.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def unsupported(data):
    with pytest.raises(FormDefinitionError) as caught:
        convert_xlsform(data)
    return caught.value.errors


def test_supported_xlsform_imports_to_the_same_definition_as_hand_written_json():
    data = workbook(
        [
            ["integer", "members", "Số người", "Members", "yes", "", ". > 0 and . <= 30", "Từ 1 đến 30", "1 to 30"],
            ["select_one vneid", "vneid", "VNeID", "VNeID", "true()", "", "", "", ""],
            ["begin group", "phone", "Điện thoại", "Phone", "", "${members} > 1", "", "", ""],
            ["select_multiple apps", "apps", "Ứng dụng", "Apps", "", "selected(${vneid}, 'level2')", "", "", ""],
            ["end group", "", "", "", "", "", "", "", ""],
            ["geopoint", "location", "Vị trí", "Location", "yes", "", "", "", ""],
            ["image", "evidence", "Ảnh", "Photo", "yes", "", "", "", ""],
            ["note", "thanks", "Cảm ơn", "Thank you", "", "", "", "", ""],
            ["date", "visited_on", "Ngày", "Date", "", "", ". <= today()", "", ""],
            ["decimal", "income", "Thu nhập", "Income", "no", "", "", "", ""],
            ["text", "comment", "Ghi chú", "Comment", "", "", "", "", ""],
            ["acknowledge", "consent", "Đồng ý", "Consent", "yes", "", "", "", ""],
        ]
    )
    converted = convert_xlsform(data, "khao-sat.xlsx")
    expected = {
        "id": "imported-form",
        "version": "2024.1",
        "title": label("Khảo sát"),
        "default_language": "vi",
        "questions": [
            {
                "type": "integer",
                "name": "members",
                "label": label("Số người", "Members"),
                "required": True,
                "constraint": ". > 0 and . <= 30",
                "constraint_message": label("Từ 1 đến 30", "1 to 30"),
            },
            {
                "type": "select_one",
                "name": "vneid",
                "label": label("VNeID"),
                "required": True,
                "choices": [
                    {"value": "none", "label": label("Chưa có", "None")},
                    {"value": "level2", "label": label("Mức 2", "Level 2")},
                ],
            },
            {
                "type": "group",
                "name": "phone",
                "label": label("Điện thoại", "Phone"),
                "relevant": "${members} > 1",
                "questions": [
                    {
                        "type": "select_multiple",
                        "name": "apps",
                        "label": label("Ứng dụng", "Apps"),
                        "relevant": "selected(${vneid}, 'level2')",
                        "choices": [
                            {"value": "zalo", "label": label("Zalo")},
                            {"value": "vnedu", "label": label("vnEdu")},
                        ],
                    },
                ],
            },
            {"type": "geopoint", "name": "location", "label": label("Vị trí", "Location"), "required": True},
            {
                "type": "photo",
                "name": "evidence",
                "label": label("Ảnh", "Photo"),
                "required": True,
                "min_count": 1,
                "max_count": 1,
            },
            {"type": "note", "name": "thanks", "label": label("Cảm ơn", "Thank you")},
            {"type": "date", "name": "visited_on", "label": label("Ngày", "Date"), "constraint": ". <= today()"},
            {"type": "decimal", "name": "income", "label": label("Thu nhập", "Income")},
            {"type": "text", "name": "comment", "label": label("Ghi chú", "Comment")},
            {"type": "boolean", "name": "consent", "label": label("Đồng ý", "Consent"), "required": True},
        ],
    }
    assert converted == expected
    assert load_definition(converted) == load_definition(expected)


def test_single_label_column_is_used_for_both_languages():
    data = workbook(
        [["text", "name_of_head", "Tên chủ hộ"]],
        header=["type", "name", "label"],
        choices=None,
    )
    question = convert_xlsform(data)["questions"][0]
    assert question["label"] == label("Tên chủ hộ")


def test_repeat_and_calculate_become_a_repeat_and_a_calculate():
    data = workbook(
        [
            ["integer", "members", "Số người", "Members", "yes", "", "", "", "", ""],
            ["begin repeat", "person", "Thành viên", "Member", "", "", "", "", "", ""],
            ["text", "person_name", "Tên", "Name", "", "", "", "", "", ""],
            ["end repeat", "", "", "", "", "", "", "", "", ""],
            ["calculate", "double_members", "", "", "", "", "", "", "", "${members} * 2"],
        ],
        header=[*SURVEY_HEADER, "calculation"],
    )
    questions = convert_xlsform(data)["questions"]
    assert [(q["type"], q["name"]) for q in questions] == [
        ("integer", "members"),
        ("repeat", "person"),
        ("calculate", "double_members"),
    ]
    assert questions[1]["questions"][0]["name"] == "person_name"
    assert questions[2] == {"type": "calculate", "name": "double_members", "calculation": "${members} * 2"}


def test_each_unsupported_column_and_expression_is_listed():
    header = [*SURVEY_HEADER, "choice_filter", "default", "parameters"]
    data = workbook(
        [
            ["select_one vneid", "vneid", "VNeID", "VNeID", "", "", "", "", "", "", "", ""],
            ["select_one apps", "app", "Ứng dụng", "App", "", "", "", "", "", "${vneid} = 'level2'", "", ""],
            ["text", "comment", "Ghi chú", "Comment", "${vneid} = 'none'", "", "", "", "", "", "không", ""],
            [
                "text",
                "where_from",
                "Quê",
                "Home",
                "",
                "jr:choice-name(${vneid}, '${vneid}') = 'x'",
                "",
                "",
                "",
                "",
                "",
                "",
            ],
            ["select_one vneid", "shuffled", "Xáo", "Shuffled", "", "", "", "", "", "", "", "randomize=true"],
            ["range", "rating", "Điểm", "Rating", "", "", "", "", "", "", "", "start=1 end=5 step=1"],
            ["background-audio", "voice", "Ghi âm", "Voice", "", "", "", "", "", "", "", ""],
        ],
        header=header,
    )
    errors = unsupported(data)
    # jr:choice-name() is one of ODK's functions the expression language has (docs/forms.md).
    assert {error.path for error in errors} == {"survey[row=8,name=voice].type"}
    by_path = {error.path: error for error in errors}
    assert "background recordings are not stored" in by_path["survey[row=8,name=voice].type"].message_en


def test_missing_version_is_derived_from_the_content():
    rows = [["text", "t", "T", "T", "", "", "", "", ""]]
    data = workbook(rows, settings=[["form_id"], ["no-version"]])
    converted = convert_xlsform(data)
    assert "version" not in converted
    first = load_definition(converted).version
    assert first.startswith("auto-")
    assert load_definition(convert_xlsform(workbook(rows, settings=[["form_id"], ["no-version"]]))).version == first
    changed = workbook([["text", "t", "T2", "T", "", "", "", "", ""]], settings=[["form_id"], ["no-version"]])
    assert load_definition(convert_xlsform(changed)).version != first


def test_pyxform_errors_and_non_spreadsheets_become_invalid():
    broken = workbook([["select_one missing_list", "q", "Q", "Q", "", "", "", "", ""]])
    assert [error.code for error in unsupported(broken)] == ["xlsform.invalid"]
    assert [error.code for error in unsupported(b"not a spreadsheet")] == ["xlsform.invalid"]
    assert [error.code for error in unsupported(b"PK\x03\x04broken zip")] == ["xlsform.invalid"]


def test_photo_size_gps_accuracy_hints_and_appearance_carry_over():
    header = [
        "type",
        "name",
        "label::Vietnamese (vi)",
        "label::English (en)",
        "hint::Vietnamese (vi)",
        "hint::English (en)",
        "parameters",
        "appearance",
    ]
    data = workbook(
        [
            ["image", "evidence", "Ảnh", "Photo", "Chụp rõ", "Clear", "max-pixels=1600", ""],
            ["geopoint", "location", "Vị trí", "Location", "", "", "capture-accuracy=10 warning-accuracy=30", ""],
            ["text", "comment", "Ghi chú", "Comment", "", "", "", "multiline"],
        ],
        header=header,
    )
    evidence, location, comment = convert_xlsform(data)["questions"]
    assert evidence["max_pixels"] == 1600 * 1200
    assert evidence["hint"] == label("Chụp rõ", "Clear")
    assert location["accuracy_threshold_m"] == 30
    assert comment == {"type": "text", "name": "comment", "label": label("Ghi chú", "Comment")}


def test_labels_in_other_languages_are_kept():
    header = ["type", "name", "label::Vietnamese (vi)", "label::English (en)", "label::Français (fr)"]
    data = workbook([["text", "t", "Tên", "Name", "Nom"]], header=header)
    assert convert_xlsform(data)["questions"][0]["label"] == {"vi": "Tên", "en": "Name", "fr": "Nom"}


def test_select_one_or_other_is_kept_from_a_csv_file_reads_the_file_and_from_xml_is_refused():
    data = workbook(
        [
            ["select_one vneid or_other", "vneid", "VNeID", "VNeID", "", "", "", "", ""],
            ["select_one_from_file villages.csv", "village", "Thôn", "Village", "", "", "", "", ""],
        ]
    )
    village = convert_xlsform(data)["questions"][2]
    assert (village["type"], village["choices"], village["choices_file"]) == ("select_one", [], "villages.csv")
    refused = workbook([["select_one_from_file villages.xml", "village", "Thôn", "Village", "", "", "", "", ""]])
    (error,) = unsupported(refused)
    assert error.path == "survey[row=2,name=village].type"
    assert "takes a .csv file only" in error.message_en
