"""The XLSForm tables the import reads by: pyxform's type names → ours, the metadata rows, the refused types and
what to use instead, the survey and choices columns read or quietly dropped, and the yes/no cell values."""

from __future__ import annotations

from forms.spec import METADATA_KINDS

# pyxform's type names (after its alias rewriting) → ours.
TYPE_MAP = {
    "text": "text",
    "phone number": "text",  # an old XLSForm alias of text
    "barcode": "text",  # the phone reads the code with its camera app or the member types it; kept as text
    "integer": "integer",
    "decimal": "decimal",
    "range": "range",
    "select one": "select_one",
    "select all that apply": "select_multiple",
    "date": "date",
    "time": "time",
    "dateTime": "datetime",
    "geopoint": "geopoint",
    "photo": "photo",
    # Answered with a file stored as it came (service/visits/attachments.py: size and type limits per kind).
    "audio": "audio",
    "video": "video",
    "file": "file",
    "note": "note",
    "acknowledge": "boolean",
    "trigger": "boolean",
    "calculate": "calculate",
    "group": "group",
    "repeat": "repeat",
}
# Rows the phone fills by itself (spec.METADATA_KINDS): each becomes a hidden `metadata` question whose answer
# the app sends and the server keeps.
METADATA = frozenset(METADATA_KINDS)
# Types we refuse, and what to use instead (English; the Vietnamese is written beside it below).
INSTEAD = {
    "loop": ("dùng nhóm lặp (begin repeat … end repeat)", "use a repeat (begin repeat … end repeat)"),
    "include": ("chép các dòng vào chính mẫu phiếu này", "copy the rows into this form"),
    "xml-external": ("đưa dữ liệu vào trang choices", "put the data on the choices sheet"),
    "csv-external": ("đưa dữ liệu vào trang choices", "put the data on the choices sheet"),
    "rank": ("dùng select_multiple", "use select_multiple"),
    "geotrace": ("dùng geopoint", "use a geopoint"),
    "geoshape": ("dùng geopoint", "use a geopoint"),
    "background-audio": (
        "chưa lưu được bản ghi âm nền; bỏ dòng này (dùng câu hỏi audio nếu cần ghi âm)",
        "background recordings are not stored; remove this row (use an audio question to record)",
    ),
    "hidden": ("dùng dòng calculate", "use a calculate row"),
}
# Survey columns we read; any other column is ignored with a warning.
SURVEY_COLUMNS = frozenset(
    {
        "type",
        "name",
        "label",
        "hint",
        "required",
        "relevant",
        "constraint",
        "constraint_message",
        "calculation",
        "default",
        "read_only",
        "choice_filter",
        "trigger",
        "repeat_count",
        "appearance",
        "parameters",
    }
)
# Display-only columns dropped without a word (the phone app lays questions out itself).
QUIET_COLUMNS = frozenset({"appearance", "list_name"})
CHOICE_COLUMNS = frozenset({"list_name", "name", "label"})
YES = frozenset({"yes", "true", "true()"})
NO = frozenset({"no", "false", "false()", ""})
