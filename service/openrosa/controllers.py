"""OpenRosa routes for ODK Collect, Enketo and Web Forms, under `/openrosa/key/{device token}` (ODK Central's
App-User pattern: Collect cannot send a Bearer token, so the member's revocable device token is in the path).

| route (under /openrosa/key/{token}) | answer |
| --- | --- |
| `GET, HEAD /formList[?formID=]` | `<xforms>`: the newest version of each form that has an XForm |
| `GET /forms/{id}/v/{version}/form.xml` | the stored XForm bytes (older versions stay downloadable) |
| `GET, HEAD /forms/{id}/v/{version}/manifest` | `<manifest>`: households.csv (the member's village) + media |
| `GET /forms/{id}/v/{version}/attachments/{name}` | a media file |
| `GET, HEAD /submission` | 204 with X-OpenRosa-Accept-Content-Length |
| `POST /submission` | 201 + `<OpenRosaResponse>`; protocol faults 4xx with a Vietnamese `<message>` |

Every answer, errors included (a body over the route's ceiling too), is OpenRosa: XML with the OpenRosa headers.
A bad or revoked token is 403, never 401 (a 401 makes clients ask for a password forever). The token never goes
into a log line: paths are logged with it redacted.
"""

from __future__ import annotations

import logging
import re
from typing import Any
from urllib.parse import quote

from litestar import Request, Response, Router, get, head, post
from litestar.datastructures import State
from litestar.di import NamedDependency, Provide
from litestar.exceptions import HTTPException
from litestar.params import FromPath
from sqlalchemy.ext.asyncio import AsyncSession

from service import errors
from service.audit import services as audit
from service.auth.actor import FIELD_ROLES, Actor
from service.auth.authn import device_token_actor
from service.auth.csrf import ACTS_WITHOUT_SESSION
from service.db.outage import is_database_outage
from service.http import limits
from service.http.deps import DbSession
from service.http.problems import EXCEPTION_HANDLERS
from service.http.public_url import public_base_url
from service.openrosa import media, responses, submissions
from service.openrosa.multipart import part_limits, read_submission
from service.openrosa.prepare import Client
from service.openrosa.xforms import latest_versions, xform_of
from service.registry import services as registry
from service.registry.models import FormVersion
from service.settings import Settings
from storage.errors import StoreUnavailable

log = logging.getLogger("gocua.openrosa")
# The member the path's device token names (provide_member), injected by this name.
Member = NamedDependency[Actor]
BASE = "/openrosa/key/{token:str}"
_TOKEN_IN_PATH = re.compile(r"(/openrosa/key/)[^/]+")


def redacted(path: str) -> str:
    """A path fit for a log line: the device token replaced."""
    return _TOKEN_IN_PATH.sub(r"\1…", path)


async def provide_member(request: Request, state: State) -> Actor:
    token = request.path_params.get("token", "")
    actor = await device_token_actor(token, state.token_lookup)
    if actor is None or actor.role not in FIELD_ROLES:
        raise errors.DomainError(errors.OPENROSA_TOKEN_INVALID)
    return actor


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def openrosa_error(request: Request, exc: Exception) -> Response[bytes]:
    """Every failure under /openrosa as an OpenRosaResponse: Collect shows its first <message> to the member."""
    if isinstance(exc, errors.DomainError):
        kind, message = exc.kind, exc.detail_vi
    elif isinstance(exc, HTTPException):
        kind = errors.for_http_status(exc.status_code)
        message = kind.title_vi
        if exc.status_code == 413:
            message = "Dữ liệu gửi lên quá lớn. Hãy giảm kích thước ảnh (hoặc gửi ít ảnh hơn mỗi lần) rồi gửi lại."
    elif isinstance(exc, StoreUnavailable):
        kind, message = errors.STORE_UNAVAILABLE, "Máy chủ đang bận, phiếu chưa được nhận. Hãy gửi lại sau ít phút."
    elif is_database_outage(exc):
        kind, message = errors.UNAVAILABLE, "Máy chủ đang bận, phiếu chưa được nhận. Hãy gửi lại sau ít phút."
    else:
        log.error("unhandled error on %s %s", request.method, redacted(request.url.path), exc_info=exc)
        kind, message = errors.INTERNAL, errors.INTERNAL.title_vi
    if kind.status >= 400:
        log.info("openrosa %s %s → %d %s", request.method, redacted(request.url.path), kind.status, kind.code)
    settings = _settings(request)
    if request.method == "HEAD":
        return responses.empty_response(settings, kind.status)
    return responses.xml_response(responses.message_document(message, "error"), settings, kind.status)


def _base_url(request: Request, token: str) -> str:
    return f"{public_base_url(request, _settings(request))}/openrosa/key/{quote(token, safe='')}"


def _version_url(request: Request, token: str, form_id: str, version: str) -> str:
    return f"{_base_url(request, token)}/forms/{quote(form_id, safe='')}/v/{quote(version, safe='')}"


async def _form_list(request: Request, db_session: AsyncSession, token: str, form_id: str | None) -> bytes:
    items = []
    for version in await latest_versions(db_session, form_id):
        stored = await xform_of(db_session, version)
        if stored.xform is None or stored.md5 is None:
            continue  # pyxform could not express it: not offered to ODK clients
        base = _version_url(request, token, version.form_id, version.version)
        items.append(
            responses.FormListItem(
                form_id=version.form_id,
                name=version.title_vi,
                version=version.version,
                md5=stored.md5,
                download_url=f"{base}/form.xml",
                manifest_url=f"{base}/manifest",
            )
        )
    return responses.form_list_document(items)


@get("/formList")
async def form_list(
    request: Request,
    db_session: DbSession,
    member: Member,
    token: FromPath[str],
) -> Response[bytes]:
    # `formID` (Enketo asks for one form); `deviceID`, `verbose`, `listAllVersions` are accepted and ignored.
    wanted = request.query_params.get("formID")
    body = await _form_list(request, db_session, token, wanted)
    return responses.xml_response(body, _settings(request))


@head("/formList")
async def form_list_head(request: Request, member: Member) -> Response[None]:
    return Response(None, status_code=204, headers=responses.openrosa_headers(_settings(request)))


async def _published(db_session: AsyncSession, form_id: str, version: str) -> FormVersion:
    try:
        return await registry.get_version(db_session, form_id, version)
    except errors.DomainError:
        raise errors.DomainError(
            errors.OPENROSA_FORM_UNKNOWN,
            f"Máy chủ không có biểu mẫu “{form_id}” phiên bản “{version}”.",
            f"No form {form_id!r} version {version!r}.",
        ) from None


@get("/forms/{form_id:str}/v/{version:str}/form.xml")
async def xform_download(
    request: Request, db_session: DbSession, member: Member, form_id: FromPath[str], version: FromPath[str]
) -> Response[bytes]:
    stored = await xform_of(db_session, await _published(db_session, form_id, version))
    if stored.xform is None:
        raise errors.DomainError(errors.OPENROSA_FORM_CLOSED)
    return responses.xml_response(stored.xform, _settings(request), ETag=f'"{stored.md5}"')


async def _manifest(
    request: Request, db_session: AsyncSession, member: Member, token: str, form_id: str, version: str
) -> bytes:
    row = await _published(db_session, form_id, version)
    files = await media.manifest_entries(db_session, member, row)
    base = _version_url(request, token, form_id, version)
    return responses.manifest_document((name, md5, f"{base}/attachments/{quote(name, safe='')}") for name, md5 in files)


@get("/forms/{form_id:str}/v/{version:str}/manifest")
async def manifest(
    request: Request,
    db_session: DbSession,
    member: Member,
    token: FromPath[str],
    form_id: FromPath[str],
    version: FromPath[str],
) -> Response[bytes]:
    body = await _manifest(request, db_session, member, token, form_id, version)
    return responses.xml_response(body, _settings(request))


@head("/forms/{form_id:str}/v/{version:str}/manifest")
async def manifest_head(
    request: Request, db_session: DbSession, member: Member, form_id: FromPath[str], version: FromPath[str]
) -> Response[None]:
    await _published(db_session, form_id, version)
    return Response(None, status_code=204, headers=responses.openrosa_headers(_settings(request)))


@get("/forms/{form_id:str}/v/{version:str}/attachments/{filename:str}")
async def media_file(
    request: Request,
    db_session: DbSession,
    member: Member,
    form_id: FromPath[str],
    version: FromPath[str],
    filename: FromPath[str],
) -> Response[bytes]:
    row = await _published(db_session, form_id, version)
    found = await media.one_media_file(db_session, member, row, filename)
    if found is not None:
        if filename == media.HOUSEHOLDS_CSV:
            audit.record(db_session, member, "sync", "households", "openrosa")
        headers = {**responses.openrosa_headers(_settings(request)), "ETag": f'"{found.md5}"'}
        return Response(found.content, media_type=found.content_type, headers=headers)
    raise errors.DomainError(errors.OPENROSA_FORM_UNKNOWN, "Không có tệp này.", f"No media file {filename!r}.")


@get("/submission", status_code=204)
async def submission_probe(request: Request, member: Member) -> Response[None]:
    # Collect and Enketo ask HEAD first (Collect: only a 204 is an OpenRosa endpoint); GET answers alike.
    return Response(None, status_code=204, headers=responses.openrosa_headers(_settings(request)))


@head("/submission")
async def submission_probe_head(request: Request, member: Member) -> Response[None]:
    return Response(None, status_code=204, headers=responses.openrosa_headers(_settings(request)))


@post("/submission", request_max_body_size=limits.MEDIA_ROUTE_BYTES)
async def submit(request: Request, member: Member) -> Response[bytes]:
    intake = request.app.state.intake
    settings = _settings(request)
    body = await read_submission(request, part_limits(settings))
    client = Client(
        member,
        device_id=request.query_params.get("deviceID"),
        user_agent=request.headers.get("user-agent"),
    )
    outcome = await submissions.receive(client, body, intake)
    return responses.xml_response(responses.message_document(outcome.message()), settings, 201)


def _handlers() -> list[Any]:
    return [
        form_list,
        form_list_head,
        xform_download,
        manifest,
        manifest_head,
        media_file,
        submission_probe,
        submission_probe_head,
        submit,
    ]


OPENROSA_ROUTER = Router(
    path=BASE,
    route_handlers=_handlers(),
    dependencies={"member": Provide(provide_member)},
    # Every key the app maps (service/http/problems.py), so none of its problem+json handlers is more specific.
    exception_handlers=dict.fromkeys(EXCEPTION_HANDLERS, openrosa_error),
    include_in_schema=False,
    tags=["openrosa"],
    # The caller is the device token in the path and nothing else: a session cookie is never read here, so a
    # request from another site riding on one gains nothing (and ODK clients send no Origin or CSRF header).
    opt={ACTS_WITHOUT_SESSION: True},
)
