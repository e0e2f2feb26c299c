"""Figures in words: numbers and distances as Vietnamese and English readers write them."""

from __future__ import annotations


def number(value: float, lang: str, decimals: int = 1) -> str:
    """1,2 / 1.250 in Vietnamese; 1.2 / 1,250 in English; no trailing ",0"."""
    text = f"{value:,.{decimals}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    if lang == "vi":
        text = text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")
    return text


def distance(metres: float, lang: str) -> str:
    if metres >= 1000:
        return f"{number(metres / 1000, lang)} km"
    return f"{number(metres, lang, 0)} m"


def minutes(value: float, lang: str) -> str:
    if value >= 90:
        hours = number(value / 60, lang)
        return f"{hours} giờ" if lang == "vi" else f"{hours} h"
    return f"{number(value, lang, 0)} phút" if lang == "vi" else f"{number(value, lang, 0)} min"
