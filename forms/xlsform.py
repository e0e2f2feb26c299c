"""Import an XLSForm (the ODK spreadsheet format) into our definition dict.

pyxform reads the workbook; this module maps its JSON to our spec and refuses anything
it cannot represent. Every unsupported feature is listed (``xlsform.unsupported``) with
the sheet row it came from — nothing is dropped silently. The caller then runs
``load_definition`` on the result for the full meaning checks.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path
from typing import Any

from forms.errors import FormDefinitionError, FormError
from forms.expr import ExpressionError, parse
from forms.xlsform_mapping import LabelReader, Rows, convert_children


def convert_xlsform(data: bytes, filename: str = "form.xlsx") -> dict[str, Any]:
    """XLSForm bytes → a definition dict for ``load_definition``; raises FormDefinitionError."""
    # pyxform is slow to import and only needed here.
    from pyxform.errors import PyXFormError
    from pyxform.xls2json import get_xlsform, workbook_to_json

    try:
        workbook = get_xlsform(xlsform=data)
        pyxform_warnings: list[str] = []
        survey = workbook_to_json(workbook, fallback_form_name=Path(filename).stem, warnings=pyxform_warnings)
    except (PyXFormError, zipfile.BadZipFile, ValueError, KeyError, TypeError, IndexError, OSError) as error:
        raise FormDefinitionError([_invalid(str(error))]) from None

    rows = Rows(workbook.survey or [], workbook.choices or [])
    labels = LabelReader()
    errors: list[FormError] = []
    questions = convert_children(survey.get("children", []), rows, labels, errors)
    errors.extend(labels.language_errors())
    errors.extend(_check_expressions(questions, rows))

    form_id = str(survey.get("id_string") or "")
    definition: dict[str, Any] = {
        "id": form_id,
        "title": labels.read(survey.get("title")) or {"vi": form_id, "en": form_id},
        "default_language": labels.language_code(survey.get("default_language")) or "vi",
        "questions": questions,
    }
    version = survey.get("version")
    if version in (None, ""):
        errors.append(FormError(
            path="settings.version", code="xlsform.missing_setting",
            message_vi="Trang settings thiếu cột version (phiên bản mẫu phiếu).",
            message_en="The settings sheet has no version.",
        ))
    else:
        definition["version"] = str(version)
    if errors:
        raise FormDefinitionError(errors)
    return definition


def _invalid(message: str) -> FormError:
    row = re.search(r"\[row : (\d+)\]", message)
    return FormError(
        path=f"survey[row={row.group(1)}]" if row else "",
        code="xlsform.invalid",
        message_vi=f"Tệp XLSForm không hợp lệ: {message}",
        message_en=f"Invalid XLSForm: {message}",
    )


def _check_expressions(questions: list[dict[str, Any]], rows: Rows) -> list[FormError]:
    """XLSForm expressions pass through; those our language cannot read are unsupported."""
    errors: list[FormError] = []
    for question in questions:
        for column in ("relevant", "constraint"):
            source = question.get(column)
            if source is None:
                continue
            try:
                parse(source)
            except ExpressionError as error:
                errors.append(FormError(
                    path=rows.path(question["name"], column),
                    code="xlsform.unsupported",
                    message_vi=f"Biểu thức {column} “{source}” dùng cú pháp chưa hỗ trợ: {error.message}.",
                    message_en=f"The {column} expression '{source}' uses unsupported syntax: {error.message}.",
                ))
        if question.get("type") == "group":
            errors.extend(_check_expressions(question["questions"], rows))
    return errors
