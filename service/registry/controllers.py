from __future__ import annotations

import asyncio
import time
from typing import Annotated

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import State, UploadFile
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, FromQuery, HeaderParameter, MultipartBody
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED, HTTP_304_NOT_MODIFIED
from sqlalchemy.ext.asyncio import AsyncSession

import forms
from forms import FormDefinition
from service import errors
from service.auth.actor import Role
from service.http import limits
from service.http.deps import CurrentActor, DbSession, request_transaction
from service.http.openapi import component, raw_body_operation
from service.http.paging import Page
from service.openrosa import xforms as openrosa_xforms
from service.registry import services
from service.registry.models import FormVersion
from service.registry.schemas import FormSummary, PublishResult, PublishWarning

XLSFORM_MAX_BYTES = 5_000_000

# The handlers send the stored bytes themselves (for the ETag), so the document names the shape they have.
DEFINITION_RESPONSES = {
    200: ResponseSpec(FormDefinition, generate_examples=False, description="The form definition"),
    304: ResponseSpec(None, description="Not modified: If-None-Match matched the ETag"),
}
PUBLISH_RESPONSES = {
    200: ResponseSpec(
        PublishResult,
        generate_examples=False,
        description="The same definition was already published under this version",
    ),
}
PublishFormOperation = raw_body_operation(
    "A form definition (JSON).", {"application/json": component("FormDefinition")}
)


def _etag_matches(if_none_match: str | None, etag: str) -> bool:
    if not if_none_match:
        return False
    candidates = [c.strip() for c in if_none_match.split(",")]
    # If-None-Match uses the weak comparison (RFC 9110 §13.1.2).
    return any(c == "*" or c.removeprefix("W/") == etag for c in candidates)


def _definition_response(row: FormVersion, if_none_match: str | None) -> Response[bytes]:
    etag = f'"{row.content_hash}"'
    headers = {"ETag": etag, "Cache-Control": "no-cache"}
    if _etag_matches(if_none_match, etag):
        return Response(b"", status_code=HTTP_304_NOT_MODIFIED, headers=headers)
    return Response(services.canonical_bytes(row), media_type="application/json", headers=headers)


# Phones revalidate the latest form often (If-None-Match → 304); the latest row is reused this long per worker,
# so a version published elsewhere is seen within a second (at once in the worker that published it).
LATEST_FORM_TTL_S = 1.0


class LatestForms:
    """form id → (latest FormVersion row, when to read it again), per app. One read per form at a time: when the
    row expires under load, the requests in flight share one read instead of each opening a transaction (on
    SQLite each takes the write lock, and 32 of them queued behind it for up to a second)."""

    def __init__(self) -> None:
        self._rows: dict[str, tuple[FormVersion, float]] = {}
        self._reading: dict[str, asyncio.Future[FormVersion]] = {}

    async def get(self, state: State, form_id: str) -> FormVersion:
        found = self._rows.get(form_id)
        if found is not None and found[1] > time.monotonic():
            return found[0]
        reading = self._reading.get(form_id)
        if reading is None:
            reading = self._reading[form_id] = asyncio.ensure_future(self._read(state, form_id))
            reading.add_done_callback(lambda _: self._reading.pop(form_id, None))
        return await asyncio.shield(reading)

    async def _read(self, state: State, form_id: str) -> FormVersion:
        async with request_transaction(state.sessions) as session:
            row = await services.get_latest(session, form_id)
        if len(self._rows) >= 1_000:
            self._rows.clear()
        self._rows[form_id] = (row, time.monotonic() + LATEST_FORM_TTL_S)
        return row

    def clear(self) -> None:
        self._rows.clear()


def latest_forms(state: State) -> LatestForms:
    cache: LatestForms | None = getattr(state, "latest_forms", None)
    if cache is None:
        cache = state.latest_forms = LatestForms()
    return cache


async def _forget_latest(request: Request) -> None:
    if request.method != "GET":
        latest_forms(request.app.state).clear()


def _publish_response(
    published: services.Published, derived: bool, warnings: list[PublishWarning] | None = None
) -> Response[PublishResult]:
    body = PublishResult(
        id=published.form_id,
        version=published.version,
        hash=published.content_hash,
        created=published.created,
        version_derived=derived,
        warnings=warnings or [],
    )
    return Response(body, status_code=HTTP_201_CREATED if published.created else HTTP_200_OK)


async def _xform_warnings(
    session: AsyncSession, definition: FormDefinition, published: services.Published, xlsform: bytes | None
) -> list[PublishWarning]:
    """The version's XForm for ODK clients, generated once now (service/openrosa); a form pyxform cannot express
    is still published, without one, and the response says so."""
    if published.created:
        row = await openrosa_xforms.store_xform(session, definition, xlsform)
        warning = openrosa_xforms.xform_warning(row)
        return [warning] if warning else []
    return []


class FormController(Controller):
    path = "/api/v1/forms"
    # ignore: mypy reads a function stored on the class as a method (dropping `request`); litestar calls it plainly
    after_response = _forget_latest  # type: ignore[assignment]
    request_max_body_size = limits.FORM_BYTES
    tags = ("forms",)

    @get("/", summary="Published forms, latest version of each")
    async def list_forms(
        self,
        db_session: DbSession,
        actor: CurrentActor,
        cursor: FromQuery[str | None] = None,
        limit: FromQuery[int | None] = None,
    ) -> Page[FormSummary]:
        return await services.list_latest(db_session, cursor, limit)

    @get(
        "/{form_id:str}",
        summary="Latest published definition (ETag / If-None-Match → 304)",
        responses=DEFINITION_RESPONSES,
    )
    async def get_form(
        self,
        request: Request,
        actor: CurrentActor,
        form_id: FromPath[str],
        if_none_match: Annotated[str | None, HeaderParameter(name="If-None-Match")] = None,
    ) -> Response[bytes]:
        # No request session: the hot path of every phone's start-up reads no database at all when cached.
        row = await latest_forms(request.app.state).get(request.app.state, form_id)
        return _definition_response(row, if_none_match)

    @get("/{form_id:str}/versions/{version:str}", summary="One published version", responses=DEFINITION_RESPONSES)
    async def get_form_version(
        self,
        db_session: DbSession,
        actor: CurrentActor,
        form_id: FromPath[str],
        version: FromPath[str],
        if_none_match: Annotated[str | None, HeaderParameter(name="If-None-Match")] = None,
    ) -> Response[bytes]:
        return _definition_response(await services.get_version(db_session, form_id, version), if_none_match)

    @post(
        "/",
        summary="Publish a form definition (JSON spec); admins only",
        status_code=HTTP_201_CREATED,
        operation_class=PublishFormOperation,
        responses=PUBLISH_RESPONSES,
        opt={"json_body": True},
    )
    async def publish_form(
        self, request: Request, db_session: DbSession, actor: CurrentActor
    ) -> Response[PublishResult]:
        actor.require_role(Role.ADMIN)
        body = await request.body()
        definition = services.parse_definition(body)
        published = await services.publish(db_session, definition, actor.user_id)
        warnings = await _xform_warnings(db_session, definition, published, None)
        return _publish_response(published, services.version_was_derived(body), warnings)

    @post(
        "/xlsform",
        summary="Publish an XLSForm (.xlsx upload, part `file`); admins only",
        status_code=HTTP_201_CREATED,
        request_max_body_size=XLSFORM_MAX_BYTES,
        responses=PUBLISH_RESPONSES,
    )
    async def import_xlsform(
        self,
        db_session: DbSession,
        actor: CurrentActor,
        data: MultipartBody[dict[str, UploadFile]],
    ) -> Response[PublishResult]:
        actor.require_role(Role.ADMIN)
        upload = data.get("file")
        if not isinstance(upload, UploadFile):
            raise errors.DomainError(
                errors.BAD_BODY, "Thiếu tệp XLSForm (trường 'file').", "Missing the XLSForm file (part 'file')."
            )
        content = await upload.read()
        definition, warnings = services.parse_xlsform(content, upload.filename or "form.xlsx")
        published = await services.publish(db_session, definition, actor.user_id)
        warnings.extend(await _xform_warnings(db_session, definition, published, content))
        return _publish_response(published, definition.version.startswith(forms.DERIVED_VERSION_PREFIX), warnings)
