"""Inline SVG charts drawn on the server: no script, prints as it shows, reads without JavaScript."""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup, escape

BAR_COLOUR = "#1d6fb8"
LOW_COLOUR = "#c0392b"  # coverage under half
LEVEL_COLOURS = ["#c0392b", "#e67e22", "#27ae60", "#1d6fb8", "#8e44ad", "#7f8c8d"]


def _percent(value: float | None) -> str:
    return "–" if value is None else f"{value * 100:.1f}%".replace(".", ",")


def coverage_bars(rows: Sequence[tuple[str, float | None]], *, title: str) -> Markup:
    """One horizontal bar per child area: its coverage (0–100 %)."""
    label_w, bar_w, row_h, top = 190, 420, 22, 28
    height = top + row_h * max(len(rows), 1) + 24
    parts = [
        (
            f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" viewBox="0 0 {label_w + bar_w + 70} '
            f'{height}" width="100%" aria-label="{escape(title)}"><title>{escape(title)}</title>'
        )
    ]
    for tick in range(0, 101, 25):
        x = label_w + bar_w * tick / 100
        parts.append(
            f'<line x1="{x:.1f}" y1="{top - 6}" x2="{x:.1f}" y2="{height - 20}" stroke="#ccc"/>'
            f'<text x="{x:.1f}" y="{top - 10}" font-size="10" text-anchor="middle">{tick}%</text>'
        )
    for index, (name, value) in enumerate(rows):
        y = top + index * row_h
        width = bar_w * (value or 0)
        colour = LOW_COLOUR if value is not None and value < 0.5 else BAR_COLOUR
        short = name if len(name) <= 28 else name[:27] + "…"
        parts.append(
            f'<text x="{label_w - 6}" y="{y + 15}" font-size="12" text-anchor="end">{escape(short)}</text>'
            f'<rect class="bar" x="{label_w}" y="{y + 3}" width="{width:.1f}" height="{row_h - 7}" fill="{colour}">'
            f"<title>{escape(name)}: {_percent(value)}</title></rect>"
            f'<text x="{label_w + width + 4:.1f}" y="{y + 15}" font-size="11">{_percent(value)}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def level_distribution(rows: Sequence[tuple[str, int]], *, title: str) -> Markup:
    """Households per level: vertical bars with counts and shares."""
    total = sum(count for _, count in rows) or 1
    width, height, base, top = 620, 230, 200, 20
    slot = width / max(len(rows), 1)
    peak = max((count for _, count in rows), default=0) or 1
    parts = [
        (
            f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" viewBox="0 0 {width} {height}" '
            f'width="100%" aria-label="{escape(title)}"><title>{escape(title)}</title>'
            f'<line x1="0" y1="{base}" x2="{width}" y2="{base}" stroke="#999"/>'
        )
    ]
    for index, (name, count) in enumerate(rows):
        bar_h = (base - top - 20) * count / peak
        x = index * slot + slot * 0.2
        colour = LEVEL_COLOURS[index % len(LEVEL_COLOURS)]
        parts.append(
            f'<rect class="bar" x="{x:.1f}" y="{base - bar_h:.1f}" width="{slot * 0.6:.1f}" height="{bar_h:.1f}" '
            f'fill="{colour}"><title>{escape(name)}: {count}</title></rect>'
            f'<text x="{x + slot * 0.3:.1f}" y="{base - bar_h - 6:.1f}" font-size="12" text-anchor="middle">'
            f"{count:,} ({_percent(count / total)})</text>"
            f'<text x="{x + slot * 0.3:.1f}" y="{base + 18}" font-size="12" text-anchor="middle">{escape(name)}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))
