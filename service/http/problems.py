"""Maps every exception that reaches Litestar to an RFC 9457 problem+json response."""

from __future__ import annotations

import logging
from typing import Any

import msgspec
from asyncpg import PostgresError
from litestar import Request, Response
from litestar.exceptions import (
    HTTPException,
    MethodNotAllowedException,
    NotFoundException,
    ValidationException,
)
from litestar.types import ExceptionHandlersMap
from sqlalchemy.exc import DBAPIError

from service import errors
from service.db.outage import is_database_outage
from storage.errors import StoreUnavailable

log = logging.getLogger("gocua")

PROBLEM_MEDIA_TYPE = "application/problem+json"


class ProblemItem(msgspec.Struct, omit_defaults=True):
    """One problem with one part of the request (for the OpenAPI document; services build these as dicts). Which
    part: `field` (a body field), `question` (a form answer), `path` (in a form definition), `line`/`column` (a
    CSV file), `key` (a request parameter); other keys may appear."""

    code: str | None = None
    message_vi: str | None = None
    message_en: str | None = None
    message: str | None = None
    field: str | None = None
    question: str | None = None
    path: str | None = None
    key: str | None = None
    line: int | None = None
    column: str | None = None


class Problem(msgspec.Struct, omit_defaults=True):
    """An RFC 9457 problem: `code` is stable (see the error catalog), the messages are for people."""

    type: str
    title: str
    status: int
    code: str
    detail: str
    message_vi: str
    message_en: str
    instance: str | None = None
    errors: list[ProblemItem] | None = None
    extra: dict[str, Any] | None = None


def problem_response(
    request: Request,
    kind: errors.ErrorKind,
    detail_vi: str,
    detail_en: str,
    *,
    errors_list: list[Any] | None = None,
    headers: dict[str, str] | None = None,
    extra: dict[str, Any] | None = None,
) -> Response[Problem]:
    body = Problem(
        type=f"https://gocua.vn/problems/{kind.code}",
        title=kind.title_en,
        status=kind.status,
        code=kind.code,
        detail=detail_en,
        message_vi=detail_vi,
        message_en=detail_en,
        instance=request.url.path,
        errors=errors_list,  # dicts or Structs of ProblemItem's shape (msgspec encodes either)
        extra=extra or None,
    )
    return Response(body, status_code=kind.status, media_type=PROBLEM_MEDIA_TYPE, headers=headers)


def handle_domain_error(request: Request, exc: errors.DomainError) -> Response[Problem]:
    return problem_response(
        request,
        exc.kind,
        exc.detail_vi,
        exc.detail_en,
        errors_list=exc.errors,
        headers=exc.headers,
        extra=exc.extra,
    )


def _validation_errors(exc: ValidationException) -> list[Any] | None:
    extra = exc.extra
    if isinstance(extra, list):
        return extra
    if extra:
        return [extra]
    return None


def _wants_page(request: Request) -> bool:
    """A browser asking for a page that does not exist gets the HTML 404 page; API clients a problem."""
    path = request.url.path
    return not path.startswith(("/api/", "/schema", "/static/")) and "text/html" in request.headers.get("accept", "")


def handle_http_exception(request: Request, exc: HTTPException) -> Response[Any]:
    if request.url.path.startswith("/openrosa/"):  # no route matched there: ODK clients read OpenRosa XML
        from service.openrosa.controllers import openrosa_error  # it imports this module

        return openrosa_error(request, exc)
    if isinstance(exc, ValidationException):
        kind = errors.BAD_BODY
        return problem_response(
            request, kind, kind.title_vi, exc.detail or kind.title_en, errors_list=_validation_errors(exc)
        )
    if isinstance(exc, NotFoundException):
        if _wants_page(request):
            from service.pages.controllers import page_error  # pages import this module

            return page_error(request, exc)
        kind = errors.ROUTE_NOT_FOUND
    elif isinstance(exc, MethodNotAllowedException):
        kind = errors.METHOD_NOT_ALLOWED
    else:
        kind = errors.for_http_status(exc.status_code)
    headers = dict(exc.headers or {})
    return problem_response(request, kind, kind.title_vi, exc.detail or kind.title_en, headers=headers)


def handle_store_unavailable(request: Request, exc: StoreUnavailable) -> Response[Problem]:
    kind = errors.STORE_UNAVAILABLE
    return problem_response(request, kind, kind.title_vi, kind.title_en, headers={"Retry-After": "30"})


def handle_recursion(request: Request, exc: RecursionError) -> Response[Problem]:
    """msgspec decodes JSON recursively: a body nested ~1,000 deep ends in RecursionError, which is the caller's."""
    if "deserializ" not in str(exc) and "decod" not in str(exc):
        return handle_unexpected(request, exc)
    kind = errors.TOO_DEEP
    return problem_response(request, kind, kind.title_vi, kind.title_en)


# PostgreSQL refusing a value the service let through (SQLite stores it): the caller's input, not a fault.
_SQLSTATE_KINDS = {
    "22021": errors.NUL_CHARACTER,  # character_not_in_repertoire (a NUL byte in text)
    "22P05": errors.NUL_CHARACTER,  # untranslatable_character
    "22001": errors.INVALID_DATA,  # string_data_right_truncation (longer than its varchar)
    "22003": errors.BAD_QUERY,  # numeric_value_out_of_range
}


def _sqlstate(exc: BaseException) -> str | None:
    for candidate in (exc, getattr(exc, "orig", None), getattr(getattr(exc, "orig", None), "__cause__", None)):
        code = getattr(candidate, "sqlstate", None) or getattr(candidate, "pgcode", None)
        if isinstance(code, str):
            return code
    return None


def handle_database_error(request: Request, exc: Exception) -> Response[Problem]:
    kind = _SQLSTATE_KINDS.get(_sqlstate(exc) or "")
    if kind is None:
        return handle_unexpected(request, exc)
    log.info("refused by the database (%s) on %s %s", _sqlstate(exc), request.method, request.url.path)
    return problem_response(request, kind, kind.title_vi, kind.title_en)


def handle_unexpected(request: Request, exc: Exception) -> Response[Problem]:
    if is_database_outage(exc):
        log.warning("database unavailable on %s %s: %s", request.method, request.url.path, exc)
        kind = errors.UNAVAILABLE
        return problem_response(request, kind, kind.title_vi, kind.title_en, headers={"Retry-After": "5"})
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    kind = errors.INTERNAL
    return problem_response(request, kind, kind.title_vi, kind.title_en)


EXCEPTION_HANDLERS: ExceptionHandlersMap = {
    errors.DomainError: handle_domain_error,
    RecursionError: handle_recursion,
    DBAPIError: handle_database_error,
    PostgresError: handle_database_error,
    StoreUnavailable: handle_store_unavailable,
    HTTPException: handle_http_exception,
    Exception: handle_unexpected,
}
