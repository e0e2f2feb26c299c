"""The authorization matrix: every endpoint × role × in-scope / out-of-scope object → expected status.

`tests/test_authz_matrix.py` runs every cell on SQLite and PostgreSQL and FAILS when a route of the app has no
`Endpoint` here (or an `Endpoint` names a route that no longer exists).

HOW TO ADD YOUR ENDPOINTS (visits, reviews, tallies, exports …) — append to ENDPOINTS in a section of your own:

    async def _my_call(scene: Scene, role: str, scope: str) -> Call:
        household = await scene.household(scope)       # "in": village 38-A-1, "out": village 38-B-1
        return Call(f"/api/v1/things/{household.id}", json={...})

    Endpoint("POST", "/api/v1/things/{thing_id}", _my_call,
             anonymous=401, member=(201, 404), leader=(201, 404), supervisor=(201, 404), admin=201),

- `method` and `path` are exactly Litestar's `route.path_format` (path parameters without their type).
- The builder gets the Scene (tests/support/authz_scene.py: the test world plus helpers that create fresh
  objects), the role and the scope, and returns the concrete `Call`. Cells share one database and run one
  after another, so a builder whose request changes or deletes something must create a fresh object.
- Each role's cell is one status for both scopes, or `(in_scope, out_of_scope)`. Players: member = member_a1,
  leader = leader_a1 (village 38-A-1), supervisor = supervisor_a (commune 38-A), admin; anonymous sends no
  credentials. Out-of-scope objects must answer 404 (never 403: ids must not leak).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from service.db.engine import utcnow
from service.households.models import LocationProposal
from service.visits.models import Visit, VisitAttachment, VisitPhoto
from service.visits.photo_objects import store_photo
from storage import process_photo
from tests.support.authz_scene import PASSWORD, Call, Scene
from tests.support.forms_data import small_form, xlsx
from tests.visits.support import PHOTO_QUESTION, jpeg, visit
from tests.visits.support import answers as visit_answers

MATRIX_PHOTO = jpeg(99)

Cell = int | tuple[int, int]
Builder = Callable[[Scene, str, str], Awaitable[Call]]


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str
    build: Builder
    anonymous: Cell
    member: Cell
    leader: Cell
    supervisor: Cell
    admin: Cell

    def expected(self, role: str, scope: str) -> int:
        cell = getattr(self, role)
        return cell if isinstance(cell, int) else cell[0 if scope == "in" else 1]


def fixed(path: str, **kwargs: object) -> Builder:
    async def build(scene: Scene, role: str, scope: str) -> Call:
        return Call(path, **kwargs)  # type: ignore[arg-type]

    return build


# Everyone, signed in or not.
PUBLIC = {"anonymous": 200, "member": 200, "leader": 200, "supervisor": 200, "admin": 200}
# Any signed-in person, nothing scoped.
SIGNED_IN = {"anonymous": 401, "member": 200, "leader": 200, "supervisor": 200, "admin": 200}
# Readable by everyone who sees the object: out of scope is 404 except for the admin.
SCOPED_READ = {"anonymous": 401, "member": (200, 404), "leader": (200, 404), "supervisor": (200, 404), "admin": 200}
ADMIN_ONLY = {"anonymous": 401, "member": 403, "leader": 403, "supervisor": 403}


# ---- health and API docs -------------------------------------------------------------------------------------

ENDPOINTS: list[Endpoint] = [
    Endpoint("GET", "/health", fixed("/health"), **PUBLIC),
    Endpoint("GET", "/ready", fixed("/ready"), **PUBLIC),
    Endpoint("GET", "/schema", fixed("/schema"), **PUBLIC),
    Endpoint("GET", "/schema/openapi.json", fixed("/schema/openapi.json"), **PUBLIC),
    Endpoint("GET", "/schema/swagger", fixed("/schema/swagger"), **PUBLIC),
    # The docs page's scripts and styles, served from the swagger-ui-bundle-v2 package.
    Endpoint("GET", "/schema-assets/{name}", fixed("/schema-assets/swagger-ui-bundle.js"), **PUBLIC),
    # The docs' catch-all: public (no 401 for anyone); a document it does not serve is 404 for everyone alike.
    Endpoint(
        "GET",
        "/schema/{path}",
        fixed("/schema/openapi.yaml"),
        **{role: 404 for role in ("anonymous", "member", "leader", "supervisor", "admin")},
    ),
    # The phone app's static files: public (a phone signs in inside the app; its data comes from the API).
    Endpoint("GET", "/app", fixed("/app"), **PUBLIC),
    Endpoint("GET", "/app/{name}", fixed("/app/app.js"), **PUBLIC),
]


# ---- forms (registry) ----------------------------------------------------------------------------------------


async def _form_definition(scene: Scene, role: str, scope: str) -> Call:
    return Call(
        "/api/v1/forms",
        content=json.dumps(small_form(scene.unique("matrix-form-"))).encode(),
        content_type="application/json",
    )


async def _xlsform(scene: Scene, role: str, scope: str) -> Call:
    workbook = xlsx(
        {
            "survey": [["type", "name", "label"], ["integer", "members", "Số người"]],
            "settings": [["form_id", "version", "form_title"], [scene.unique("matrix-xls-"), "1", "Thử"]],
        }
    )
    return Call("/api/v1/forms/xlsform", files={"file": ("form.xlsx", workbook)})


async def _bundled(scene: Scene, role: str, scope: str) -> Call:
    return Call(f"/api/v1/forms/{scene.form_id}")


async def _bundled_version(scene: Scene, role: str, scope: str) -> Call:
    return Call(f"/api/v1/forms/{scene.form_id}/versions/{scene.form_version}")


ENDPOINTS += [
    Endpoint("GET", "/api/v1/forms", fixed("/api/v1/forms"), **SIGNED_IN),
    Endpoint("GET", "/api/v1/forms/{form_id}", _bundled, **SIGNED_IN),
    Endpoint("GET", "/api/v1/forms/{form_id}/versions/{version}", _bundled_version, **SIGNED_IN),
    Endpoint("POST", "/api/v1/forms", _form_definition, **ADMIN_ONLY, admin=201),
    Endpoint("POST", "/api/v1/forms/xlsform", _xlsform, **ADMIN_ONLY, admin=201),
]


# ---- form media and the original XLSForm (registry) ------------------------------------------------------------


async def _media_upload(scene: Scene, role: str, scope: str) -> Call:
    name = scene.unique("matrix-media-") + ".csv"
    return Call(
        f"/api/v1/forms/{scene.form_id}/versions/{scene.form_version}/media",
        files={"file": (name, b"name,label\na,A\n")},
    )


async def _media_list(scene: Scene, role: str, scope: str) -> Call:
    return Call(f"/api/v1/forms/{scene.form_id}/versions/{scene.form_version}/media")


async def _media_file(scene: Scene, role: str, scope: str) -> Call:
    from service.registry import media
    from service.registry import services as registry

    name = scene.unique("matrix-read-") + ".csv"
    async with scene.sessions() as session:
        row = await registry.get_version(session, scene.form_id, scene.form_version)
        await media.add_media(session, row, media.MediaUpload(name, b"name,label\na,A\n"), None)
        await session.commit()
    return Call(f"/api/v1/forms/{scene.form_id}/versions/{scene.form_version}/media/{name}")


async def _xlsform_source(scene: Scene, role: str, scope: str) -> Call:
    from service.registry import media
    from service.registry import services as registry

    form_id = scene.unique("matrix-source-")
    workbook = xlsx(
        {
            "survey": [["type", "name", "label"], ["integer", "members", "Số người"]],
            "settings": [["form_id", "version"], [form_id, "1"]],
        }
    )
    async with scene.sessions() as session:
        definition, _ = registry.parse_xlsform(workbook, "form.xlsx")
        await registry.publish(session, definition, None)
        row = await registry.get_version(session, form_id, "1")
        assert row.id is not None
        await media.keep_xlsform_source(session, row.id, workbook, "form.xlsx", None)
        await session.commit()
    return Call(f"/api/v1/forms/{form_id}/versions/1/xlsform")


ENDPOINTS += [
    Endpoint("POST", "/api/v1/forms/{form_id}/versions/{version}/media", _media_upload, **ADMIN_ONLY, admin=201),
    Endpoint("GET", "/api/v1/forms/{form_id}/versions/{version}/media", _media_list, **SIGNED_IN),
    Endpoint("GET", "/api/v1/forms/{form_id}/versions/{version}/media/{name}", _media_file, **SIGNED_IN),
    Endpoint("GET", "/api/v1/forms/{form_id}/versions/{version}/xlsform", _xlsform_source, **ADMIN_ONLY, admin=200),
]


# ---- sign-in and who am I ------------------------------------------------------------------------------------


async def _login(scene: Scene, role: str, scope: str) -> Call:
    return Call("/api/v1/auth/login", json={"username": scene.username(role), "password": PASSWORD})


async def _logout(scene: Scene, role: str, scope: str) -> Call:
    headers = await scene.fresh_credentials(role) if role != "anonymous" else None
    return Call("/api/v1/auth/logout", headers=headers)


async def _password(scene: Scene, role: str, scope: str) -> Call:
    # Changing to the same password keeps every later cell's login working.
    return Call("/api/v1/me/password", json={"current_password": PASSWORD, "new_password": PASSWORD})


ENDPOINTS += [
    Endpoint("POST", "/api/v1/auth/login", _login, **PUBLIC),
    Endpoint("POST", "/api/v1/auth/logout", _logout, anonymous=401, member=204, leader=204, supervisor=204, admin=204),
    Endpoint("GET", "/api/v1/me", fixed("/api/v1/me"), **SIGNED_IN),
    Endpoint(
        "POST", "/api/v1/me/password", _password, anonymous=401, member=204, leader=204, supervisor=204, admin=204
    ),
]


# ---- areas ---------------------------------------------------------------------------------------------------


async def _areas(scene: Scene, role: str, scope: str) -> Call:
    return Call("/api/v1/areas", params={"parent": scene.village(scope).code})


async def _area(scene: Scene, role: str, scope: str) -> Call:
    return Call(f"/api/v1/areas/{scene.village(scope).code}")


async def _create_area(scene: Scene, role: str, scope: str) -> Call:
    return Call(
        "/api/v1/areas", json={"code": scene.unique("M-"), "name": "Thôn mới", "parent": scene.commune(scope).code}
    )


async def _close_area(scene: Scene, role: str, scope: str) -> Call:
    return Call(f"/api/v1/areas/{(await scene.fresh_village(scope)).code}/close")


ENDPOINTS += [
    Endpoint("GET", "/api/v1/areas", _areas, **SCOPED_READ),
    Endpoint("GET", "/api/v1/areas/{code}", _area, **SCOPED_READ),
    Endpoint("POST", "/api/v1/areas", _create_area, **ADMIN_ONLY, admin=201),
    Endpoint("POST", "/api/v1/areas/{code}/close", _close_area, **ADMIN_ONLY, admin=200),
]


# ---- teams ---------------------------------------------------------------------------------------------------


async def _teams(scene: Scene, role: str, scope: str) -> Call:
    return Call("/api/v1/teams", params={"area": scene.village(scope).code})


async def _team(scene: Scene, role: str, scope: str) -> Call:
    return Call(f"/api/v1/teams/{scene.team(scope).id}")


async def _create_team(scene: Scene, role: str, scope: str) -> Call:
    return Call("/api/v1/teams", json={"area": (await scene.fresh_village(scope)).code})


async def _rename_team(scene: Scene, role: str, scope: str) -> Call:
    return Call(f"/api/v1/teams/{scene.team(scope).id}", json={"name": scene.unique("Tổ ")})


async def _delete_team(scene: Scene, role: str, scope: str) -> Call:
    return Call(f"/api/v1/teams/{(await scene.fresh_team(scope)).id}")


MANAGE_SEEN = {"anonymous": 401, "member": (403, 404), "leader": (403, 404)}  # field roles see their own team
ENDPOINTS += [
    Endpoint("GET", "/api/v1/teams", _teams, **SCOPED_READ),
    Endpoint("GET", "/api/v1/teams/{team_id}", _team, **SCOPED_READ),
    Endpoint(
        "POST", "/api/v1/teams", _create_team, anonymous=401, member=403, leader=403, supervisor=(201, 404), admin=201
    ),
    Endpoint("PATCH", "/api/v1/teams/{team_id}", _rename_team, **MANAGE_SEEN, supervisor=(200, 404), admin=200),
    # A fresh team is not the caller's own, so field roles do not see it at all.
    Endpoint(
        "DELETE",
        "/api/v1/teams/{team_id}",
        _delete_team,
        anonymous=401,
        member=404,
        leader=404,
        supervisor=(204, 404),
        admin=204,
    ),
]


# ---- members and their device tokens -------------------------------------------------------------------------


async def _members(scene: Scene, role: str, scope: str) -> Call:
    return Call("/api/v1/members", params={"area": scene.village(scope).code})


async def _member(scene: Scene, role: str, scope: str) -> Call:
    return Call(f"/api/v1/members/{scene.member(scope).id}")


async def _create_member(scene: Scene, role: str, scope: str) -> Call:
    return Call(
        "/api/v1/members",
        json={"username": scene.unique("người_mới_"), "full_name": "Người Mới", "area": scene.village(scope).code},
    )


async def _update_member(scene: Scene, role: str, scope: str) -> Call:
    return Call(f"/api/v1/members/{(await scene.fresh_member(scope)).id}", json={"phone": "0912000111"})


async def _deactivate_member(scene: Scene, role: str, scope: str) -> Call:
    return Call(f"/api/v1/members/{(await scene.fresh_member(scope)).id}")


async def _import_members(scene: Scene, role: str, scope: str) -> Call:
    content = f"username,full_name,area_code\n{scene.unique('nhập_')},Người Nhập,{scene.village(scope).code}\n"
    return Call("/api/v1/members/import", content=content.encode(), content_type="text/csv")


async def _tokens(scene: Scene, role: str, scope: str) -> Call:
    return Call(f"/api/v1/members/{scene.member(scope).id}/device-tokens")


async def _revoke_token(scene: Scene, role: str, scope: str) -> Call:
    member = scene.member(scope)
    token_id, _ = await scene.device_token(member.id)
    return Call(f"/api/v1/members/{member.id}/device-tokens/{token_id}")


# A fresh member of village 38-A-1 is a teammate of the leader, but members see only themselves.
FRESH_MEMBER = {"anonymous": 401, "member": 404, "leader": (403, 404), "supervisor": (200, 404), "admin": 200}
TOKENS = {"anonymous": 401, "member": (403, 404), "leader": (200, 404), "supervisor": (200, 404), "admin": 200}
ENDPOINTS += [
    Endpoint("GET", "/api/v1/members", _members, **SCOPED_READ),
    Endpoint("GET", "/api/v1/members/{user_id}", _member, **SCOPED_READ),
    Endpoint(
        "POST",
        "/api/v1/members",
        _create_member,
        anonymous=401,
        member=403,
        leader=403,
        supervisor=(201, 404),
        admin=201,
    ),
    Endpoint("PATCH", "/api/v1/members/{user_id}", _update_member, **FRESH_MEMBER),
    Endpoint(
        "DELETE",
        "/api/v1/members/{user_id}",
        _deactivate_member,
        **(FRESH_MEMBER | {"supervisor": (204, 404), "admin": 204}),
    ),
    # A file naming an area outside the caller's scope is refused row by row (422 csv.invalid).
    Endpoint(
        "POST",
        "/api/v1/members/import",
        _import_members,
        anonymous=401,
        member=403,
        leader=403,
        supervisor=(200, 422),
        admin=200,
    ),
    Endpoint("GET", "/api/v1/members/{user_id}/device-tokens", _tokens, **TOKENS),
    Endpoint(
        "POST",
        "/api/v1/members/{user_id}/device-tokens",
        _tokens,
        **(TOKENS | {"leader": (201, 404), "supervisor": (201, 404), "admin": 201}),
    ),
    Endpoint(
        "DELETE",
        "/api/v1/members/{user_id}/device-tokens/{token_id}",
        _revoke_token,
        **(TOKENS | {"leader": (204, 404), "supervisor": (204, 404), "admin": 204}),
    ),
]


# ---- households ----------------------------------------------------------------------------------------------


async def _households(scene: Scene, role: str, scope: str) -> Call:
    return Call("/api/v1/households", params={"area": scene.village(scope).code})


async def _household(scene: Scene, role: str, scope: str) -> Call:
    return Call(f"/api/v1/households/{(await scene.household(scope)).id}")


async def _create_household(scene: Scene, role: str, scope: str) -> Call:
    return Call(
        "/api/v1/households", json={"id": str(uuid.uuid4()), "area": scene.village(scope).code, "head_name": "Hộ mới"}
    )


async def _update_household(scene: Scene, role: str, scope: str) -> Call:
    return Call(f"/api/v1/households/{(await scene.household(scope)).id}", json={"member_count": 2})


async def _merge_households(scene: Scene, role: str, scope: str) -> Call:
    duplicate, survivor = await scene.household(scope), await scene.household(scope)
    return Call(f"/api/v1/households/{duplicate.id}/merge", json={"into": str(survivor.id)})


ENDPOINTS += [
    Endpoint("GET", "/api/v1/households", _households, **SCOPED_READ),
    Endpoint("GET", "/api/v1/households/{household_id}", _household, **SCOPED_READ),
    Endpoint(
        "POST",
        "/api/v1/households",
        _create_household,
        anonymous=401,
        member=(201, 404),
        leader=(201, 404),
        supervisor=(201, 404),
        admin=201,
    ),
    Endpoint("PATCH", "/api/v1/households/{household_id}", _update_household, **SCOPED_READ),
    Endpoint(
        "POST",
        "/api/v1/households/{household_id}/merge",
        _merge_households,
        anonymous=401,
        member=(403, 404),
        leader=(403, 404),
        supervisor=(200, 404),
        admin=200,
    ),
]


async def _fresh_proposal(scene: Scene, scope: str) -> int:
    """A household of the scope's village with a member's pending location proposal."""
    household = await scene.household(scope, lat=19.93, lon=105.45)
    async with scene.sessions() as session:
        proposal = LocationProposal(
            household_id=household.id,
            area_path=scene.village(scope).path,
            lat=19.95,
            lon=105.45,
            previous_lat=19.93,
            previous_lon=105.45,
            distance_m=2224.0,
            proposed_by=scene.member(scope).id,
            proposed_at=utcnow(),
        )
        session.add(proposal)
        await session.commit()
        assert proposal.id is not None
        return proposal.id


async def _confirm_proposal(scene: Scene, role: str, scope: str) -> Call:
    return Call(f"/api/v1/location-proposals/{await _fresh_proposal(scene, scope)}/confirm")


async def _reject_proposal(scene: Scene, role: str, scope: str) -> Call:
    return Call(f"/api/v1/location-proposals/{await _fresh_proposal(scene, scope)}/reject")


# A member's change of a known household location waits for a supervisor (service/households/locations.py).
DECIDE = {"anonymous": 401, "member": 403, "leader": 403, "supervisor": (200, 404), "admin": 200}
ENDPOINTS += [
    Endpoint("GET", "/api/v1/location-proposals", fixed("/api/v1/location-proposals"), **SIGNED_IN),
    Endpoint("POST", "/api/v1/location-proposals/{proposal_id}/confirm", _confirm_proposal, **DECIDE),
    Endpoint("POST", "/api/v1/location-proposals/{proposal_id}/reject", _reject_proposal, **DECIDE),
]

# ---- access log ----------------------------------------------------------------------------------------------

ENDPOINTS += [
    Endpoint("GET", "/api/v1/access-log", fixed("/api/v1/access-log"), **ADMIN_ONLY, admin=200),
]


# ---- visits --------------------------------------------------------------------------------------------------
# In scope: a visit made by member_a1 in village 38-A-1; out of scope: one by member_b1 in village 38-B-1.
# Members see the visits they made; leaders only their own too (not their team's); supervisors by area.


async def _visit_json(scene: Scene, role: str, scope: str) -> Call:
    household = await scene.household(scope)
    return Call("/api/v1/visits", json=visit((scene.form_id, scene.form_version), household.id))


async def _stored_visit(scene: Scene, scope: str) -> uuid.UUID:
    household = await scene.household(scope)
    village = scene.village(scope)
    visit_id = uuid.uuid4()
    async with scene.sessions() as session:
        session.add(
            Visit(
                id=visit_id,
                form_id=scene.form_id,
                form_version=scene.form_version,
                household_id=household.id,
                submitted_by=scene.member(scope).id,
                team_id=scene.team(scope).id,
                area_id=village.id,
                area_path=village.path,
                received_at=utcnow(),
                answers=visit_answers(),
                payload_hash="0" * 64,
                status="awaiting_photos",
            )
        )
        await session.commit()
    return visit_id


def _matrix_store(scene: Scene):
    return scene.store


async def _visit_with_photo(scene: Scene, scope: str) -> uuid.UUID:
    visit_id = await _stored_visit(scene, scope)
    photo = process_photo(MATRIX_PHOTO)
    keys = await store_photo(_matrix_store(scene), photo)
    async with scene.sessions() as session:
        session.add(
            VisitPhoto(
                visit_id=visit_id,
                question=PHOTO_QUESTION,
                idx=0,
                sha256=photo.sha256,
                original_key=keys.original,
                large_key=keys.large,
                thumb_key=keys.thumb,
                content_type=photo.content_type,
                width=photo.width,
                height=photo.height,
                size_bytes=len(photo.original),
                created_at=utcnow(),
            )
        )
        await session.commit()
    return visit_id


MATRIX_PDF = b"%PDF-1.4\n%%EOF\n"


async def _visit_with_attachment(scene: Scene, scope: str) -> uuid.UUID:
    visit_id = await _stored_visit(scene, scope)
    key = "attachments/matrix/matrix.pdf"
    await _matrix_store(scene).put(key, MATRIX_PDF, "application/pdf")
    async with scene.sessions() as session:
        session.add(
            VisitAttachment(
                visit_id=visit_id,
                question="paper",
                kind="file",
                filename="giay.pdf",
                sha256="1" * 64,
                object_key=key,
                content_type="application/pdf",
                size_bytes=len(MATRIX_PDF),
                created_at=utcnow(),
            )
        )
        await session.commit()
    return visit_id


async def _put_attachment(scene: Scene, role: str, scope: str) -> Call:
    # The matrix's form has no audio/video/file question: whoever may add files gets as far as 422 (visit.invalid).
    return Call(
        f"/api/v1/visits/{await _stored_visit(scene, scope)}/attachments/paper",
        content=MATRIX_PDF,
        content_type="application/pdf",
    )


async def _visit_attachment(scene: Scene, role: str, scope: str) -> Call:
    return Call(f"/api/v1/visits/{await _visit_with_attachment(scene, scope)}/attachments/paper")


async def _page_attachment(scene: Scene, role: str, scope: str) -> Call:
    return Call(f"/review/visits/{await _visit_with_attachment(scene, scope)}/attachments/paper")


async def _put_photo(scene: Scene, role: str, scope: str) -> Call:
    return Call(
        f"/api/v1/visits/{await _stored_visit(scene, scope)}/photos/{PHOTO_QUESTION}",
        content=MATRIX_PHOTO,
        content_type="image/jpeg",
    )


async def _put_photo_slot(scene: Scene, role: str, scope: str) -> Call:
    return Call(
        f"/api/v1/visits/{await _stored_visit(scene, scope)}/photos/{PHOTO_QUESTION}/1",
        content=MATRIX_PHOTO,
        content_type="image/jpeg",
    )


async def _visits(scene: Scene, role: str, scope: str) -> Call:
    return Call("/api/v1/visits", params={"area": scene.village(scope).code})


async def _visit(scene: Scene, role: str, scope: str) -> Call:
    return Call(f"/api/v1/visits/{await _stored_visit(scene, scope)}")


async def _visit_photo(scene: Scene, role: str, scope: str) -> Call:
    return Call(f"/api/v1/visits/{await _visit_with_photo(scene, scope)}/photos/{PHOTO_QUESTION}/0/thumb")


async def _review(scene: Scene, role: str, scope: str) -> Call:
    return Call(f"/api/v1/visits/{await _stored_visit(scene, scope)}/review", json={"decision": "approve"})


# Supervisors do not file visits, whoever's household it is (403 either way: nothing leaks).
SUBMIT = {"anonymous": 401, "member": (201, 404), "leader": (201, 404), "supervisor": 403, "admin": 201}
# Only whoever submitted the visit adds its photos; a supervisor sees the visit but may not.
ATTACH = {"anonymous": 401, "member": (201, 404), "leader": 404, "supervisor": (403, 404), "admin": 201}
READ_VISIT = {"anonymous": 401, "member": (200, 404), "leader": 404, "supervisor": (200, 404), "admin": 200}
ENDPOINTS += [
    Endpoint("POST", "/api/v1/visits", _visit_json, **SUBMIT),
    Endpoint("PUT", "/api/v1/visits/{visit_id}/photos/{question}", _put_photo, **ATTACH),
    Endpoint("PUT", "/api/v1/visits/{visit_id}/photos/{question}/{index}", _put_photo_slot, **ATTACH),
    Endpoint("GET", "/api/v1/visits", _visits, **SCOPED_READ),
    Endpoint("GET", "/api/v1/visits/{visit_id}", _visit, **READ_VISIT),
    Endpoint("GET", "/api/v1/visits/{visit_id}/photos/{question}/{index}/{variant}", _visit_photo, **READ_VISIT),
    Endpoint(
        "PUT",
        "/api/v1/visits/{visit_id}/attachments/{question}",
        _put_attachment,
        **(ATTACH | {"member": (422, 404), "admin": 422}),
    ),
    Endpoint("GET", "/api/v1/visits/{visit_id}/attachments/{question}", _visit_attachment, **READ_VISIT),
    Endpoint(
        "POST",
        "/api/v1/visits/{visit_id}/review",
        _review,
        **(READ_VISIT | {"member": (403, 404), "supervisor": (200, 404)}),
    ),
]


# ---- reviews: bulk decisions, the member's own visits --------------------------------------------------------


async def _bulk_review(scene: Scene, role: str, scope: str) -> Call:
    return Call("/api/v1/visits/review", json={"ids": [str(await _stored_visit(scene, scope))], "decision": "approved"})


ENDPOINTS += [
    # Out-of-scope visits fail one by one inside a 200 (each result carries its own 404).
    Endpoint(
        "POST", "/api/v1/visits/review", _bulk_review, anonymous=401, member=403, leader=403, supervisor=200, admin=200
    ),
    Endpoint("GET", "/api/v1/me/visits", fixed("/api/v1/me/visits"), **SIGNED_IN),
]


# ---- pages ---------------------------------------------------------------------------------------------------
# Pages answer HTML: without credentials a GET goes to the sign-in page (303) and a POST shows it (401); field
# roles are told the pages are for supervisors (403); out of scope is a 404 page. Form posts carry the CSRF token
# derived from the caller's credential.


def _form(**fields: str | list[str]) -> bytes:
    from urllib.parse import urlencode

    return urlencode(fields, doseq=True).encode()


FORM = "application/x-www-form-urlencoded"


def _csrf(scene: Scene, role: str, headers: dict[str, str] | None = None) -> str:
    from service.pages.guard import csrf_for

    if headers is not None:
        return csrf_for(headers["Authorization"].removeprefix("Bearer "))
    return csrf_for(scene.player(role).token) if role != "anonymous" else "none"


async def _page_login(scene: Scene, role: str, scope: str) -> Call:
    token = "t" * 43  # the sign-in form's double-submit token: cookie and field agree
    return Call(
        "/login",
        content=_form(csrf=token, username=scene.username(role), password=PASSWORD),
        content_type=FORM,
        headers={"Cookie": f"gocua_login_csrf={token}"},
    )


async def _page_logout(scene: Scene, role: str, scope: str) -> Call:
    if role == "anonymous":
        return Call("/logout", content=_form(csrf="none"), content_type=FORM)
    headers = await scene.fresh_credentials(role)
    return Call("/logout", content=_form(csrf=_csrf(scene, role, headers)), content_type=FORM, headers=headers)


async def _page_visit(scene: Scene, role: str, scope: str) -> Call:
    return Call(f"/review/visits/{await _stored_visit(scene, scope)}")


async def _page_photo(scene: Scene, role: str, scope: str) -> Call:
    return Call(f"/review/visits/{await _visit_with_photo(scene, scope)}/photos/{PHOTO_QUESTION}/0/large")


async def _page_decide(scene: Scene, role: str, scope: str) -> Call:
    return Call(
        f"/review/visits/{await _stored_visit(scene, scope)}/decision",
        content_type=FORM,
        content=_form(csrf=_csrf(scene, role), decision="rejected", comment="Chụp lại ảnh"),
    )


async def _page_bulk(scene: Scene, role: str, scope: str) -> Call:
    return Call(
        "/review/decide",
        content_type=FORM,
        content=_form(csrf=_csrf(scene, role), decision="approved", ids=[str(await _stored_visit(scene, scope))]),
    )


PAGE_READ = {"anonymous": 303, "member": 403, "leader": 403, "supervisor": 200, "admin": 200}
PAGE_SCOPED = PAGE_READ | {"supervisor": (200, 404)}
PAGE_POST = {"anonymous": 401, "member": 403, "leader": 403, "supervisor": 303, "admin": 303}
ENDPOINTS += [
    # Signed out, `/` is the sign-in page itself.
    Endpoint("GET", "/", fixed("/"), **(PAGE_READ | {"anonymous": 200})),
    Endpoint("POST", "/login", _page_login, anonymous=303, member=303, leader=303, supervisor=303, admin=303),
    Endpoint("POST", "/logout", _page_logout, anonymous=401, member=303, leader=303, supervisor=303, admin=303),
    Endpoint(
        "GET",
        "/lang/{lang}",
        fixed("/lang/en", params={"next": "/review"}),
        anonymous=303,
        member=303,
        leader=303,
        supervisor=303,
        admin=303,
    ),
    Endpoint("GET", "/review", fixed("/review"), **PAGE_READ),
    Endpoint("GET", "/review/visits/{visit_id}", _page_visit, **PAGE_SCOPED),
    Endpoint("GET", "/review/visits/{visit_id}/photos/{question}/{index}/{variant}", _page_photo, **PAGE_SCOPED),
    Endpoint("GET", "/review/visits/{visit_id}/attachments/{question}", _page_attachment, **PAGE_SCOPED),
    Endpoint("POST", "/review/visits/{visit_id}/decision", _page_decide, **(PAGE_POST | {"supervisor": (303, 404)})),
    # A bulk post reports out-of-scope visits in its result, like the API.
    Endpoint("POST", "/review/decide", _page_bulk, **PAGE_POST),
    Endpoint("GET", "/static/{file_path}", fixed("/static/app.css"), **PUBLIC),
    # Browsers ask every site for its icon: public, like the pages' static files.
    Endpoint("GET", "/favicon.ico", fixed("/favicon.ico"), **PUBLIC),
]


# ---- tallies, exports, the report (issue 10) -----------------------------------------------------------------


def _area_query(path: str, **extra: str) -> Builder:
    async def build(scene: Scene, role: str, scope: str) -> Call:
        return Call(path, params={"area": scene.village(scope).code, **extra})

    return build


async def _report_page(scene: Scene, role: str, scope: str) -> Call:
    return Call(f"/reports/{scene.village(scope).code}")


# Supervisors and above, in their scope; field roles are refused in scope and told nothing out of it.
SUPERVISOR_EXPORT = {
    "anonymous": 401,
    "member": (403, 404),
    "leader": (403, 404),
    "supervisor": (200, 404),
    "admin": 200,
}

ENDPOINTS += [
    Endpoint("GET", "/api/v1/tallies", _area_query("/api/v1/tallies"), **SCOPED_READ),
    Endpoint("GET", "/api/v1/reports/summary", _area_query("/api/v1/reports/summary"), **SCOPED_READ),
    Endpoint("GET", "/api/v1/reports/summary.xlsx", _area_query("/api/v1/reports/summary.xlsx"), **SCOPED_READ),
    Endpoint("GET", "/reports/{area}", _report_page, **SCOPED_READ),
    Endpoint(
        "GET", "/api/v1/exports/households.csv", _area_query("/api/v1/exports/households.csv"), **SUPERVISOR_EXPORT
    ),
    Endpoint(
        "GET", "/api/v1/exports/households.xlsx", _area_query("/api/v1/exports/households.xlsx"), **SUPERVISOR_EXPORT
    ),
    Endpoint(
        "GET",
        "/api/v1/exports/households.geojson",
        _area_query("/api/v1/exports/households.geojson"),
        **SUPERVISOR_EXPORT,
    ),
    Endpoint("GET", "/api/v1/exports/visits.csv", _area_query("/api/v1/exports/visits.csv"), **SUPERVISOR_EXPORT),
    Endpoint("GET", "/api/v1/exports/visits.xlsx", _area_query("/api/v1/exports/visits.xlsx"), **SUPERVISOR_EXPORT),
]


# ---- OpenRosa (ODK Collect, Enketo, Web Forms): the device token is in the path, never a header ------------------
# A field member's own token lists and takes forms; anything else (no device token, a supervisor's or admin's
# session token) is 403, never 401: a 401 makes ODK clients ask for a password forever.


def _openrosa(suffix: str) -> Builder:
    async def build(scene: Scene, role: str, scope: str) -> Call:
        token = "gcd_not-a-token" if role == "anonymous" else scene.player(role).token
        return Call(f"/openrosa/key/{token}/{suffix}", headers={})

    return build


async def _openrosa_submission(scene: Scene, role: str, scope: str) -> Call:
    from forms.bundled import bundled_form_paths
    from forms.load import load_definition
    from tests.openrosa.support import instance_xml

    definition = load_definition(bundled_form_paths()[0].read_bytes())
    household = await scene.household(scope)
    xml = instance_xml(definition, visit_answers(), household=household.id)
    token = "gcd_not-a-token" if role == "anonymous" else scene.player(role).token
    return Call(
        f"/openrosa/key/{token}/submission",
        files={"xml_submission_file": ("submission.xml", xml, "text/xml")},
        headers={},
    )


_BUNDLED = "forms/household-digital-skills/v/2"
FIELD_ONLY = {"anonymous": 403, "supervisor": 403, "admin": 403}

ENDPOINTS += [
    Endpoint("GET", "/openrosa/key/{token}/formList", _openrosa("formList"), member=200, leader=200, **FIELD_ONLY),
    Endpoint(
        "GET",
        "/openrosa/key/{token}/forms/{form_id}/v/{version}/form.xml",
        _openrosa(f"{_BUNDLED}/form.xml"),
        member=200,
        leader=200,
        **FIELD_ONLY,
    ),
    Endpoint(
        "GET",
        "/openrosa/key/{token}/forms/{form_id}/v/{version}/manifest",
        _openrosa(f"{_BUNDLED}/manifest"),
        member=200,
        leader=200,
        **FIELD_ONLY,
    ),
    Endpoint(
        "GET",
        "/openrosa/key/{token}/forms/{form_id}/v/{version}/attachments/{filename}",
        _openrosa(f"{_BUNDLED}/attachments/households.csv"),
        member=200,
        leader=200,
        **FIELD_ONLY,
    ),
    Endpoint("GET", "/openrosa/key/{token}/submission", _openrosa("submission"), member=204, leader=204, **FIELD_ONLY),
    # Out of scope: a household of another village is not the member's to visit (a protocol fault, with a message).
    Endpoint(
        "POST",
        "/openrosa/key/{token}/submission",
        _openrosa_submission,
        member=(201, 400),
        leader=(201, 400),
        **FIELD_ONLY,
    ),
    Endpoint(
        "GET",
        "/api/v1/openrosa/conflicts",
        fixed("/api/v1/openrosa/conflicts"),
        anonymous=401,
        member=403,
        leader=403,
        supervisor=200,
        admin=200,
    ),
]
# ---- the activity log and the filed report (issue 22) --------------------------------------------------------


def _training(scene: Scene, scope: str) -> dict[str, object]:
    return {
        "id": str(uuid.uuid4()),
        "kind": "training",
        "held_on": "2026-11-05",
        "area": scene.village(scope).code,
        "topic": "Tập huấn VNeID",
        "attendees": 20,
    }


async def _stored_activity(scene: Scene, scope: str) -> uuid.UUID:
    from service.activities.models import Activity

    village = scene.village(scope)
    activity_id = uuid.uuid4()
    async with scene.sessions() as session:
        session.add(
            Activity(
                id=activity_id,
                kind="wifi_point",
                held_on=utcnow().date(),
                area_id=village.id,
                area_path=village.path,
                place="Nhà văn hóa",
                payload_hash="0" * 64,
                recorded_by=scene.world["admin"].user.id,
                recorded_at=utcnow(),
            )
        )
        await session.commit()
    return activity_id


async def _record_activity(scene: Scene, role: str, scope: str) -> Call:
    return Call("/api/v1/activities", json=_training(scene, scope))


async def _get_activity(scene: Scene, role: str, scope: str) -> Call:
    return Call(f"/api/v1/activities/{await _stored_activity(scene, scope)}")


async def _edit_activity(scene: Scene, role: str, scope: str) -> Call:
    body = {k: v for k, v in _training(scene, scope).items() if k != "id"}
    return Call(f"/api/v1/activities/{await _stored_activity(scene, scope)}", json=body)


async def _narrative(scene: Scene, role: str, scope: str) -> Call:
    return Call(
        "/api/v1/reports/narrative",
        params={"area": scene.village(scope).code},
        json={"section": "III", "text": "Đề nghị hỗ trợ kinh phí."},
    )


async def _page_activity(scene: Scene, role: str, scope: str) -> Call:
    return Call(f"/activities/{await _stored_activity(scene, scope)}")


def _activity_form(scene: Scene, role: str, scope: str) -> bytes:
    fields = {k: str(v) for k, v in _training(scene, scope).items() if k != "id"}
    return _form(csrf=_csrf(scene, role), **fields)


async def _page_record(scene: Scene, role: str, scope: str) -> Call:
    return Call(f"/activities/new/{uuid.uuid4()}", content_type=FORM, content=_activity_form(scene, role, scope))


async def _page_correct(scene: Scene, role: str, scope: str) -> Call:
    return Call(
        f"/activities/{await _stored_activity(scene, scope)}",
        content_type=FORM,
        content=_activity_form(scene, role, scope),
    )


# A member logs visits, not the team's activities; corrections are the supervisors' (or the recording leader's).
FIELD_REFUSED = {"member": (403, 404), "leader": (403, 404)}
ENDPOINTS += [
    Endpoint(
        "POST", "/api/v1/activities", _record_activity,
        anonymous=401, member=403, leader=(201, 404), supervisor=(201, 404), admin=201,
    ),
    Endpoint("GET", "/api/v1/activities", _area_query("/api/v1/activities"), **SCOPED_READ),
    Endpoint("GET", "/api/v1/activities/catalog", fixed("/api/v1/activities/catalog"), **SIGNED_IN),
    Endpoint("GET", "/api/v1/activities/{activity_id}", _get_activity, **SCOPED_READ),
    Endpoint(
        "PUT", "/api/v1/activities/{activity_id}", _edit_activity,
        **(SUPERVISOR_EXPORT | FIELD_REFUSED),
    ),
    Endpoint(
        "GET", "/api/v1/exports/activities.csv", _area_query("/api/v1/exports/activities.csv"), **SUPERVISOR_EXPORT
    ),
    Endpoint("GET", "/api/v1/reports/summary.docx", _area_query("/api/v1/reports/summary.docx"), **SUPERVISOR_EXPORT),
    Endpoint("GET", "/api/v1/reports/summary.pdf", _area_query("/api/v1/reports/summary.pdf"), **SUPERVISOR_EXPORT),
    Endpoint("PUT", "/api/v1/reports/narrative", _narrative, **SUPERVISOR_EXPORT),
    Endpoint("GET", "/activities", fixed("/activities"), **PAGE_READ),
    Endpoint("GET", "/activities/new", fixed("/activities/new"), **PAGE_READ),
    Endpoint("GET", "/activities/{activity_id}", _page_activity, **PAGE_SCOPED),
    Endpoint("POST", "/activities/new/{activity_id}", _page_record, **(PAGE_POST | {"supervisor": (303, 404)})),
    Endpoint("POST", "/activities/{activity_id}", _page_correct, **(PAGE_POST | {"supervisor": (303, 404)})),
]  # fmt: skip


# The members page (service/pages/members.py): issuing and revoking phone tokens from the supervisors' pages.
async def _page_issue_token(scene: Scene, role: str, scope: str) -> Call:
    member = scene.member(scope)
    return Call(f"/members/{member.id}/device-token", content=_form(csrf=_csrf(scene, role)), content_type=FORM)


async def _page_revoke_tokens(scene: Scene, role: str, scope: str) -> Call:
    member = scene.member(scope)
    await scene.device_token(member.id)
    return Call(f"/members/{member.id}/device-tokens/revoke", content=_form(csrf=_csrf(scene, role)), content_type=FORM)


ENDPOINTS += [
    Endpoint("GET", "/members", fixed("/members"), **PAGE_READ),
    Endpoint(
        "POST", "/members/{user_id}/device-token", _page_issue_token,
        **(PAGE_POST | {"supervisor": (200, 404), "admin": 200}),
    ),
    Endpoint(
        "POST", "/members/{user_id}/device-tokens/revoke", _page_revoke_tokens,
        **(PAGE_POST | {"supervisor": (303, 404)}),
    ),
]  # fmt: skip
