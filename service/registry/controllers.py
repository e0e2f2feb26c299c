from __future__ import annotations

from typing import Annotated

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, FromQuery, HeaderParameter, MultipartBody
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED, HTTP_304_NOT_MODIFIED

import forms
from forms import FormDefinition
from service import errors
from service.auth.actor import Role
from service.http.openapi import component, raw_body_operation
from service.http.deps import CurrentActor, DbSession
from service.http.paging import Page
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
    200: ResponseSpec(PublishResult, generate_examples=False,
                      description="The same definition was already published under this version"),
}
PublishFormOperation = raw_body_operation("A form definition (JSON).", {"application/json": component("FormDefinition")})


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


def _publish_response(published: services.Published, derived: bool,
                      warnings: list[PublishWarning] | None = None) -> Response[PublishResult]:
    body = PublishResult(id=published.form_id, version=published.version, hash=published.content_hash,
                         created=published.created, version_derived=derived, warnings=warnings or [])
    return Response(body, status_code=HTTP_201_CREATED if published.created else HTTP_200_OK)


class FormController(Controller):
    path = "/api/v1/forms"
    tags = ["forms"]

    @get("/", summary="Published forms, latest version of each")
    async def list_forms(
        self, db_session: DbSession, actor: CurrentActor,
        cursor: FromQuery[str | None] = None, limit: FromQuery[int | None] = None,
    ) -> Page[FormSummary]:
        return await services.list_latest(db_session, cursor, limit)

    @get("/{form_id:str}", summary="Latest published definition (ETag / If-None-Match → 304)",
         responses=DEFINITION_RESPONSES)
    async def get_form(
        self, db_session: DbSession, actor: CurrentActor, form_id: FromPath[str],
        if_none_match: Annotated[str | None, HeaderParameter(name="If-None-Match")] = None,
    ) -> Response[bytes]:
        return _definition_response(await services.get_latest(db_session, form_id), if_none_match)

    @get("/{form_id:str}/versions/{version:str}", summary="One published version", responses=DEFINITION_RESPONSES)
    async def get_form_version(
        self, db_session: DbSession, actor: CurrentActor, form_id: FromPath[str], version: FromPath[str],
        if_none_match: Annotated[str | None, HeaderParameter(name="If-None-Match")] = None,
    ) -> Response[bytes]:
        return _definition_response(await services.get_version(db_session, form_id, version), if_none_match)

    @post("/", summary="Publish a form definition (JSON spec); admins only", status_code=HTTP_201_CREATED,
          operation_class=PublishFormOperation, responses=PUBLISH_RESPONSES)
    async def publish_form(self, request: Request, db_session: DbSession, actor: CurrentActor) -> Response[PublishResult]:
        actor.require_role(Role.ADMIN)
        body = await request.body()
        definition = services.parse_definition(body)
        published = await services.publish(db_session, definition, actor.user_id)
        return _publish_response(published, services.version_was_derived(body))

    @post("/xlsform", summary="Publish an XLSForm (.xlsx upload, part `file`); admins only",
          status_code=HTTP_201_CREATED, request_max_body_size=XLSFORM_MAX_BYTES, responses=PUBLISH_RESPONSES)
    async def import_xlsform(
        self, db_session: DbSession, actor: CurrentActor,
        data: MultipartBody[dict[str, UploadFile]],
    ) -> Response[PublishResult]:
        actor.require_role(Role.ADMIN)
        upload = data.get("file")
        if not isinstance(upload, UploadFile):
            raise errors.DomainError(errors.BAD_BODY, "Thiếu tệp XLSForm (trường 'file').",
                                     "Missing the XLSForm file (part 'file').")
        content = await upload.read()
        definition, warnings = services.parse_xlsform(content, upload.filename or "form.xlsx")
        published = await services.publish(db_session, definition, actor.user_id)
        return _publish_response(published, definition.version.startswith(forms.DERIVED_VERSION_PREFIX), warnings)
