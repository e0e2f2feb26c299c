"""Import an XLSForm (the ODK spreadsheet format) into our definition dict.

pyxform reads the workbook; this module maps its JSON to our spec and refuses anything
it cannot represent. Every unsupported feature is listed (``xlsform.unsupported``) with
the sheet row it came from and what to use instead, all at once; what is merely dropped
(Kobo's ``$kuid`` columns, metadata rows, unknown languages) comes back as warnings. The caller then runs
``load_definition`` on the result for the full meaning checks.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path
from typing import Any

from forms.errors import FormDefinitionError, FormError
from forms.expr import ExpressionError, parse, parse_choice_filter
from forms.xlsform_labels import LabelReader
from forms.xlsform_limits import WorkbookLimits, check_workbook
from forms.xlsform_mapping import LABEL_REFERENCE, Converter
from forms.xlsform_rows import Rows

# Functions of ODK's XPath that forms here cannot use, and what to write instead.
FUNCTION_ADVICE = {
    "pulldata": (
        "đưa dữ liệu tra cứu vào trang choices và dùng choice_filter, hoặc tính từ câu trả lời trước",
        "put the lookup data on the choices sheet and use choice_filter, or compute it from earlier answers",
    ),
    "indexed-repeat": ("dùng count() hoặc sum() trên nhóm lặp", "use count() or sum() over the repeat"),
    "position": ("dùng count() trên nhóm lặp", "use count() over the repeat"),
    "once": (
        "bỏ once(): máy chủ tính mỗi phép tính một lần khi phiếu đến",
        "drop once(): the server computes each calculation once, when the visit arrives",
    ),
    "now": ("dùng dòng start/end (ứng dụng tự ghi thời gian)", "use the start/end rows (the app records the times)"),
    "jr:choice-name": ("so sánh với mã phương án", "compare with the choice value"),
}
EXPRESSION_COLUMNS = ("relevant", "constraint", "calculation", "choice_filter", "repeat_count", "required")


def convert_xlsform(data: bytes, filename: str = "form.xlsx") -> dict[str, Any]:
    """XLSForm bytes → a definition dict for ``load_definition``; raises FormDefinitionError."""
    return convert_xlsform_report(data, filename)[0]


def convert_xlsform_report(
    data: bytes, filename: str = "form.xlsx", limits: WorkbookLimits | None = None
) -> tuple[dict[str, Any], list[FormError]]:
    """XLSForm bytes → (definition dict, warnings about what was ignored); raises FormDefinitionError.

    The workbook is first held to ``limits`` (the defaults when None) without being parsed."""
    # pyxform is slow to import and only needed here.
    from pyxform.errors import PyXFormError
    from pyxform.xls2json import get_xlsform, workbook_to_json

    check_workbook(data, limits or WorkbookLimits())
    try:
        workbook = get_xlsform(xlsform=data)
        pyxform_warnings: list[str] = []
        survey = workbook_to_json(workbook, fallback_form_name=Path(filename).stem, warnings=pyxform_warnings)
    except (PyXFormError, zipfile.BadZipFile, ValueError, KeyError, TypeError, IndexError, OSError) as error:
        raise FormDefinitionError([_invalid(str(error))]) from None

    rows = Rows(workbook.survey or [], workbook.choices or [])
    labels = LabelReader(survey.get("default_language"))
    settings = (workbook.settings or [{}])[0]
    duplicates = str(settings.get("allow_choice_duplicates", "")).strip().lower() in ("yes", "true", "true()")
    converter = Converter(rows, labels, allow_choice_duplicates=duplicates)
    questions = converter.children(survey.get("children", []))
    errors = converter.errors
    errors.extend(_check_expressions(rows))

    form_id = str(survey.get("id_string") or "")
    definition: dict[str, Any] = {
        "id": form_id,
        "title": labels.read(survey.get("title")) or {"vi": form_id, "en": form_id},
        "default_language": labels.default_code or "vi",
        "questions": questions,
    }
    version = survey.get("version")
    if version not in (None, ""):
        definition["version"] = str(version)
    if errors:
        raise FormDefinitionError(errors)
    warnings = [*labels.warnings(), *rows.warnings(), *converter.warnings]
    return definition, warnings


def _invalid(message: str) -> FormError:
    row = re.search(r"\[row : (\d+)\]", message)
    return FormError(
        path=f"survey[row={row.group(1)}]" if row else "",
        code="xlsform.invalid",
        message_vi=f"Tệp XLSForm không hợp lệ: {message}",
        message_en=f"Invalid XLSForm: {message}",
    )


def _check_expressions(rows: Rows) -> list[FormError]:
    """Expressions pass through as written; those our language cannot read are refused, row by row."""
    errors: list[FormError] = []
    for name in rows.by_name:
        for column in EXPRESSION_COLUMNS:
            source = rows.cell(name, column)
            if source is None or (column == "repeat_count" and source.isdigit()):
                continue
            if column == "required" and source.lower() in ("yes", "no", "true", "false", "true()", "false()"):
                continue
            language_label = LABEL_REFERENCE.search(source) if column == "choice_filter" else None
            if language_label and language_label.group(1):
                errors.append(_language_label_in_filter(rows.path(name, column), language_label.group(0)))
                continue
            try:
                if column == "choice_filter":
                    parse_choice_filter(source)
                else:
                    parse(source)
            except ExpressionError as error:
                errors.append(_expression_error(rows.path(name, column), column, source, error))
    return errors


def _language_label_in_filter(path: str, reference: str) -> FormError:
    # pyxform writes it into the XForm as written, and JavaRosa (ODK Validate, ODK Collect) cannot read it.
    return FormError(
        path=path,
        code="xlsform.unsupported",
        message_vi=f"choice_filter không đọc được nhãn theo ngôn ngữ “{reference}” (ODK Collect cũng không); hãy thêm"
        " một cột riêng vào trang choices (ví dụ nhom) và lọc theo cột đó, hoặc dùng cột label khi chỉ có một"
        " ngôn ngữ.",
        message_en=f"A choice_filter cannot read the language label '{reference}' (ODK Collect cannot either); add a"
        " column of its own to the choices sheet (e.g. group) and filter on it, or use label when there is one"
        " language.",
    )


def _expression_error(path: str, column: str, source: str, error: ExpressionError) -> FormError:
    for function, (vi, en) in FUNCTION_ADVICE.items():
        if re.search(rf"(?<![\w-]){re.escape(function)}\s*\(", source):
            return FormError(
                path=path,
                code="xlsform.unsupported",
                message_vi=f"Biểu thức {column} “{source}” dùng {function}() chưa được hỗ trợ; hãy {vi}.",
                message_en=f"The {column} expression '{source}' uses {function}(), which is not supported; {en}.",
            )
    return FormError(
        path=path,
        code="xlsform.unsupported",
        message_vi=f"Biểu thức {column} “{source}” dùng cú pháp chưa hỗ trợ: {error.message}.",
        message_en=f"The {column} expression '{source}' uses unsupported syntax: {error.message}.",
    )
