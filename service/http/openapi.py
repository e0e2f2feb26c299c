"""The error half of the OpenAPI document, written from the error catalog in one place.

Every operation lists each status it can answer with, as `application/problem+json` with the one shared
`Problem` schema, and names the catalog codes behind each status. What every operation of a kind can answer
(a caller required → 401/403, a body → 400/413/415, a path id → 404, …) is inferred from the handler; what only
some can answer (a form conflict, a closed area, …) is listed in OPERATION_CODES, keyed by handler name. A
route missing from that table is an error when the app starts, so a new route cannot ship undocumented.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace

from litestar._openapi.schema_generation import SchemaCreator
from litestar._openapi.schema_generation.plugins.struct import StructSchemaPlugin
from litestar.handlers import HTTPRouteHandler
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import (
    Components,
    OpenAPIMediaType,
    OpenAPIType,
    Operation,
    Reference,
    RequestBody,
    Schema,
    SecurityScheme,
)
from litestar.plugins import ReceiveRoutePlugin
from litestar.routes import BaseRoute, HTTPRoute
from litestar.typing import FieldDefinition

from service import errors
from service.errors import ErrorKind
from service.http.problems import PROBLEM_MEDIA_TYPE, Problem

# Handlers that serve callers without credentials; every other operation needs a caller.
ANONYMOUS = frozenset({"get_health", "get_ready", "login_user"})
# Handlers that read their request body themselves (no `data` parameter Litestar could see).
RAW_BODY = frozenset(
    {"publish_form", "submit_visit", "put_first_photo", "put_photo", "put_attachment", "import_members", "upload_media"}
)
_ATTACHMENT_UPLOAD = (
    errors.ATTACHMENT_EMPTY,
    errors.ATTACHMENT_TOO_LARGE,
    errors.ATTACHMENT_WRONG_TYPE,
    errors.ATTACHMENT_TAKEN,
    errors.VISIT_INVALID,
    errors.STORE_UNAVAILABLE,
)

_PHOTO_UPLOAD = (
    errors.PHOTO_EMPTY,
    errors.PHOTO_TOO_LARGE,
    errors.PHOTO_UNSUPPORTED_TYPE,
    errors.PHOTO_WRONG_CONTENT_TYPE,
    errors.PHOTO_SLOT_TAKEN,
    errors.VISIT_INVALID,
    errors.PHOTO_CORRUPT,
    errors.PHOTO_TOO_MANY_PIXELS,
    errors.PHOTO_EXIF_TOO_LARGE,
    errors.STORE_UNAVAILABLE,
)
OPERATION_CODES: Mapping[str, tuple[ErrorKind, ...]] = {
    "get_health": (),
    "get_ready": (errors.UNAVAILABLE,),
    # Forms
    "list_forms": (),
    "get_form": (errors.FORM_NOT_FOUND,),
    "get_form_version": (errors.FORM_NOT_FOUND, errors.FORM_VERSION_NOT_FOUND),
    "publish_form": (errors.FORM_INVALID, errors.FORM_VERSION_EXISTS, errors.FORM_INCOMPATIBLE),
    "import_xlsform": (
        errors.XLSFORM_INVALID,
        errors.XLSFORM_TOO_LARGE,
        errors.FORM_VERSION_EXISTS,
        errors.FORM_INCOMPATIBLE,
        errors.FORM_MEDIA_INVALID,
        errors.FORM_MEDIA_EXISTS,
    ),
    "upload_media": (
        errors.FORM_NOT_FOUND,
        errors.FORM_VERSION_NOT_FOUND,
        errors.FORM_MEDIA_INVALID,
        errors.FORM_MEDIA_EXISTS,
    ),
    "list_media": (errors.FORM_NOT_FOUND, errors.FORM_VERSION_NOT_FOUND),
    "download_media": (errors.FORM_NOT_FOUND, errors.FORM_VERSION_NOT_FOUND, errors.FORM_MEDIA_NOT_FOUND),
    "download_xlsform": (errors.FORM_NOT_FOUND, errors.FORM_VERSION_NOT_FOUND, errors.XLSFORM_SOURCE_NOT_FOUND),
    # Access
    "login_user": (errors.LOGIN_FAILED, errors.LOGIN_RATE_LIMITED),
    "logout_user": (),
    "get_me": (),
    "change_my_password": (errors.PASSWORD_TOO_SHORT, errors.WRONG_CURRENT_PASSWORD),
    # Areas
    "list_areas": (errors.NOT_FOUND,),  # an unknown `parent`
    "get_area": (errors.NOT_FOUND,),
    "create_area": (errors.NOT_FOUND, errors.AREA_EXISTS, errors.INVALID_DATA, errors.AREA_CLOSED),
    "close_area": (errors.NOT_FOUND,),
    # Teams and members
    "list_teams": (errors.NOT_FOUND,),  # an unknown `area`
    "get_team": (),
    "create_team": (errors.TEAM_EXISTS, errors.AREA_CLOSED, errors.INVALID_DATA, errors.NOT_FOUND),
    "update_team": (errors.INVALID_DATA,),
    "delete_team": (errors.TEAM_NOT_EMPTY,),
    "list_members": (errors.NOT_FOUND, errors.INVALID_DATA),  # an unknown area or role
    "get_member": (),
    "create_member": (
        errors.NOT_FOUND,
        errors.USERNAME_TAKEN,
        errors.AREA_CLOSED,
        errors.INVALID_DATA,
        errors.PASSWORD_TOO_SHORT,
        errors.CONFLICT,
    ),
    "update_member": (
        errors.USERNAME_TAKEN,
        errors.AREA_CLOSED,
        errors.INVALID_DATA,
        errors.PASSWORD_TOO_SHORT,
        errors.CONFLICT,
    ),
    "deactivate_member": (errors.CONFLICT,),
    "import_members": (errors.CSV_INVALID,),
    "list_device_tokens": (),
    "issue_device_token": (errors.DEVICE_FIELD_ROLES_ONLY, errors.INVALID_DATA),
    "revoke_device_token": (),
    # Households
    "list_households": (errors.NOT_FOUND,),
    "get_household": (),
    "create_household": (errors.NOT_FOUND, errors.HOUSEHOLD_CONFLICT, errors.AREA_CLOSED, errors.INVALID_DATA),
    "update_household": (
        errors.AREA_CLOSED,
        errors.HOUSEHOLD_MERGE_INVALID,
        errors.INVALID_DATA,
        errors.LOCATION_CLEAR_FORBIDDEN,
    ),
    "merge_household": (errors.HOUSEHOLD_MERGE_INVALID,),
    # Household location proposals (a member's move of a known location waits for a supervisor)
    "list_proposals": (errors.NOT_FOUND,),
    "confirm": (errors.LOCATION_PROPOSAL_DECIDED,),
    "reject": (errors.LOCATION_PROPOSAL_DECIDED,),
    "list_access_log": (),
    # OpenRosa (the /openrosa routes themselves are outside the document: their errors are OpenRosa XML)
    "list_openrosa_conflicts": (),
    # Visits
    "submit_visit": (
        errors.NOT_FOUND,
        errors.VISIT_MALFORMED,
        errors.VISIT_MISSING_PART,
        errors.VISIT_BAD_MULTIPART,
        errors.PHOTO_MISSING_FILENAME,
        errors.VISIT_ON_BEHALF_FORBIDDEN,
        errors.VISIT_CONFLICT,
        errors.PHOTO_SLOT_TAKEN,
        errors.HOUSEHOLD_CONFLICT,
        errors.AREA_CLOSED,
        errors.PHOTO_TOO_LARGE,
        errors.PHOTO_UNSUPPORTED_TYPE,
        errors.PHOTO_WRONG_CONTENT_TYPE,
        errors.PHOTO_EMPTY,
        errors.VISIT_INVALID,
        errors.VISIT_UNKNOWN_FORM,
        errors.INVALID_DATA,
        errors.PHOTO_CORRUPT,
        errors.PHOTO_TOO_MANY_PIXELS,
        errors.PHOTO_EXIF_TOO_LARGE,
        errors.STORE_UNAVAILABLE,
        *_ATTACHMENT_UPLOAD[:4],
    ),
    "put_first_photo": _PHOTO_UPLOAD,
    "put_attachment": _ATTACHMENT_UPLOAD,
    "get_attachment": (errors.ATTACHMENT_NOT_FOUND, errors.STORE_UNAVAILABLE),
    "put_photo": _PHOTO_UPLOAD,
    "list_visits": (errors.NOT_FOUND,),
    "get_visit": (),
    "get_photo": (errors.STORE_UNAVAILABLE,),
    "review_visit": (errors.VISIT_REVIEW_NOTE_REQUIRED,),
    # Tallies, exports, the report (supervisors and above for exports)
    "get_tallies": (errors.FORM_NOT_FOUND,),
    "export_households": (errors.FORM_NOT_FOUND,),
    "export_visits": (errors.FORM_NOT_FOUND,),
    "report_summary": (errors.FORM_NOT_FOUND,),
    "report_xlsx": (errors.FORM_NOT_FOUND,),
    "review_many": (errors.VISIT_REVIEW_NOTE_REQUIRED, errors.INVALID_DATA),
    "list_my_visits": (),
    # Activity log and the filed report (service/activities, service/reports/documents)
    "record_activity": (errors.ACTIVITY_INVALID, errors.ACTIVITY_CONFLICT, errors.NOT_FOUND),
    "list_activities": (errors.NOT_FOUND, errors.BAD_CURSOR, errors.BAD_QUERY),
    "vocabulary": (),
    "get_activity": (),
    "edit_activity": (errors.ACTIVITY_INVALID,),
    "export_activities": (errors.NOT_FOUND,),
    "report_document": (errors.FORM_NOT_FOUND,),
    "save_narrative": (errors.REPORT_UNKNOWN_SECTION, errors.NOT_FOUND),
}

_CALLER = (errors.AUTH_REQUIRED, errors.AUTH_INVALID, errors.FORBIDDEN)
# A body that stops arriving is cut with 408 (service/http/body_timeout.py).
_BODY = (errors.BAD_BODY, errors.REQUEST_TIMEOUT, errors.TOO_LARGE, errors.UNSUPPORTED_MEDIA)


def _needs_body(handler: HTTPRouteHandler) -> bool:
    parameters = handler.parsed_fn_signature.parameters
    return "data" in parameters or handler.handler_name in RAW_BODY


def operation_codes(handler: HTTPRouteHandler, path_parameters: Iterable[str]) -> list[ErrorKind]:
    """Every catalog code this operation can answer with, in catalog order."""
    name = handler.handler_name
    if name not in OPERATION_CODES:
        raise LookupError(f"{name}: add the error codes it can answer to service/http/openapi.py OPERATION_CODES")
    parameters = handler.parsed_fn_signature.parameters
    codes: list[ErrorKind] = [errors.INTERNAL]
    if name not in ANONYMOUS:
        codes.extend(_CALLER)
    if _needs_body(handler):
        codes.extend(_BODY)
    if set(parameters) - {"self", "request", "db_session", "actor", "settings", "store", "state", "data", "body"}:
        codes.append(errors.BAD_QUERY)
    if "cursor" in parameters:
        codes.append(errors.BAD_CURSOR)
    if list(path_parameters):
        codes.append(errors.NOT_FOUND)
    codes.extend(OPERATION_CODES[name])
    order = {kind.code: position for position, kind in enumerate(errors.CATALOG.values())}
    unique = {kind.code: kind for kind in codes}
    return sorted(unique.values(), key=lambda kind: order[kind.code])


def problem_responses(codes: Iterable[ErrorKind]) -> dict[int, ResponseSpec]:
    """One problem+json response per status, its description naming each code (and its English title)."""
    by_status: dict[int, list[ErrorKind]] = {}
    for kind in codes:
        by_status.setdefault(kind.status, []).append(kind)
    return {
        status: ResponseSpec(
            data_container=Problem,
            media_type=PROBLEM_MEDIA_TYPE,
            generate_examples=False,
            description="\n".join(f"- `{kind.code}`: {kind.title_en}" for kind in kinds),
        )
        for status, kinds in sorted(by_status.items())
    }


# How a caller authenticates: phones and scripts send a Bearer token (device or login), pages the session cookie.
SECURITY_COMPONENTS = Components(
    security_schemes={
        "bearer": SecurityScheme(
            type="http",
            scheme="bearer",
            description="A device token (phones) or the token from POST /api/v1/auth/login",
        ),
        "session_cookie": SecurityScheme(
            type="apiKey",
            security_scheme_in="cookie",
            name="gocua_session",
            description="The page session cookie set by POST /api/v1/auth/login",
        ),
    }
)
_CALLER_SECURITY: list[dict[str, list[str]]] = [{"bearer": []}, {"session_cookie": []}]


class ProblemResponsesPlugin(ReceiveRoutePlugin):
    """Adds the problem responses (and the security requirement) to each HTTP route handler as the app registers
    it, before the lazily built OpenAPI document reads them. A problem status the handler documents itself gets
    the handler's text too."""

    def receive_route(self, route: BaseRoute) -> None:
        if not isinstance(route, HTTPRoute):
            return
        for handler in route.route_handlers:
            if not handler.resolve_include_in_schema():
                continue
            own = dict(handler.responses or {})
            if handler.status_code == 204 and 204 not in own:  # a `Response[None]` would be documented as JSON null
                own[204] = ResponseSpec(None, description="Done; no content")
            generated = problem_responses(operation_codes(handler, route.path_parameters))
            for status, spec in own.items():
                if status in generated:  # the catalog's codes first, then what the handler adds about them
                    own[status] = replace(
                        generated[status], description=f"{generated[status].description}\n\n{spec.description}"
                    )
            handler.responses = {**generated, **own}
            if handler.handler_name not in ANONYMOUS and handler.security is None:
                handler.security = _CALLER_SECURITY


def raw_body_operation(description: str, content: Mapping[str, Schema | Reference]) -> type[Operation]:
    """An Operation class documenting the body of a handler that reads `request.body()` itself."""

    @dataclass
    class RawBodyOperation(Operation):
        def __post_init__(self) -> None:
            self.request_body = RequestBody(
                required=True,
                description=description,
                content={media_type: OpenAPIMediaType(schema=schema) for media_type, schema in content.items()},
            )

    return RawBodyOperation


def component(name: str) -> Reference:
    """A schema Litestar registers from a Struct used elsewhere in the document (e.g. in a ResponseSpec)."""
    return Reference(ref=f"#/components/schemas/{name}")


TEXT_SCHEMA = Schema(type=OpenAPIType.STRING)


class StrictStructSchemaPlugin(StructSchemaPlugin):
    """A Struct that refuses unknown fields (admin inputs: `forbid_unknown_fields=True`) is documented with
    `additionalProperties: false`, as the server enforces; phone payloads, which tolerate them, stay open."""

    def is_plugin_supported_field(self, field_definition: FieldDefinition) -> bool:
        return super().is_plugin_supported_field(field_definition) and bool(
            getattr(field_definition.type_, "__struct_config__", None)
            and field_definition.type_.__struct_config__.forbid_unknown_fields
        )

    def to_openapi_schema(self, field_definition: FieldDefinition, schema_creator: SchemaCreator) -> Schema:
        schema = super().to_openapi_schema(field_definition, schema_creator)
        schema.additional_properties = False
        return schema
