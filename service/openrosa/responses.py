"""OpenRosa response documents and headers (getodk/docs openrosa-form-list.rst, openrosa-form-submission.rst).

Every OpenRosa response, errors included, carries `X-OpenRosa-Version: 1.0` (Collect refuses a formList or
manifest without it), `X-OpenRosa-Accept-Content-Length` (Collect reads it from HEAD /submission to split uploads),
`Date` and `Content-Language`. formList and manifest are `text/xml` (Collect refuses `application/xml` there).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from email.utils import formatdate
from xml.sax.saxutils import escape, quoteattr

from litestar import Response

from service.http import limits
from service.settings import Settings

XML_MEDIA_TYPE = "text/xml; charset=utf-8"
# A few percent under the route's ceiling: Collect does not count the multipart overhead it adds.
ACCEPT_MARGIN = 0.95


def accept_content_length(settings: Settings) -> int:
    """The size Collect, Enketo and Web Forms are told to stay under per POST."""
    ceiling = int(limits.MEDIA_ROUTE_BYTES * ACCEPT_MARGIN)
    if settings.openrosa_accept_bytes:
        return min(settings.openrosa_accept_bytes, ceiling)
    return ceiling


def openrosa_headers(settings: Settings) -> dict[str, str]:
    return {
        "X-OpenRosa-Version": "1.0",
        "X-OpenRosa-Accept-Content-Length": str(accept_content_length(settings)),
        "Date": formatdate(usegmt=True),
        "Content-Language": "vi",
    }


def xml_response(body: bytes, settings: Settings, status: int = 200, **extra: str) -> Response[bytes]:
    return Response(
        body, status_code=status, media_type=XML_MEDIA_TYPE, headers={**openrosa_headers(settings), **extra}
    )


def empty_response(settings: Settings, status: int = 204) -> Response[bytes]:
    return Response(b"", status_code=status, headers=openrosa_headers(settings))


def message_document(message: str, nature: str = "") -> bytes:
    """`<OpenRosaResponse>` with one message: Collect shows the first `<message>` to the member."""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<OpenRosaResponse xmlns="http://openrosa.org/http/response" items="0">'
        f"<message nature={quoteattr(nature)}>{escape(message)}</message></OpenRosaResponse>"
    ).encode()


@dataclass(frozen=True, slots=True)
class FormListItem:
    form_id: str
    name: str
    version: str
    md5: str
    download_url: str
    manifest_url: str


def form_list_document(items: Iterable[FormListItem]) -> bytes:
    entries = "".join(
        "<xform>"
        f"<formID>{escape(item.form_id)}</formID>"
        f"<name>{escape(item.name)}</name>"
        f"<version>{escape(item.version)}</version>"
        f"<hash>md5:{item.md5}</hash>"
        f"<downloadUrl>{escape(item.download_url)}</downloadUrl>"
        f"<manifestUrl>{escape(item.manifest_url)}</manifestUrl>"
        "</xform>"
        for item in items
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<xforms xmlns="http://openrosa.org/xforms/xformsList">{entries}</xforms>'
    ).encode()


def manifest_document(files: Iterable[tuple[str, str, str]]) -> bytes:
    """(filename, md5, download url) per media file."""
    entries = "".join(
        f"<mediaFile><filename>{escape(name)}</filename><hash>md5:{md5}</hash>"
        f"<downloadUrl>{escape(url)}</downloadUrl></mediaFile>"
        for name, md5, url in files
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<manifest xmlns="http://openrosa.org/xforms/xformsManifest">{entries}</manifest>'
    ).encode()
