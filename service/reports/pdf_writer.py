"""The report as PDF: the document model drawn by one HTML template and laid out by WeasyPrint (Pango from
Debian; Liberation Serif from Debian's fonts-liberation, the metric twin of Times New Roman). WeasyPrint fetches
nothing: every URL it meets is refused, so a report never reaches another host."""

from __future__ import annotations

from pathlib import Path
from typing import Any, NoReturn

from jinja2 import Environment, FileSystemLoader, select_autoescape

from service.reports.document import Document

TEMPLATES = Path(__file__).parent / "templates"
_environment = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["j2", "html"]))


def _no_fetching(url: str, *args: Any, **kwargs: Any) -> NoReturn:
    raise ValueError(f"the report loads nothing from outside ({url[:40]})")


def html(doc: Document, lang: str) -> str:
    return _environment.get_template("reports/document.html.j2").render(doc=doc, lang=lang)


def _weasyprint_html() -> Any:
    """WeasyPrint's HTML class. Importing WeasyPrint sets Pillow's process-wide LOAD_TRUNCATED_IMAGES, which would
    let a photo cut short in transit through the photo checks (storage/photo_checks.py) in this process: it is put
    back at once (the report draws no images of its own; tests/reports/test_pdf_leaves_photo_checks.py)."""
    from PIL import ImageFile

    truncated = ImageFile.LOAD_TRUNCATED_IMAGES
    from weasyprint import HTML

    ImageFile.LOAD_TRUNCATED_IMAGES = truncated
    return HTML


def render(doc: Document, lang: str) -> bytes:
    """CPU work (a fraction of a second for a district): the caller runs it in a worker thread."""
    return _weasyprint_html()(string=html(doc, lang), url_fetcher=_no_fetching).write_pdf()
