"""Bulk member import from CSV (API and `gocua members import`).

Columns: username, full_name, area_code (the village for members/leaders, the scope root for supervisors);
optional role (member), phone, has_smartphone (yes), password. Rows are matched by username: new ones are
created, known ones updated. Teams are created for villages that have none. One bad row refuses the file.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from service import errors
from service.areas.models import Area
from service.auth.actor import Actor, Role
from service.auth.passwords import hash_password
from service.common.text import normalize_username, parse_bool, read_csv, username_problem
from service.db.engine import utcnow
from service.people.models import User
from service.people.schemas import MemberImportReport
from service.people.services import (
    ROLES,
    _clean_full_name,
    _clean_phone,
    check_password,
    insert_user,
    placement,
    require_manager_of,
    visible_users,
)

REQUIRED = {"username", "full_name", "area_code"}
OPTIONAL = {"role", "phone", "has_smartphone", "password"}


async def import_members_csv(session: AsyncSession, actor: Actor | None, content: bytes) -> MemberImportReport:
    """`actor` None: the command line, with every right. Otherwise each row must be the caller's to manage."""
    rows = list(read_csv(content, REQUIRED, OPTIONAL))
    problems: list[dict] = []
    parsed: list[dict] = []
    seen: set[str] = set()
    for row in rows:
        line = row.line
        try:
            record = _parse(row)
        except errors.DomainError as exc:
            problems.extend({"line": line} | item for item in exc.errors or [{"code": exc.kind.code}])
            continue
        if record["username"] in seen:
            problems.append({"line": line, "field": "username", "code": "user.duplicate_username"})
        seen.add(record["username"])
        if actor is not None and not _manages(actor, record["role"]):
            problems.append(
                {
                    "line": line,
                    "field": "role",
                    "code": "auth.forbidden",
                    "message": f"you cannot manage {record['role']} accounts",
                }
            )
        record["line"] = line
        parsed.append(record)

    areas = {
        a.code: a
        for a in (
            await session.execute(
                select(Area).where(col(Area.code).in_({r["area_code"] for r in parsed if r["area_code"]}))
            )
        ).scalars()
    }
    for record in parsed:
        code = record["area_code"]
        if code is None:
            continue
        area = areas.get(code)
        if area is None or (actor is not None and not actor.sees_path(area.path)):
            problems.append(
                {"line": record["line"], "field": "area_code", "code": errors.NOT_FOUND.code, "message": code}
            )
        elif area.closed_at is not None:
            problems.append(
                {"line": record["line"], "field": "area_code", "code": errors.AREA_CLOSED.code, "message": code}
            )

    existing = {
        u.username: u for u in (await session.execute(select(User).where(col(User.username).in_(seen)))).scalars()
    }
    if actor is not None:
        visible = set(
            (
                await session.execute(
                    select(col(User.id))
                    .outerjoin(Area, col(Area.id) == col(User.area_id))
                    .where(col(User.id).in_([u.id for u in existing.values()]), visible_users(actor))
                )
            ).scalars()
        )
        for record in parsed:
            user = existing.get(record["username"])
            if user is not None and (user.id not in visible or not _manages(actor, Role(user.role))):
                problems.append({"line": record["line"], "field": "username", "code": "user.username_taken"})
    if problems:
        raise errors.DomainError(errors.CSV_INVALID, errors=problems)

    hashes: dict[str, str] = {}
    for record in parsed:  # one argon2 run per distinct password
        password = record["password"]
        if password is not None and password not in hashes:
            hashes[password] = await hash_password(password)

    report = MemberImportReport()
    now = utcnow()
    for record in parsed:
        try:
            area_id, team_id, team_created = await placement(session, actor, record["role"], record["area_code"])
        except errors.DomainError as exc:
            problems.append(
                {"line": record["line"], "field": "area_code", "code": exc.kind.code, "message": record["area_code"]}
            )
            continue
        report.teams_created += team_created
        user = existing.get(record["username"])
        password_hash = hashes.get(record["password"]) if record["password"] is not None else None
        if user is None:
            await insert_user(
                session,
                User(
                    username=record["username"],
                    full_name=record["full_name"],
                    phone=record["phone"],
                    role=record["role"].value,
                    team_id=team_id,
                    area_id=area_id,
                    password_hash=password_hash,
                    has_smartphone=record["has_smartphone"],
                    created_at=now,
                ),
            )
            report.created += 1
            continue
        before = (user.full_name, user.phone, user.role, user.team_id, user.area_id, user.has_smartphone)
        user.full_name, user.phone, user.role = record["full_name"], record["phone"], record["role"].value
        user.team_id, user.area_id, user.has_smartphone = team_id, area_id, record["has_smartphone"]
        changed = before != (user.full_name, user.phone, user.role, user.team_id, user.area_id, user.has_smartphone)
        if password_hash is not None:
            user.password_hash, changed = password_hash, True
        report.updated += changed
        report.unchanged += not changed
    if problems:  # the caller's transaction is rolled back by the error: nothing half-written
        raise errors.DomainError(errors.CSV_INVALID, errors=problems)
    await session.flush()
    return report


def _manages(actor: Actor, role: Role) -> bool:
    try:
        require_manager_of(actor, role)
    except errors.DomainError:
        return False
    return True


def _parse(row: dict[str, str]) -> dict:
    problems: list[dict] = []
    username = normalize_username(row["username"])
    problem = username_problem(username)
    if problem:
        problems.append({"field": "username", "code": "user.bad_username", "message": problem})
    role_text = (row.get("role") or "member").lower()
    if role_text not in ROLES:
        problems.append({"field": "role", "code": "user.bad_role", "message": role_text})
    full_name = phone = None
    try:
        full_name = _clean_full_name(row["full_name"])
        phone = _clean_phone(row.get("phone") or None)
    except errors.DomainError as exc:
        problems += exc.errors or []
    try:
        has_smartphone = parse_bool(row["has_smartphone"]) if row.get("has_smartphone") else True
    except ValueError:
        problems.append({"field": "has_smartphone", "code": "csv.bad_boolean"})
        has_smartphone = True
    password = row.get("password") or None
    if password is not None:
        try:
            check_password(password)
        except errors.DomainError as exc:
            problems.append({"field": "password", "code": exc.kind.code})
    area_code = row["area_code"] or None
    if area_code is None and role_text != Role.ADMIN:
        problems.append({"field": "area_code", "code": "user.area_required"})
    if problems:
        raise errors.DomainError(errors.CSV_INVALID, errors=problems)
    role = Role(role_text)
    return {
        "username": username,
        "full_name": full_name,
        "phone": phone,
        "role": role,
        "area_code": None if role == Role.ADMIN else area_code,
        "has_smartphone": has_smartphone,
        "password": password,
    }
