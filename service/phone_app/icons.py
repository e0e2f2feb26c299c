"""The app's icons, drawn with Pillow when the service starts (no binary files in the repository)."""

from __future__ import annotations

import io

from PIL import Image, ImageDraw

ICON_SIZES = (192, 512)
GREEN = (21, 101, 52)
CREAM = (255, 248, 225)


def icon_png(size: int, *, maskable: bool = False) -> bytes:
    """A door on a green square: the app is about knocking on doors."""
    image = Image.new("RGB", (size, size), GREEN)
    draw = ImageDraw.Draw(image)
    # Maskable icons keep their drawing inside the central 80 % safe zone.
    scale = 0.62 if maskable else 0.74
    width, height = size * scale * 0.62, size * scale
    left, top = (size - width) / 2, (size - height) / 2
    draw.rounded_rectangle((left, top, left + width, top + height), radius=size * 0.04, fill=CREAM)
    inset = size * 0.045
    draw.rectangle((left + inset, top + inset, left + width - inset, top + height * 0.48), fill=(200, 230, 201))
    knob = size * 0.035
    kx, ky = left + width * 0.78, top + height * 0.6
    draw.ellipse((kx - knob, ky - knob, kx + knob, ky + knob), fill=GREEN)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()
