"""Hostile XLSForm workbooks, written as raw zips (openpyxl would have to build them in memory first).

A member may be given as ``Repeated(prefix, chunk, times, suffix)``: its deflate stream is the compressed chunk
after a full flush (byte-aligned, dictionary reset, so every repetition compresses to the same bytes) written
``times`` times. That is how a 3 MB upload unpacks to 3 GB without the test ever holding 3 GB.
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass

_SHEET_HEAD = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
)
_SHEET_TAIL = b"</sheetData></worksheet>"
SURVEY_ROWS = (
    b'<row r="1"><c r="A1" t="inlineStr"><is><t>type</t></is></c><c r="B1" t="inlineStr"><is><t>name</t></is></c>'
    b'<c r="C1" t="inlineStr"><is><t>label</t></is></c></row>'
    b'<row r="2"><c r="A2" t="inlineStr"><is><t>text</t></is></c><c r="B2" t="inlineStr"><is><t>q</t></is></c>'
    b'<c r="C2" t="s"><v>0</v></c></row>'
)


@dataclass(frozen=True)
class Repeated:
    prefix: bytes
    chunk: bytes
    times: int
    suffix: bytes


def _deflate(content: bytes | Repeated) -> tuple[bytes, int, int]:
    """(raw deflate bytes, crc32, unpacked size)."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    if isinstance(content, bytes):
        return compressor.compress(content) + compressor.flush(), zlib.crc32(content), len(content)
    head = compressor.compress(content.prefix) + compressor.flush(zlib.Z_FULL_FLUSH)
    block = compressor.compress(content.chunk) + compressor.flush(zlib.Z_FULL_FLUSH)
    tail = compressor.compress(content.suffix) + compressor.flush()
    crc = zlib.crc32(content.prefix)
    for _ in range(content.times):
        crc = zlib.crc32(content.chunk, crc)
    crc = zlib.crc32(content.suffix, crc)
    size = len(content.prefix) + len(content.chunk) * content.times + len(content.suffix)
    return head + block * content.times + tail, crc, size


def zip_bytes(members: dict[str, bytes | Repeated]) -> bytes:
    """A zip (deflate, no zip64: every member below 4 GiB) of these members."""
    body = bytearray()
    directory = bytearray()
    for name, content in members.items():
        data, crc, size = _deflate(content)
        encoded = name.encode()
        offset = len(body)
        body += struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0, crc, len(data), size, len(encoded), 0)
        body += encoded + data
        directory += struct.pack(
            "<IHHHHHHIIIHHHHHII",
            0x02014B50,
            20,
            20,
            0,
            8,
            0,
            0,
            crc,
            len(data),
            size,
            len(encoded),
            0,
            0,
            0,
            0,
            0,
            offset,
        )
        directory += encoded
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(members), len(members), len(directory), len(body), 0)
    return bytes(body + directory + end)


def workbook(survey_sheet: bytes | Repeated, shared_strings: bytes | Repeated | None = None) -> bytes:
    """An .xlsx with one sheet named survey."""
    ns = b"http://schemas.openxmlformats.org/"
    members: dict[str, bytes | Repeated] = {
        "[Content_Types].xml": b'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="'
        + ns
        + b'package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-'
        b'package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName='
        b'"/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"'
        b'/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-'
        b'officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType='
        b'"application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>',
        "_rels/.rels": b'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="'
        + ns
        + b'package/2006/relationships"><Relationship Id="rId1" Type="'
        + ns
        + b'officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        "xl/workbook.xml": b'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="'
        + ns
        + b'spreadsheetml/2006/main" xmlns:r="'
        + ns
        + b'officeDocument/2006/relationships"><sheets><sheet name="survey" sheetId="1" r:id="rId1"/></sheets>'
        b"</workbook>",
        "xl/_rels/workbook.xml.rels": b'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="'
        + ns
        + b'package/2006/relationships"><Relationship Id="rId1" Type="'
        + ns
        + b'officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" '
        b'Type="' + ns + b'officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>'
        b"</Relationships>",
        "xl/worksheets/sheet1.xml": survey_sheet,
        "xl/sharedStrings.xml": shared_strings
        or b'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="'
        + ns
        + b'spreadsheetml/2006/main" count="1" uniqueCount="1"><si><t>Q</t></si></sst>',
    }
    return zip_bytes(members)


def plain_survey() -> bytes:
    return _SHEET_HEAD + SURVEY_ROWS + _SHEET_TAIL


def huge_cell(chars: int = 200_000_000) -> bytes:
    """The label of the one question is a shared string of `chars` characters (~200 kB as a file)."""
    head = (
        b'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    )
    strings = Repeated(
        head + b' count="1" uniqueCount="1"><si><t>', b"A" * 1_000_000, chars // 1_000_000, b"</t></si></sst>"
    )
    return workbook(plain_survey(), strings)


def many_rows(rows: int = 1_000_000) -> bytes:
    """A survey sheet of a question and then `rows` empty rows."""
    return workbook(Repeated(_SHEET_HEAD + SURVEY_ROWS, b"<row/>" * 1000, rows // 1000, _SHEET_TAIL))


def zip_bomb(unpacked: int = 3_000_000_000) -> bytes:
    """A survey sheet padded with whitespace to `unpacked` bytes (~3 MB as a file for 3 GB)."""
    return workbook(Repeated(_SHEET_HEAD + SURVEY_ROWS, b" " * 1_000_000, unpacked // 1_000_000, _SHEET_TAIL))
