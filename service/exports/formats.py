"""Writers that turn chunks of rows into bytes as they arrive: CSV, XLSX (openpyxl write-only), GeoJSON.

Each takes an async iterator of row chunks and yields bytes, holding one chunk at a time (XLSX spools its
sheet to a temporary file, as a zip needs, and streams the finished file), so memory stays flat however many
rows there are.
"""

from __future__ import annotations

import csv
import io
import re
import tempfile
from collections.abc import AsyncIterator, Callable, Sequence
from typing import Any

import anyio
import msgspec

Rows = AsyncIterator[Sequence[Sequence[Any]]]
BOM = "\ufeff"
# OWASP's list: a spreadsheet reads a cell starting with one of these as a formula (tab and CR too).
FORMULA_START = frozenset("=+-@\t\r")
_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")  # openpyxl refuses these characters
CHUNK_BYTES = 1 << 16


def inert(text: str | None) -> str | None:
    """A text cell a spreadsheet will show as text, never run: a leading ' before a formula character."""
    if text and text[0] in FORMULA_START:
        return "'" + text
    return text


MEDIA_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "geojson": "application/geo+json",
}


def csv_head(titles: Sequence[str]) -> bytes:
    """The BOM (Excel then reads Vietnamese right) and the title row."""
    buffer = io.StringIO()
    buffer.write(BOM)
    csv.writer(buffer, lineterminator="\r\n").writerow(titles)
    return buffer.getvalue().encode()


_LINE_BREAKS_AS_SPACES = str.maketrans("\r\n", "  ")


async def csv_bytes(
    titles: Sequence[str],
    rows: AsyncIterator[Sequence[list[Any]]],
    text_columns: Sequence[int],
    *,
    one_line: bool = False,
) -> AsyncIterator[bytes]:
    """UTF-8 with a BOM and CRLF line ends (RFC 4180). The cells of `text_columns` (free text people typed;
    rows are lists) are made `inert`; numbers are left alone. `one_line`: their line breaks become spaces first
    (names and addresses, which are entered on one line; a visit's notes keep theirs)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    buffer.write(csv_head(titles).decode())
    starts = FORMULA_START
    async for chunk in rows:
        for row in chunk:
            for index in text_columns:
                value = row[index]
                if not value or value.__class__ is not str:
                    continue
                if one_line and ("\n" in value or "\r" in value):
                    value = row[index] = value.translate(_LINE_BREAKS_AS_SPACES)
                if value[0] in starts:
                    row[index] = "'" + value
        writer.writerows(chunk)
        if buffer.tell() >= CHUNK_BYTES:
            yield buffer.getvalue().encode()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode()


def _xlsx_cell(sheet: Any, value: Any) -> Any:
    from openpyxl.cell import WriteOnlyCell

    if isinstance(value, str):
        value = _ILLEGAL_XML.sub("", value)
        cell = WriteOnlyCell(sheet, value=value)
        cell.data_type = "s"  # never a formula, whatever it starts with
        return cell
    return value


async def xlsx_bytes(titles: Sequence[str], rows: Rows, sheet_title: str = "Dữ liệu") -> AsyncIterator[bytes]:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=sheet_title[:31])
    bold = Font(bold=True)
    header = []
    for title in titles:
        cell = _xlsx_cell(sheet, title)
        cell.font = bold
        header.append(cell)
    sheet.append(header)

    def append(chunk: Sequence[Sequence[Any]]) -> None:
        for row in chunk:
            sheet.append([_xlsx_cell(sheet, value) for value in row])

    async for chunk in rows:
        await anyio.to_thread.run_sync(append, chunk)
    with tempfile.TemporaryFile() as spool:
        await anyio.to_thread.run_sync(workbook.save, spool)
        spool.seek(0)
        while True:
            data = await anyio.to_thread.run_sync(spool.read, CHUNK_BYTES)
            if not data:
                break
            yield data


_encoder = msgspec.json.Encoder()


async def geojson_bytes(
    titles: Sequence[str], rows: Rows, point: Callable[[Sequence[Any]], tuple[float, float] | None]
) -> AsyncIterator[bytes]:
    """A FeatureCollection; each row a Feature with its columns as properties, located by `point(row)`."""
    yield b'{"type":"FeatureCollection","features":['
    first = True
    async for chunk in rows:
        parts = []
        for row in chunk:
            location = point(row)
            geometry = {"type": "Point", "coordinates": [location[1], location[0]]} if location else None
            feature = {"type": "Feature", "geometry": geometry, "properties": dict(zip(titles, row, strict=True))}
            parts.append(_encoder.encode(feature))
        if parts:
            yield (b"" if first else b",") + b",".join(parts)
            first = False
    yield b"]}"


async def xlsx_sheets(sheets: Sequence[tuple[str, Sequence[str], Sequence[Sequence[Any]]]]) -> AsyncIterator[bytes]:
    """A small workbook of several sheets (title, column titles, rows), e.g. the report's tables."""

    from openpyxl import Workbook
    from openpyxl.styles import Font

    def build() -> bytes:
        workbook = Workbook(write_only=True)
        bold = Font(bold=True)
        for title, titles, rows in sheets:
            sheet = workbook.create_sheet(title=_ILLEGAL_XML.sub("", title)[:31])
            header = []
            for text in titles:
                cell = _xlsx_cell(sheet, text)
                cell.font = bold
                header.append(cell)
            sheet.append(header)
            for row in rows:
                sheet.append([_xlsx_cell(sheet, value) for value in row])
        buffer = io.BytesIO()
        workbook.save(buffer)
        return buffer.getvalue()

    yield await anyio.to_thread.run_sync(build)
