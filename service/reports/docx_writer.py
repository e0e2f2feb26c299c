"""The report as a Word document (python-docx), laid out as Decree 30/2020/NĐ-CP asks of an administrative text:
A4, margins 20/20/30/15 mm, Times New Roman 14 pt (LibreOffice shows it in the metric-twin Liberation Serif), the
issuing body and the national motto side by side, number and symbol, place and date, the title, the body, and the
recipients beside the signature block."""

from __future__ import annotations

import io
from typing import Any

from docx import Document as new_docx
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Cm, Mm, Pt
from docx.table import _Cell
from docx.text.paragraph import Paragraph as DocxParagraph

from service.reports.document import Chart, Document, Heading, Paragraph, Table

FONT = "Times New Roman"
BODY_PT = 14


def _line(
    cell_or_doc: Any,
    text: str,
    *,
    size: float = 13,
    bold: bool = False,
    italic: bool = False,
    underline: bool = False,
    align: WD_ALIGN_PARAGRAPH = WD_ALIGN_PARAGRAPH.CENTER,
) -> DocxParagraph:
    paragraph = cell_or_doc.add_paragraph()
    paragraph.alignment = align
    paragraph.paragraph_format.space_after = Pt(0)
    paragraph.paragraph_format.space_before = Pt(0)
    run = paragraph.add_run(text)
    run.font.size = Pt(size)
    run.bold = bold
    run.italic = italic
    run.underline = underline
    return paragraph


def _widths(table: Any, widths: tuple[Any, ...]) -> None:
    """Word reads the cells' widths, LibreOffice the grid's: set both."""
    table.autofit = False
    for index, width in enumerate(widths):
        table.columns[index].width = width
    for row in table.rows:  # row by row: python-docx rebuilds the whole grid for each column's cells
        for cell, width in zip(row.cells, widths, strict=False):
            cell.width = width


def _first_empty(cell: _Cell) -> None:
    """A new cell holds one empty paragraph: drop it so the cell starts with our first line."""
    element = cell.paragraphs[0]._element
    element.getparent().remove(element)


def _head(docx: Any, doc: Document) -> None:
    head = doc.head
    table = docx.add_table(rows=2, cols=2)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    _widths(table, (Cm(6.2), Cm(10.3)))
    left, right = table.rows[0].cells
    _first_empty(left)
    _first_empty(right)
    _line(left, head.committee, bold=True)
    _line(left, head.issuer, bold=True, underline=True)
    _line(right, head.motto_1, size=12, bold=True)
    _line(right, head.motto_2, size=13, bold=True, underline=True)
    number_cell, date_cell = table.rows[1].cells
    _first_empty(number_cell)
    _first_empty(date_cell)
    _line(number_cell, head.number.text)
    _line(date_cell, head.date_line, size=13, italic=True)
    for text, size in ((head.title, 14), (head.subtitle, 14)):
        paragraph = _line(docx, text, size=size, bold=True)
        paragraph.paragraph_format.space_before = Pt(12 if text == head.title else 0)
    _line(docx, head.period, size=13, italic=True).paragraph_format.space_after = Pt(12)


def _body_paragraph(docx: Any, text: str, *, italic: bool = False) -> None:
    for line in text.split("\n"):
        paragraph = docx.add_paragraph()
        paragraph.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
        paragraph.paragraph_format.first_line_indent = Cm(1.27)
        paragraph.paragraph_format.space_after = Pt(6)
        run = paragraph.add_run(line)
        run.italic = italic


def _table(docx: Any, block: Table) -> None:
    rows = [*block.rows, *([block.total] if block.total else [])]
    table = docx.add_table(rows=1 + len(rows), cols=len(block.columns))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    # 16.5 cm between the margins: a text column keeps at least 3.5 cm, a figure column takes at most 2.2 cm, and
    # the text columns share what the figures leave.
    figures = len(block.columns) - len(block.text_columns)
    figure_cm = min(2.2, (16.5 - 3.5 * len(block.text_columns)) / max(figures, 1))
    text_cm = (16.5 - figure_cm * figures) / max(len(block.text_columns), 1)
    _widths(table, tuple(Cm(text_cm if c in block.text_columns else figure_cm) for c in range(len(block.columns))))
    grid = [row.cells for row in table.rows]  # each `.cells` walks the table: once per row, not per cell
    for index, title in enumerate(block.columns):
        cell = grid[0][index]
        cell.text = ""
        run = cell.paragraphs[0].add_run(title)
        run.bold = True
        run.font.size = Pt(11 if len(block.columns) <= 5 else 10)  # eight narrow columns: keep words whole
        cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
    for r, values in enumerate(rows, start=1):
        is_total = block.total is not None and r == len(rows)
        for c, value in enumerate(values):
            cell = grid[r][c]
            run = cell.paragraphs[0].add_run(value)
            run.font.size = Pt(11)
            run.bold = is_total
            numeric = c not in block.text_columns
            cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT if numeric else WD_ALIGN_PARAGRAPH.LEFT
    docx.add_paragraph().paragraph_format.space_after = Pt(0)


def _foot(docx: Any, doc: Document) -> None:
    head = doc.head
    _body_paragraph(docx, head.closing)
    table = docx.add_table(rows=1, cols=2)
    _widths(table, (Cm(8.25), Cm(8.25)))
    left, right = table.rows[0].cells
    _first_empty(left)
    _first_empty(right)
    _line(left, head.recipients_title, size=12, bold=True, italic=True, align=WD_ALIGN_PARAGRAPH.LEFT)
    for line in head.recipients.text.split("\n"):
        _line(left, line, size=11, align=WD_ALIGN_PARAGRAPH.LEFT)
    for line in head.signer.text.split("\n"):
        _line(right, line, size=14, bold=True)
    _line(right, head.signer_name, size=12, italic=True)


def render(doc: Document) -> bytes:
    """CPU work (a few tens of ms): the caller runs it in a worker thread."""
    docx = new_docx()
    section = docx.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(20), Mm(20)
    section.left_margin, section.right_margin = Mm(30), Mm(15)
    normal = docx.styles["Normal"]
    normal.font.name = FONT
    normal.font.size = Pt(BODY_PT)
    # Word picks the font per script: name it for every script so Vietnamese never falls back to another face.
    fonts = normal.element.rPr.get_or_add_rFonts()
    for attribute in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
        fonts.set(qn(attribute), FONT)
    _head(docx, doc)
    for block in doc.blocks:
        if isinstance(block, Heading):
            paragraph = docx.add_paragraph()
            paragraph.paragraph_format.space_before = Pt(6)
            paragraph.paragraph_format.space_after = Pt(6)
            paragraph.paragraph_format.first_line_indent = Cm(1.27) if block.level > 1 else None
            run = paragraph.add_run(block.text)
            run.bold = True
            run.italic = block.level == 3
        elif isinstance(block, Paragraph):
            text = block.section.text or block.placeholder
            _body_paragraph(docx, text, italic=not block.section.text)
        elif isinstance(block, Table):
            _table(docx, block)
        elif isinstance(block, Chart):
            continue  # the page's pictures; the document carries their tables
    _foot(docx, doc)
    buffer = io.BytesIO()
    docx.save(buffer)
    return buffer.getvalue()
