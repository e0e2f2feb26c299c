"""Form definitions for tests, built as plain dicts the way an admin would write them."""

from __future__ import annotations

import io
from typing import Any

from openpyxl import Workbook


def label(vi: str, en: str | None = None) -> dict[str, str]:
    return {"vi": vi, "en": en or vi}


def small_form(form_id: str = "thu-nghiem", version: str = "1", members_type: str = "integer") -> dict[str, Any]:
    return {
        "id": form_id,
        "version": version,
        "title": label("Biểu mẫu thử", "Test form"),
        "questions": [
            {"type": "text", "name": "head_name", "label": label("Tên chủ hộ", "Head of household")},
            {"type": members_type, "name": "members", "label": label("Số người", "Members"), "required": True},
        ],
    }


def xlsx(sheets: dict[str, list[list[Any]]]) -> bytes:
    workbook = Workbook()
    workbook.remove(workbook.active)
    for name, rows in sheets.items():
        sheet = workbook.create_sheet(name)
        for row in rows:
            sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
