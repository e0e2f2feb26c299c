"""The API docs page (/schema) served wholly by this service: Swagger UI from the `swagger-ui-bundle-v2` package,
so an offline district server still shows its docs, and nothing loads from another host (no CDN, no `@latest`).

The page is static HTML; its start-up script is a file too, so the page runs under the `script-src 'self'`
Content-Security-Policy every response carries (service/http/security_headers.py).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import swagger_ui_bundle
from litestar import Request, Response, get
from litestar.openapi.plugins import OpenAPIRenderPlugin
from litestar.params import FromPath

from service import errors

ASSETS_PATH = "/schema-assets"
_INIT_JS = b"""window.addEventListener("load", function () {
  window.ui = SwaggerUIBundle({
    url: "/schema/openapi.json",
    dom_id: "#swagger-ui",
    deepLinking: true,
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
    layout: "StandaloneLayout",
  });
});
"""
_VENDOR_FILES = {
    "swagger-ui.css": "text/css; charset=utf-8",
    "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
    "swagger-ui-standalone-preset.js": "text/javascript; charset=utf-8",
}


@cache
def _asset(name: str) -> tuple[bytes, str]:
    if name == "init.js":
        return _INIT_JS, "text/javascript; charset=utf-8"
    media_type = _VENDOR_FILES.get(name)
    if media_type is None:
        raise errors.DomainError(errors.ROUTE_NOT_FOUND)
    return (Path(swagger_ui_bundle.swagger_ui_path) / name).read_bytes(), media_type


@get(f"{ASSETS_PATH}/{{name:str}}", include_in_schema=False, sync_to_thread=False)
def get_docs_asset(name: FromPath[str]) -> Response[bytes]:
    data, media_type = _asset(name)
    return Response(data, media_type=media_type, headers={"Cache-Control": "public, max-age=86400"})


class LocalSwaggerRenderPlugin(OpenAPIRenderPlugin):
    def __init__(self) -> None:
        super().__init__(path="/swagger", favicon="", style="<style>body { margin: 0; }</style>")

    def render(self, request: Request[Any, Any, Any], openapi_schema: dict[str, Any]) -> bytes:
        title = str(openapi_schema.get("info", {}).get("title", "API"))
        return f"""<!DOCTYPE html>
<html lang="vi">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<link rel="stylesheet" href="{ASSETS_PATH}/swagger-ui.css">
{self.style}
</head>
<body>
<div id="swagger-ui"></div>
<script src="{ASSETS_PATH}/swagger-ui-bundle.js"></script>
<script src="{ASSETS_PATH}/swagger-ui-standalone-preset.js"></script>
<script src="{ASSETS_PATH}/init.js"></script>
</body>
</html>
""".encode()
