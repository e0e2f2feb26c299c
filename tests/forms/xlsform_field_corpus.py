"""XLSForms written the way ODK and Kobo authors write them, each with a visit that passes and one that fails.

Typographic quotes typed by a spreadsheet program, dates typed as Excel date cells, capitalised sheets and
headers, `label::Language (code)` columns, Kobo's bookkeeping columns, CSV media files, metadata rows. Some are
refused here (`refused`: the code, and words of the message); ODK Validate's verdict on each is checked in
test_odk_validate.py: every form that publishes here passes it, every form it refuses is refused here.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass, field
from typing import Any

import openpyxl

Rows = list[list[Any]]


@dataclass(frozen=True)
class CorpusForm:
    name: str
    sheets: dict[str, Rows]
    media: dict[str, bytes] = field(default_factory=dict)
    passing: dict[str, Any] | None = None
    # (answers, question, error code) of a visit that must fail
    failing: tuple[dict[str, Any], str, str] | None = None
    # Refused here: (error code, words the English message contains)
    refused: tuple[str, str] | None = None

    def workbook(self) -> bytes:
        book = openpyxl.Workbook()
        book.remove(book.active)
        for title, rows in self.sheets.items():
            sheet = book.create_sheet(title)
            for row in rows:
                sheet.append(row)
        buffer = io.BytesIO()
        book.save(buffer)
        return buffer.getvalue()


# Kobo's form builder also writes $kuid / $autovalue on the choices sheet; KoboToolbox drops them before pyxform
# runs (pyxform alone would write <$kuid> elements, which no XML parser reads), so they are left out here.
YES_NO_KOBO = [
    ["list_name", "name", "label::Tiếng Việt (vi)", "label::English (en)"],
    ["yn", "yes", "Có", "Yes"],
    ["yn", "no", "Không", "No"],
]

CORPUS: list[CorpusForm] = [
    CorpusForm(
        "kobo_household_vi_en",
        {
            "survey": [
                [
                    "type",
                    "name",
                    "label::Tiếng Việt (vi)",
                    "label::English (en)",
                    "hint::Tiếng Việt (vi)",
                    "required",
                    "relevant",
                    "constraint",
                    "constraint_message::Tiếng Việt (vi)",
                    "constraint_message::English (en)",
                    "$kuid",
                    "$autoname",
                ],
                ["start", "start", "", "", "", "", "", "", "", "", "a1", "start"],
                ["end", "end", "", "", "", "", "", "", "", "", "a2", "end"],
                ["today", "today", "", "", "", "", "", "", "", "", "a3", "today"],
                ["deviceid", "deviceid", "", "", "", "", "", "", "", "", "a4", "deviceid"],
                [
                    "select_one yn",
                    "has_phone",
                    "Hộ có điện thoại thông minh?",
                    "Smartphone?",
                    "",
                    "true",
                    "",
                    "",
                    "",
                    "",
                    "a5",
                    "has_phone",
                ],
                [
                    "integer",
                    "phones",
                    "Mấy cái?",
                    "How many?",
                    "Đếm cả máy hỏng",
                    "true",
                    "${has_phone} = ‘yes’",
                    ". > 0 and . <= 20",
                    "Từ 1 đến 20",
                    "From 1 to 20",
                    "a6",
                    "phones",
                ],
            ],
            "choices": YES_NO_KOBO,
            "settings": [
                ["form_title", "form_id", "version", "default_language"],
                ["Khảo sát hộ", "HH_Digital_2024", 2024120501, "Tiếng Việt (vi)"],
            ],
        },
        passing={"start": "2026-12-05T08:00:00.000+07:00", "deviceid": "collect:x1", "has_phone": "yes", "phones": 2},
        failing=({"has_phone": "yes", "phones": 25}, "phones", "answer.constraint_failed"),
    ),
    CorpusForm(
        "capitalised_sheets_and_headers",
        {
            "Survey": [
                ["TYPE", "NAME", "LABEL::Vietnamese (vi)", "LABEL::English (en)", "REQUIRED", "Relevant"],
                ["select_one yn", "online", "Đã dùng dịch vụ công trực tuyến?", "Used online services?", "yes", ""],
                ["text", "which", "Dịch vụ nào?", "Which?", "yes", "${online} = “yes”"],
            ],
            "Choices": [
                ["LIST_NAME", "NAME", "LABEL::Vietnamese (vi)", "LABEL::English (en)"],
                ["yn", "yes", "Có", "Yes"],
                ["yn", "no", "Không", "No"],
            ],
            "Settings": [["FORM_ID", "VERSION"], ["Capital.Sheets_v1", "1"]],
        },
        passing={"online": "yes", "which": "VNeID"},
        failing=({"online": "yes"}, "which", "answer.required"),
    ),
    CorpusForm(
        "excel_date_cells",
        {
            "survey": [
                ["type", "name", "label", "default", "constraint", "required"],
                ["date", "visit_date", "Ngày thăm", dt.datetime(2026, 12, 1), ". >= date('2020-01-01')", "yes"],
                ["dateTime", "appointment", "Hẹn lại", dt.datetime(2026, 12, 8, 9, 30), "", ""],
            ],
            "settings": [["form_id", "version"], ["xl_date_ambiguous_v1", "1"]],
        },
        passing={"visit_date": "2026-12-01", "appointment": "2026-12-08T09:30:00.000+07:00"},
        failing=({"visit_date": "2019-12-31"}, "visit_date", "answer.constraint_failed"),
    ),
    CorpusForm(
        "cascade_with_duplicate_values",
        {
            "survey": [
                ["type", "name", "label::Vietnamese (vi)", "choice_filter", "required"],
                ["select_one commune", "commune", "Xã", "", "yes"],
                ["select_one village", "village", "Thôn", "commune=${commune}", "yes"],
            ],
            "choices": [
                ["list_name", "name", "label::Vietnamese (vi)", "commune"],
                ["commune", "xuan_lai", "Xuân Lai", ""],
                ["commune", "tho_xuong", "Thọ Xương", ""],
                ["village", "trung_tam", "Thôn Trung Tâm", "xuan_lai"],
                ["village", "dong", "Thôn Đông", "xuan_lai"],
                ["village", "trung_tam", "Thôn Trung Tâm", "tho_xuong"],
            ],
            "settings": [["form_id", "version", "allow_choice_duplicates"], ["cascade", "1", "yes"]],
        },
        passing={"commune": "tho_xuong", "village": "trung_tam"},
        failing=({"commune": "tho_xuong", "village": "dong"}, "village", "answer.filtered_choice"),
    ),
    CorpusForm(
        "villages_from_a_csv_file",
        {
            "survey": [
                ["type", "name", "label", "choice_filter", "required"],
                ["select_one commune", "commune", "Xã", "", "yes"],
                ["select_one_from_file villages.csv", "village", "Thôn", "commune=${commune}", "yes"],
            ],
            "choices": [
                ["list_name", "name", "label"],
                ["commune", "xuan_lai", "Xuân Lai"],
                ["commune", "tho_xuong", "Thọ Xương"],
            ],
            "settings": [["form_id", "version"], ["villages_csv", "1"]],
        },
        media={"villages.csv": "name,label,commune\ndong,Thôn Đông,xuan_lai\nbac,Thôn Bắc,tho_xuong\n".encode()},
        passing={"commune": "xuan_lai", "village": "dong"},
        failing=({"commune": "xuan_lai", "village": "bac"}, "village", "answer.filtered_choice"),
    ),
    CorpusForm(
        "prices_with_pulldata_and_search",
        {
            "survey": [
                ["type", "name", "label", "appearance", "calculation", "constraint"],
                ["select_one items", "item", "Mặt hàng", "search('prices')", "", ""],
                ["calculate", "price", "", "", "pulldata('prices', 'price', 'item', ${item})", ""],
                ["integer", "paid", "Số tiền đã trả", "", "", ". >= ${price}"],
            ],
            "choices": [["list_name", "name", "label"], ["items", "item", "item"]],
            "settings": [["form_id", "version"], ["prices", "1"]],
        },
        media={"prices.csv": b"item,price\nrice,10\nsalt,3\n"},
        passing={"item": "rice", "paid": 12},
        failing=({"item": "rice", "paid": 5}, "paid", "answer.constraint_failed"),
    ),
    CorpusForm(
        "barcode_and_phone_regex",
        {
            "survey": [
                ["type", "name", "label", "constraint", "constraint_message"],
                ["barcode", "card", "Quét mã thẻ BHYT", "", ""],
                ["text", "phone", "Số điện thoại", "regex(., '^0[0-9]{9}$')", "Mười chữ số, bắt đầu bằng 0"],
            ],
            "settings": [["form_id", "version"], ["barcode", "1"]],
        },
        passing={"card": "DN4010123456789", "phone": "0912345678"},
        failing=({"phone": "912345678"}, "phone", "answer.constraint_failed"),
    ),
    CorpusForm(
        "every_metadata_row",
        {
            "survey": [
                ["type", "name", "label"],
                ["start", "start", ""],
                ["end", "end", ""],
                ["today", "today", ""],
                ["deviceid", "deviceid", ""],
                ["username", "username", ""],
                ["phonenumber", "phonenumber", ""],
                ["email", "email", ""],
                ["simserial", "simserial", ""],
                ["subscriberid", "subscriberid", ""],
                ["audit", "audit", ""],
                ["integer", "members", "Số người"],
            ],
            "settings": [["form_id", "version"], ["metadata", "1"]],
        },
        passing={"start": "2026-12-05T08:00:00+07:00", "today": "2026-12-05", "username": "tv1", "members": 3},
        failing=({"start": 1733360400, "members": 3}, "start", "answer.wrong_type"),
    ),
    CorpusForm(
        "people_repeat",
        {
            "survey": [
                ["type", "name", "label", "repeat_count", "calculation", "constraint"],
                ["integer", "members", "Số người", "", "", ". >= 1"],
                ["begin_repeat", "person", "Từng người", "${members}", "", ""],
                ["integer", "age", "Tuổi", "", "", ". <= 120"],
                ["calculate", "adult", "", "", "if(${age} >= 18, 1, 0)", ""],
                ["end_repeat", "", "", "", "", ""],
                ["calculate", "adults", "", "", "sum(${adult})", ""],
            ],
            "settings": [["form_id", "version"], ["people", "1"]],
        },
        passing={"members": 2, "person": [{"age": 40}, {"age": 9}]},
        failing=({"members": 2, "person": [{"age": 40}]}, "person", "answer.repeat_count"),
    ),
    CorpusForm(
        "help_or_other",
        {
            "survey": [
                ["type", "name", "label::Vietnamese (vi)", "label::English (en)"],
                ["select_multiple help or_other", "help", "Đã hướng dẫn gì?", "Helped with?"],
            ],
            "choices": [
                ["list_name", "name", "label::Vietnamese (vi)", "label::English (en)"],
                ["help", "vneid", "VNeID", "VNeID"],
                ["help", "pay", "Thanh toán", "Payments"],
            ],
            "settings": [["form_id", "version"], ["help_other", "1"]],
        },
        passing={"help": ["vneid", "other"], "help_other": "Zalo"},
        failing=({"help": ["other"]}, "help_other", "answer.required"),
    ),
    CorpusForm(
        "group_relevant_range_geopoint",
        {
            "survey": [
                ["type", "name", "label", "relevant", "parameters", "constraint", "required"],
                ["select_one yn", "at_home", "Có ai ở nhà?", "", "", "", "yes"],
                ["begin group", "inside", "Trong nhà", "${at_home}=‘yes’", "", "", ""],
                ["range", "confidence", "Tự tin (0–10)", "", "start=0 end=10 step=1", "", ""],
                ["geopoint", "where", "Vị trí", "", "capture-accuracy=20", "", ""],
                ["note", "thanks", "Cảm ơn", "", "", "", ""],
                ["end group", "", "", "", "", "", ""],
            ],
            "choices": [["list_name", "name", "label"], ["yn", "yes", "Có"], ["yn", "no", "Không"]],
            "settings": [["form_id", "version"], ["ODKValidateWarnings", "1"]],
        },
        passing={"at_home": "yes", "confidence": 7, "where": {"lat": 19.8, "lon": 105.7, "accuracy_m": 9}},
        failing=({"at_home": "no", "confidence": 7}, "confidence", "answer.not_relevant"),
    ),
    # ---- refused here, though ODK takes them -----------------------------------------------------------------
    CorpusForm(
        "loop_over_a_list",
        {
            "survey": [
                ["type", "name", "label"],
                ["begin loop over apps", "each", "Mỗi ứng dụng"],
                ["integer", "uses", "Số lần dùng"],
                ["end loop", "", ""],
            ],
            "choices": [["list_name", "name", "label"], ["apps", "zalo", "Zalo"], ["apps", "vneid", "VNeID"]],
            "settings": [["form_id", "version"], ["loop", "1"]],
        },
        refused=("xlsform.unsupported", "use a repeat"),
    ),
    CorpusForm(
        "audio_video_file_questions",
        {
            "survey": [
                ["type", "name", "label", "required", "relevant"],
                ["audio", "voice", "Ghi âm", "yes", ""],
                ["video", "clip", "Quay phim", "", ""],
                ["file", "paper", "Tệp giấy tờ", "", "${voice} != ''"],
            ],
            "settings": [["form_id", "version"], ["media_questions", "1"]],
        },
        passing={"voice": "1733380000000.m4a", "clip": "clip.mp4", "paper": "so-ho-khau.pdf"},
        failing=({"clip": "folder/clip.mp4"}, "voice", "answer.required"),
    ),
    CorpusForm(
        "geotrace_path",
        {
            "survey": [["type", "name", "label"], ["geotrace", "road", "Đường vào thôn"]],
            "settings": [["form_id", "version"], ["geotrace", "1"]],
        },
        refused=("xlsform.unsupported", "use a geopoint"),
    ),
    # ---- refused by ODK Validate, and so here ----------------------------------------------------------------
    CorpusForm(
        "doubled_operator",
        {
            "survey": [
                ["type", "name", "label", "relevant"],
                ["integer", "a", "A", ""],
                ["text", "b", "B", "${a} > > 2"],
            ],
            "settings": [["form_id", "version"], ["doubled", "1"]],
        },
        refused=("xlsform.unsupported", "relevant"),
    ),
    CorpusForm(
        "if_with_two_arguments",
        {
            "survey": [
                ["type", "name", "label", "calculation"],
                ["integer", "a", "A", ""],
                ["calculate", "y", "", "if(${a} > 1, 2)"],
            ],
            "settings": [["form_id", "version"], ["if2", "1"]],
        },
        refused=("xlsform.unsupported", "if()"),
    ),
    CorpusForm(
        "unknown_function",
        {
            "survey": [
                ["type", "name", "label", "calculation"],
                ["integer", "a", "A", ""],
                ["calculate", "y", "", "nofn(${a})"],
            ],
            "settings": [["form_id", "version"], ["nofn", "1"]],
        },
        refused=("xlsform.unsupported", "nofn"),
    ),
    CorpusForm(
        "calculations_in_a_circle",
        {
            "survey": [
                ["type", "name", "label", "calculation"],
                ["calculate", "x", "", "${y} + 1"],
                ["calculate", "y", "", "${x} + 1"],
            ],
            "settings": [["form_id", "version"], ["cycle", "1"]],
        },
        refused=("form.forward_reference", "asked later"),
    ),
    CorpusForm(
        "language_label_in_a_filter",
        {
            "survey": [
                ["type", "name", "label::English (en)", "label::Vietnamese (vi)", "choice_filter"],
                ["select_one c", "a", "A", "A", ""],
                ["select_one c", "b", "B", "B", "label::English (en) != 'X'"],
            ],
            "choices": [
                ["list_name", "name", "label::English (en)", "label::Vietnamese (vi)"],
                ["c", "x", "X", "Xv"],
                ["c", "y", "Y", "Yv"],
            ],
            "settings": [["form_id", "version"], ["label_filter", "1"]],
        },
        refused=("xlsform.unsupported", "cannot read the language label"),
    ),
    CorpusForm(
        "reference_to_nobody",
        {
            "survey": [
                ["type", "name", "label", "relevant"],
                ["integer", "a", "A", ""],
                ["text", "b", "B", "${nobody} > 1"],
            ],
            "settings": [["form_id", "version"], ["nobody", "1"]],
        },
        refused=("xlsform.invalid", "nobody"),
    ),
]
