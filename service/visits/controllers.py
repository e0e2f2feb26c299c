"""HTTP: visits from phones (JSON or multipart with photos), photos sent later, lists and review for supervisors."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from litestar import Controller, Request, Response, get, post, put
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, FromQuery, JSONBody, PathParameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED
from sqlalchemy.ext.asyncio import AsyncSession

from service import errors
from service.auth.actor import Actor
from service.auth.authn import authenticate, raw_header
from service.http import limits
from service.http.deps import CurrentActor, DbSession, Store
from service.http.ids import QueryId
from service.http.paging import Page, PageLimit
from service.http.problems import Problem
from service.visits import attachments_service, photos_service, reads, review, services
from service.visits.attachment_reads import attachment_file, download
from service.visits.multipart import PhotoPart, read_parts, split_parts
from service.visits.openapi import PutPhotoOperation, SubmitVisitOperation
from service.visits.schemas import ReviewOut, ReviewRequest, VisitDetail, VisitReceipt, VisitSummary

# A photo slot within a question (forms allow a handful of photos per question).
SlotIndex = Annotated[int, PathParameter(ge=0, le=999)]


def _problem(description: str) -> ResponseSpec:
    return ResponseSpec(data_container=Problem, description=description, media_type="application/problem+json")


SUBMIT_RESPONSES = {
    200: ResponseSpec(
        data_container=VisitReceipt, description="A retry of a stored visit: the same receipt, with photos added since"
    ),
    409: _problem("visit.conflict: this id was submitted with other content; photo.slot_taken"),
    422: _problem(
        "visit.invalid (errors: [{question, code, message_vi, message_en}]), visit.unknown_form, "
        "photo.corrupt, photo.too_many_pixels, photo.exif_too_large"
    ),
    503: _problem("storage.unavailable: the object store is down; nothing was recorded, retry after Retry-After"),
}
PHOTO_RESPONSES = {
    200: ResponseSpec(data_container=VisitReceipt, description="The same photo was already in this slot"),
    409: _problem("photo.slot_taken: the slot holds a different photo"),
    415: _problem("photo.wrong_content_type, photo.unsupported_type"),
    503: _problem("storage.unavailable: retry after Retry-After"),
}

ATTACHMENT_RESPONSES = {
    200: ResponseSpec(data_container=VisitReceipt, description="The same file was already stored for this question"),
    409: _problem("attachment.taken: the question holds a different file"),
    413: _problem("attachment.too_large: over GOCUA_MAX_AUDIO_BYTES, GOCUA_MAX_VIDEO_BYTES or GOCUA_MAX_FILE_BYTES"),
    415: _problem("attachment.wrong_type: a type the question's kind does not take, or bytes that are not that type"),
    422: _problem("visit.invalid: the question is not answered with a file name, or not an attachment question"),
    503: _problem("storage.unavailable: retry after Retry-After"),
}


def _receipt_response(body: VisitReceipt, created: bool) -> Response[VisitReceipt]:
    return Response(body, status_code=HTTP_201_CREATED if created else HTTP_200_OK)


def _media_type(request: Request) -> str:
    return (raw_header(request, b"content-type") or "").partition(";")[0].strip().lower()


def _declared_type(request: Request) -> str:
    """The type a photo or file body says it is, as sent (the services normalise and check it)."""
    return request.headers.get("content-type", "").split(";")[0].strip()


async def _put_photo(
    request: Request,
    db_session: AsyncSession,
    actor: Actor,
    visit_id: uuid.UUID,
    question: str,
    index: int,
) -> Response[VisitReceipt]:
    content_type = _declared_type(request)
    photos_service.require_image_content_type(content_type)  # before reading a body we would refuse
    data = await request.body()
    body, created = await photos_service.put_photo(
        db_session, actor, request.app.state.intake, visit_id, question, index, data, content_type
    )
    return _receipt_response(body, created)


class VisitController(Controller):
    path = "/api/v1/visits"
    request_max_body_size = limits.RECORD_BYTES
    tags = ("visits",)

    @post(
        "/",
        status_code=HTTP_201_CREATED,
        operation_class=SubmitVisitOperation,
        responses=SUBMIT_RESPONSES,
        request_max_body_size=limits.MEDIA_ROUTE_BYTES,
        summary="Submit a visit (JSON, or multipart with photo and file parts); 201 new, 200 the same visit again",
    )
    async def submit_visit(self, request: Request) -> Response[VisitReceipt]:
        # The busiest route takes no injected dependencies (injecting a session and the caller was ~11 % of the
        # server's CPU under a JSON visit load): `services.receive` opens a session only when it needs one.
        state = request.app.state
        actor = await authenticate(request, None, state.token_lookup)
        media_type = _media_type(request)
        parts: list[PhotoPart] | None
        if media_type == "application/json":
            raw, parts = await request.body(), None
        elif media_type == "multipart/form-data":
            raw, parts = split_parts(await read_parts(request))
        else:
            raise errors.DomainError(
                errors.UNSUPPORTED_MEDIA,
                errors.UNSUPPORTED_MEDIA.title_vi,
                "Send application/json or multipart/form-data.",
            )
        body, created = await services.receive(actor, raw, parts, state.intake)
        return _receipt_response(body, created)

    @put(
        "/{visit_id:uuid}/photos/{question:str}",
        operation_class=PutPhotoOperation,
        responses=PHOTO_RESPONSES,
        request_max_body_size=limits.PHOTO_ROUTE_BYTES,
        summary="Attach a photo to slot 0 of a photo question; 201 attached, 200 the same photo again",
        status_code=HTTP_201_CREATED,
    )
    async def put_first_photo(
        self,
        request: Request,
        db_session: DbSession,
        actor: CurrentActor,
        visit_id: FromPath[uuid.UUID],
        question: FromPath[str],
    ) -> Response[VisitReceipt]:
        return await _put_photo(request, db_session, actor, visit_id, question, 0)

    @put(
        "/{visit_id:uuid}/photos/{question:str}/{index:int}",
        operation_class=PutPhotoOperation,
        responses=PHOTO_RESPONSES,
        status_code=HTTP_201_CREATED,
        request_max_body_size=limits.PHOTO_ROUTE_BYTES,
        summary="Attach a photo to slot `index` of a photo question; 201 attached, 200 the same photo again",
    )
    async def put_photo(
        self,
        request: Request,
        db_session: DbSession,
        actor: CurrentActor,
        visit_id: FromPath[uuid.UUID],
        question: FromPath[str],
        index: SlotIndex,
    ) -> Response[VisitReceipt]:
        return await _put_photo(request, db_session, actor, visit_id, question, index)

    @put(
        "/{visit_id:uuid}/attachments/{question:str}",
        responses=ATTACHMENT_RESPONSES,
        status_code=HTTP_201_CREATED,
        request_max_body_size=limits.MEDIA_ROUTE_BYTES,
        summary="Send the file of an answered audio, video or file question; 201 stored, 200 the same file again",
    )
    async def put_attachment(
        self,
        request: Request,
        db_session: DbSession,
        actor: CurrentActor,
        visit_id: FromPath[uuid.UUID],
        question: FromPath[str],
    ) -> Response[VisitReceipt]:
        content_type = _declared_type(request)
        data = await request.body()
        body, created = await attachments_service.put_attachment(
            db_session, actor, request.app.state.intake, visit_id, question, data, content_type
        )
        return _receipt_response(body, created)

    @get(
        "/{visit_id:uuid}/attachments/{question:str}",
        summary="The file of an audio, video or file question, as a download (never shown inline)",
        media_type="application/octet-stream",
    )
    async def get_attachment(
        self,
        db_session: DbSession,
        actor: CurrentActor,
        store: Store,
        visit_id: FromPath[uuid.UUID],
        question: FromPath[str],
    ) -> Response[bytes]:
        return download(await attachment_file(db_session, actor, store, visit_id, question))

    @get("/", summary="Visits in the caller's scope, newest first; members see their own")
    async def list_visits(
        self,
        db_session: DbSession,
        actor: CurrentActor,
        area: FromQuery[str | None] = None,
        member: QueryId = None,
        flag: FromQuery[str | None] = None,
        status: FromQuery[str | None] = None,
        review_status: FromQuery[str | None] = None,
        since: FromQuery[datetime | None] = None,
        cursor: FromQuery[str | None] = None,
        limit: PageLimit = None,
    ) -> Page[VisitSummary]:
        return await reads.list_visits(
            db_session,
            actor,
            area=area,
            member=member,
            flag=flag,
            status=status,
            review_status=review_status,
            since=since,
            cursor=cursor,
            limit=limit,
        )

    @get("/{visit_id:uuid}", summary="One visit with its answers, photos (links) and flags")
    async def get_visit(self, db_session: DbSession, actor: CurrentActor, visit_id: FromPath[uuid.UUID]) -> VisitDetail:
        return await reads.get_visit(db_session, actor, visit_id)

    @get(
        "/{visit_id:uuid}/photos/{question:str}/{index:int}/{variant:str}",
        summary="A photo: `thumb` (320 px) or `large` (960-1280 px) JPEG, no metadata; `original` for admins",
        media_type="image/jpeg",
    )
    async def get_photo(
        self,
        db_session: DbSession,
        actor: CurrentActor,
        store: Store,
        visit_id: FromPath[uuid.UUID],
        question: FromPath[str],
        index: SlotIndex,
        variant: FromPath[str],
    ) -> Response[bytes]:
        data, content_type, etag = await reads.photo_bytes(db_session, actor, store, visit_id, question, index, variant)
        return Response(
            data, media_type=content_type, headers={"ETag": etag, "Cache-Control": "private, max-age=86400"}
        )

    @post(
        "/{visit_id:uuid}/review", status_code=HTTP_200_OK, summary="Supervisor review: approve, or reject with a note"
    )
    async def review_visit(
        self,
        db_session: DbSession,
        actor: CurrentActor,
        visit_id: FromPath[uuid.UUID],
        data: JSONBody[ReviewRequest],
    ) -> ReviewOut:
        return await review.review_visit(db_session, actor, visit_id, data)
