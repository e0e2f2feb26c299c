"""Form definitions shipped with Gõ Cửa (JSON files next to this module)."""

from __future__ import annotations

from pathlib import Path

_HERE = Path(__file__).resolve().parent


def bundled_form_paths() -> list[Path]:
    """The bundled definition files, sorted by file name."""
    return sorted(_HERE.glob("*.json"))
