"""How the report writes a number and a share, in Vietnamese (1.267; 60,0%) or English (1,267; 60.0%): one
definition for the page, the XLSX titles, the drafted sentences, the DOCX and the PDF."""

from __future__ import annotations


def number(value: float | None, lang: str) -> str:
    if value is None:
        return "–"
    text = f"{value:,}" if isinstance(value, int) else f"{value:,.1f}"
    return text.replace(",", "\0").replace(".", ",").replace("\0", ".") if lang == "vi" else text


def percent(value: float | None, lang: str) -> str:
    if value is None:
        return "–"
    text = f"{value * 100:.1f}%"
    return text.replace(".", ",") if lang == "vi" else text
