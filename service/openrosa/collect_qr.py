"""ODK Collect's settings QR: base64(zlib(JSON)) with `general`, `admin` and `project` (getodk/docs
collect-import-export.rst; both `general` and `admin` are required). One scan sets the server URL, which carries
the member's device token in its path (service/openrosa/controllers.py)."""

from __future__ import annotations

import base64
import zlib

import msgspec

PROJECT = {"name": "Gõ Cửa", "icon": "G", "color": "#1b6e4f"}


def collect_server_url(public_url: str, token: str) -> str:
    return f"{public_url.rstrip('/')}/openrosa/key/{token}"


def collect_settings_payload(public_url: str, token: str) -> str:
    settings = {
        "general": {
            "server_url": collect_server_url(public_url, token),
            # Keep the forms on the phone exactly those the server lists (new versions replace old ones).
            "form_update_mode": "match_exactly",
            "autosend": "wifi_and_cellular",
        },
        "admin": {},
        "project": PROJECT,
    }
    return base64.b64encode(zlib.compress(msgspec.json.encode(settings))).decode()
