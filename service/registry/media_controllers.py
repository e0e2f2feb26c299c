"""HTTP: a form version's CSV media files (upload, list, download) and the XLSForm it was published from."""

from __future__ import annotations

import re
from typing import Annotated

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.openapi.spec import OpenAPIFormat, OpenAPIType, Schema
from litestar.params import FromPath, FromQuery, HeaderParameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED, HTTP_304_NOT_MODIFIED

from service import errors
from service.auth.actor import Role
from service.http import limits
from service.http.deps import AppSettings, CurrentActor, DbSession
from service.http.openapi import raw_body_operation
from service.http.paging import Page, PageLimit, clamp_limit, decode_cursor, encode_cursor
from service.registry import media, services

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
XLS_TYPE = "application/vnd.ms-excel"
# Files sent in one upload at most (each is one multipart part).
MAX_FILES_PER_UPLOAD = 20


class MediaFileOut(msgspec.Struct):
    name: str
    content_type: str
    size: int
    md5: str
    # False: this version already had exactly this file (the upload changed nothing).
    created: bool = False


class MediaUploadResult(msgspec.Struct):
    files: list[MediaFileOut]


def _info_out(info: media.MediaInfo, created: bool = False) -> MediaFileOut:
    return MediaFileOut(info.name, info.content_type, info.size, info.md5, created)


UploadMediaOperation = raw_body_operation(
    "CSV files, each a file part whose filename is the media name (e.g. villages.csv).",
    {
        "multipart/form-data": Schema(
            type=OpenAPIType.OBJECT,
            additional_properties=Schema(type=OpenAPIType.STRING, format=OpenAPIFormat.BINARY),
        )
    },
)


def _by_name(upload: media.MediaUpload) -> str:
    return upload.name


class FormMediaController(Controller):
    path = "/api/v1/forms/{form_id:str}/versions/{version:str}"
    tags = ("forms",)

    @post(
        "/media",
        summary="Upload CSV media files of a published version (file parts, the filename names each); admins only",
        status_code=HTTP_201_CREATED,
        request_max_body_size=limits.FORM_MEDIA_BYTES,
        operation_class=UploadMediaOperation,
    )
    async def upload_media(
        self,
        db_session: DbSession,
        actor: CurrentActor,
        settings: AppSettings,
        form_id: FromPath[str],
        version: FromPath[str],
        request: Request,
    ) -> Response[MediaUploadResult]:
        actor.require_role(Role.ADMIN)
        row = await services.get_version(db_session, form_id, version)
        if request.content_type[0] != "multipart/form-data":
            raise errors.DomainError(errors.UNSUPPORTED_MEDIA)
        # Read as a form here (not a typed body): any part names, one file or several under the same name.
        form = await request.form()
        files = [part for _, part in form.multi_items() if isinstance(part, UploadFile)]
        if not files or len(files) > MAX_FILES_PER_UPLOAD:
            raise errors.DomainError(
                errors.BAD_BODY,
                f"Cần từ 1 đến {MAX_FILES_PER_UPLOAD} tệp CSV, mỗi tệp một phần có tên tệp.",
                f"Send 1 to {MAX_FILES_PER_UPLOAD} CSV files, each as a part with its filename.",
            )
        definition = services.definition_of(row)
        uploads = sorted([media.MediaUpload(part.filename or "", await part.read()) for part in files], key=_by_name)
        for upload in uploads:  # every file checked before any is stored: all or nothing
            media.check_upload(
                definition,
                upload,
                max_bytes=settings.form_media_max_bytes,
                max_cell_chars=settings.xlsform_max_cell_chars,
            )
        out = []
        for upload in uploads:
            info, created = await media.add_media(db_session, row, upload, actor.user_id)
            out.append(_info_out(info, created))
        status = HTTP_201_CREATED if any(file.created for file in out) else HTTP_200_OK
        return Response(MediaUploadResult(out), status_code=status)

    @get("/media", summary="The media files of a published version")
    async def list_media(
        self,
        db_session: DbSession,
        actor: CurrentActor,
        form_id: FromPath[str],
        version: FromPath[str],
        cursor: FromQuery[str | None] = None,
        limit: PageLimit = None,
    ) -> Page[MediaFileOut]:
        row = await services.get_version(db_session, form_id, version)
        assert row.id is not None
        size = clamp_limit(limit)
        after = decode_cursor(cursor, str)
        found = [info for info in await media.list_media(db_session, row.id) if after is None or info.name > after]
        page = found[:size]
        return Page(
            items=[_info_out(info) for info in page],
            next=encode_cursor(page[-1].name) if len(found) > size else None,
        )

    @get("/media/{name:str}", summary="Download one media file (phones read select_one_from_file choices here)")
    async def download_media(
        self,
        db_session: DbSession,
        actor: CurrentActor,
        form_id: FromPath[str],
        version: FromPath[str],
        name: FromPath[str],
        if_none_match: Annotated[str | None, HeaderParameter(name="If-None-Match")] = None,
    ) -> Response[bytes]:
        row = await services.get_version(db_session, form_id, version)
        assert row.id is not None
        infos = {info.name: info for info in await media.list_media(db_session, row.id)}
        info = infos.get(name)
        content = await media.read_media(db_session, row.id, name) if info is not None else None
        if info is None or content is None:
            raise errors.DomainError(errors.FORM_MEDIA_NOT_FOUND)
        # Never changes once uploaded: phones keep it and revalidate with its md5.
        etag = f'"{info.md5}"'
        headers = {"ETag": etag, "Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff"}
        if if_none_match and etag in [tag.strip().removeprefix("W/") for tag in if_none_match.split(",")]:
            return Response(b"", status_code=HTTP_304_NOT_MODIFIED, headers=headers)
        headers["Content-Disposition"] = f'attachment; filename="{info.name}"'
        return Response(content, media_type=f"{info.content_type}; charset=utf-8", headers=headers)

    @get("/xlsform", summary="The XLSForm this version was published from, byte for byte; admins only")
    async def download_xlsform(
        self, db_session: DbSession, actor: CurrentActor, form_id: FromPath[str], version: FromPath[str]
    ) -> Response[bytes]:
        actor.require_role(Role.ADMIN)
        row = await services.get_version(db_session, form_id, version)
        assert row.id is not None
        content = await media.xlsform_source(db_session, row.id)
        if content is None:
            raise errors.DomainError(errors.XLSFORM_SOURCE_NOT_FOUND)
        original = await media.source_filename(db_session, row.id) or "form.xlsx"
        suffix = ".xls" if original.lower().endswith(".xls") else ".xlsx"
        # The name is built from the form id and version, never from the uploaded filename (it goes in a header).
        filename = re.sub(r"[^A-Za-z0-9._-]", "_", f"{form_id}-{version}") + suffix
        return Response(
            content,
            media_type=XLS_TYPE if suffix == ".xls" else XLSX_TYPE,
            headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"},
        )
