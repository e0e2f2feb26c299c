"""What an XLSForm workbook may unpack to, checked BEFORE pyxform and openpyxl read it.

An .xlsx is a zip of XML: 200 kB can hold a 200,000,000-character cell, a million rows, or 3 GB of sheet XML, and
openpyxl would build all of it in memory (minutes of CPU, gigabytes of RAM). So the zip's directory is read
first (declared sizes and compression ratios: Python's zipfile never inflates a member past its declared size),
then each sheet's XML is streamed and counted (rows, columns, cells, characters per cell), stopping at the first
limit passed. Only a workbook inside every limit reaches the real parser.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass
from io import BytesIO
from typing import Any
from xml.etree.ElementTree import Element, ParseError, XMLPullParser

from forms.errors import FormDefinitionError, FormError

_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_CHUNK = 64 * 1024
# A member this small cannot be a bomb whatever its ratio (a sheet of one repeated row compresses ~100×).
_RATIO_FLOOR_BYTES = 1_000_000
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls: a format with its own hard limits (65,536 × 256)


@dataclass(frozen=True)
class WorkbookLimits:
    """Each limit, and why, is in docs/forms.md; the server reads them from GOCUA_XLSFORM_* settings."""

    max_unpacked_bytes: int = 16_000_000
    max_compression_ratio: int = 100
    max_rows: int = 10_000
    max_columns: int = 200
    max_cells: int = 200_000
    max_cell_chars: int = 20_000
    max_members: int = 200


def _refuse(code: str, vi: str, en: str, path: str = "") -> FormDefinitionError:
    return FormDefinitionError([FormError(path=path, code=code, message_vi=vi, message_en=en)])


def check_workbook(data: bytes, limits: WorkbookLimits) -> None:
    """Raise FormDefinitionError (code ``xlsform.too_large``) when the workbook passes a limit."""
    if data.startswith(_OLE_MAGIC):
        return
    if not data.startswith(b"PK"):
        _check_text(data, limits)  # pyxform also reads CSV and markdown XLSForms
        return
    try:
        archive = zipfile.ZipFile(BytesIO(data))
    except (zipfile.BadZipFile, ValueError, OSError):
        return  # not a zip after all: the parser reports it as an invalid XLSForm
    with archive:
        members = archive.infolist()
        _check_members(members, limits)
        shared = [m for m in members if m.filename.lower().endswith("sharedstrings.xml")]
        sheets = [m for m in members if re.fullmatch(r"xl/worksheets/[^/]+\.xml", m.filename, re.IGNORECASE)]
        for member in shared:
            _scan(archive, member, limits, is_sheet=False)
        for member in sheets:
            _scan(archive, member, limits, is_sheet=True)


def _too_large(vi: str, en: str, path: str = "") -> FormDefinitionError:
    return _refuse("xlsform.too_large", vi, en, path)


def _check_members(members: list[zipfile.ZipInfo], limits: WorkbookLimits) -> None:
    if len(members) > limits.max_members:
        raise _too_large(
            f"Tệp có {len(members)} thành phần (tối đa {limits.max_members}).",
            f"The workbook has {len(members)} parts (at most {limits.max_members}).",
        )
    total = sum(member.file_size for member in members)
    if total > limits.max_unpacked_bytes:
        raise _too_large(
            f"Tệp giải nén ra {total:,} byte, quá giới hạn {limits.max_unpacked_bytes:,} byte.",
            f"The workbook unpacks to {total:,} bytes, over the limit of {limits.max_unpacked_bytes:,}.",
        )
    for member in members:
        packed = max(1, member.compress_size)
        if member.file_size > _RATIO_FLOOR_BYTES and member.file_size / packed > limits.max_compression_ratio:
            raise _too_large(
                f"Thành phần {member.filename} nén {member.file_size // packed}:1 (tối đa"
                f" {limits.max_compression_ratio}:1): không phải một bảng tính bình thường.",
                f"Part {member.filename} is compressed {member.file_size // packed}:1 (at most"
                f" {limits.max_compression_ratio}:1): not an ordinary spreadsheet.",
            )


class _Counts:
    def __init__(self, sheet: str) -> None:
        self.sheet = sheet
        self.rows = 0
        self.cells = 0


def _scan(archive: zipfile.ZipFile, member: zipfile.ZipInfo, limits: WorkbookLimits, *, is_sheet: bool) -> None:
    """Stream one part's XML, counting as it goes; the elements are dropped as soon as they are counted."""
    name = member.filename.rsplit("/", 1)[-1].removesuffix(".xml")
    counts = _Counts(name)
    parser: XMLPullParser[Element] = XMLPullParser(events=("end",))
    try:
        with archive.open(member) as stream:
            while chunk := stream.read(_CHUNK):
                parser.feed(chunk)
                _drain(parser, counts, limits, is_sheet)
        parser.close()
        _drain(parser, counts, limits, is_sheet)
    except (ParseError, zipfile.BadZipFile, OSError, EOFError):
        return  # broken XML or zip: left to the parser, which refuses it as an invalid XLSForm


def _drain(parser: XMLPullParser[Element], counts: _Counts, limits: WorkbookLimits, is_sheet: bool) -> None:
    for event in parser.read_events():
        element: Any = event[-1]  # ("end", element)
        if not isinstance(element, Element):
            continue
        tag = element.tag
        if tag in (f"{_MAIN}v", f"{_MAIN}t", f"{_MAIN}f", f"{_MAIN}is", f"{_MAIN}si"):
            text_length = sum(len(piece) for piece in element.itertext())
            if text_length > limits.max_cell_chars:
                raise _too_large(
                    f"Một ô có {text_length:,} ký tự (tối đa {limits.max_cell_chars:,}).",
                    f"A cell holds {text_length:,} characters (at most {limits.max_cell_chars:,}).",
                    counts.sheet if is_sheet else "",
                )
            if tag == f"{_MAIN}si":
                counts.cells += 1
                if counts.cells > limits.max_cells:
                    raise _too_large(
                        f"Tệp có hơn {limits.max_cells:,} đoạn chữ.",
                        f"The workbook has more than {limits.max_cells:,} distinct texts.",
                    )
                element.clear()
        elif is_sheet and tag == f"{_MAIN}c":
            counts.cells += 1
            reference = element.get("r", "")
            column = _column_number(reference)
            if column > limits.max_columns:
                raise _too_large(
                    f"Trang {counts.sheet}: ô {reference} vượt quá {limits.max_columns} cột.",
                    f"Sheet {counts.sheet}: cell {reference} is beyond {limits.max_columns} columns.",
                    counts.sheet,
                )
            if counts.cells > limits.max_cells:
                raise _too_large(
                    f"Trang {counts.sheet} có hơn {limits.max_cells:,} ô.",
                    f"Sheet {counts.sheet} has more than {limits.max_cells:,} cells.",
                    counts.sheet,
                )
            element.clear()
        elif is_sheet and tag == f"{_MAIN}row":
            counts.rows += 1
            row_number = element.get("r", "")
            number = int(row_number) if row_number.isdigit() else counts.rows
            if counts.rows > limits.max_rows or number > limits.max_rows:
                raise _too_large(
                    f"Trang {counts.sheet} có hơn {limits.max_rows:,} dòng.",
                    f"Sheet {counts.sheet} has more than {limits.max_rows:,} rows.",
                    counts.sheet,
                )
            element.clear()


def _column_number(reference: str) -> int:
    letters = re.match(r"[A-Z]+", reference)
    number = 0
    for letter in letters.group(0) if letters else "":
        number = number * 26 + ord(letter) - 64
    return number


def _check_text(data: bytes, limits: WorkbookLimits) -> None:
    lines = data.count(b"\n") + 1
    if lines > limits.max_rows:
        raise _too_large(
            f"Tệp có {lines:,} dòng (tối đa {limits.max_rows:,}).",
            f"The file has {lines:,} lines (at most {limits.max_rows:,}).",
        )
    longest = max((len(line) for line in data.split(b"\n")), default=0)
    if longest > limits.max_cell_chars * 4:
        raise _too_large(
            f"Một dòng dài {longest:,} byte.",
            f"A line is {longest:,} bytes long.",
        )


def check_definition_size(size: int, limit: int) -> None:
    """A form every phone downloads on each sync: refuse one larger than a phone can take."""
    if size > limit:
        raise _too_large(
            f"Biểu mẫu sau khi chuyển đổi nặng {size:,} byte, quá giới hạn {limit:,} byte mà điện thoại tải về"
            " được; hãy tách biểu mẫu hoặc đưa danh sách dài vào tệp CSV (select_one_from_file).",
            f"The converted form is {size:,} bytes, over the {limit:,} bytes a phone can take; split the form or"
            " move long lists to a CSV file (select_one_from_file).",
        )
