"""Bulk member import from CSV (API and `gocua members import`).

Columns: username, full_name, area_code (the village for members/leaders, the scope root for supervisors);
optional role (member), phone, has_smartphone (yes), password. Rows are matched by username: new ones are
created, known ones updated. Teams are created for villages that have none. One bad row refuses the file.

A province's file (120,000 rows) once ran row by row inside one transaction for minutes; on SQLite every other
request waited on its write lock. Now the file is parsed in a worker thread, checked against the database in
one short read, passwords are hashed with no transaction open, and the rows are written with a few bulk
statements in one transaction (all or nothing), so the write lock is held for about a second.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import anyio
from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from service import errors
from service.areas.models import Area
from service.auth.actor import FIELD_ROLES, Actor, Role
from service.auth.passwords import hash_password
from service.common.text import CsvRow, normalize_username, parse_bool, read_csv, username_problem
from service.db.engine import utcnow
from service.db.tables import row_id, table_of
from service.people.models import Team, User
from service.people.schemas import MemberImportReport
from service.people.services import (
    ROLES,
    _clean_full_name,
    _clean_phone,
    check_password,
    require_manager_of,
    visible_users,
)
from service.people.teams import default_team_name

REQUIRED = {"username", "full_name", "area_code"}
OPTIONAL = {"role", "phone", "has_smartphone", "password"}
# Rows per statement: under SQLite's bound-parameter limit, and a bounded message for asyncpg.
BATCH = 2000
# Each distinct password costs one argon2 run (~0.1 s, on purpose): a file sets a few initial passwords
# (supervisors'); members sign in with phone tokens.
MAX_PASSWORDS = 200
USERS = table_of(User)
TEAMS = table_of(Team)
COMPARED = ("full_name", "phone", "role", "team_id", "area_id", "has_smartphone")


@dataclass(slots=True)
class Record:
    line: int
    username: str
    full_name: str
    phone: str | None
    role: Role
    area_code: str | None
    has_smartphone: bool
    password: str | None


def chunks(items: Sequence[Any], size: int = BATCH) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def parse_file(actor: Actor | None, content: bytes) -> tuple[list[Record], list[dict]]:
    """The file's records and its problems found without the database. CPU only: runs in a worker thread."""
    problems: list[dict] = []
    records: list[Record] = []
    seen: set[str] = set()
    passwords: set[str] = set()
    for row in read_csv(content, REQUIRED, OPTIONAL):
        line = row.line
        try:
            record = _parse(row)
        except errors.DomainError as exc:
            problems.extend({"line": line} | item for item in exc.errors or [{"code": exc.kind.code}])
            continue
        if record.username in seen:
            problems.append({"line": line, "field": "username", "code": "user.duplicate_username"})
        seen.add(record.username)
        if actor is not None and not _manages(actor, record.role):
            message = f"you cannot manage {record.role.value} accounts"
            problems.append({"line": line, "field": "role", "code": "auth.forbidden", "message": message})
        if record.password is not None and record.password not in passwords:
            passwords.add(record.password)
            if len(passwords) > MAX_PASSWORDS:
                message = f"at most {MAX_PASSWORDS} different passwords per file"
                problems.append(
                    {"line": line, "field": "password", "code": "csv.too_many_passwords", "message": message}
                )
        records.append(record)
    return records, problems


async def import_members_csv(session: AsyncSession, actor: Actor | None, content: bytes) -> MemberImportReport:
    """`actor` None: the command line, with every right. Otherwise each row must be the caller's to manage."""
    records, problems = await anyio.to_thread.run_sync(parse_file, actor, content)
    areas = await _areas(session, {r.area_code for r in records if r.area_code})
    for record in records:
        code = record.area_code
        if code is None:
            continue
        area = areas.get(code)
        if area is None or (actor is not None and not actor.sees_path(area.path)):
            problems.append({"line": record.line, "field": "area_code", "code": errors.NOT_FOUND.code, "message": code})
        elif area.closed_at is not None:
            problems.append(
                {"line": record.line, "field": "area_code", "code": errors.AREA_CLOSED.code, "message": code}
            )
    existing = await _existing(session, [r.username for r in records])
    if actor is not None:
        visible = await _visible(session, actor, [row.id for row in existing.values()])
        for record in records:
            user = existing.get(record.username)
            if user is not None and (user.id not in visible or not _manages(actor, Role(user.role))):
                problems.append({"line": record.line, "field": "username", "code": "user.username_taken"})
    villages = {row_id(areas[r.area_code]) for r in records if r.role in FIELD_ROLES and r.area_code in areas}
    teams = await _teams(session, villages)
    # The checks were one read: end it, so hashing below holds no transaction (SQLite's lock is per database).
    await session.commit()
    if problems:
        raise errors.DomainError(errors.CSV_INVALID, errors=problems)

    hashes: dict[str, str] = {}
    for record in records:  # one argon2 run per distinct password
        if record.password is not None and record.password not in hashes:
            hashes[record.password] = await hash_password(record.password)

    report = MemberImportReport()
    try:
        missing = [area for area in areas.values() if area.id in villages and area.id not in teams]
        report.teams_created = await _create_teams(session, missing, teams)
        await _write(session, records, areas, teams, existing, hashes, report)
    except IntegrityError as exc:  # a username or a village's team taken since the checks: nothing written
        raise errors.DomainError(errors.USERNAME_TAKEN) from exc
    return report


async def _areas(session: AsyncSession, codes: set[str]) -> dict[str, Area]:
    found: dict[str, Area] = {}
    for chunk in chunks(sorted(codes)):
        found.update(
            {a.code: a for a in (await session.execute(select(Area).where(col(Area.code).in_(chunk)))).scalars()}
        )
    return found


async def _existing(session: AsyncSession, usernames: list[str]) -> dict[str, Any]:
    """Known users by username: the columns an update compares, with id and username."""
    found: dict[str, Any] = {}
    columns = (USERS.c.id, USERS.c.username, *(USERS.c[name] for name in COMPARED))
    for chunk in chunks(usernames):
        found.update(
            {row.username: row for row in await session.execute(select(*columns).where(USERS.c.username.in_(chunk)))}
        )
    return found


async def _visible(session: AsyncSession, actor: Actor, ids: list[int]) -> set[int]:
    visible: set[int] = set()
    for chunk in chunks(ids):
        query = (
            select(USERS.c.id)
            .outerjoin(Area, col(Area.id) == USERS.c.area_id)
            .where(col(User.id).in_(chunk), visible_users(actor))
        )
        visible.update((await session.execute(query)).scalars())
    return visible


async def _teams(session: AsyncSession, villages: set[int]) -> dict[int, int]:
    """Village id → its team's id."""
    teams: dict[int, int] = {}
    for chunk in chunks(sorted(villages)):
        rows = await session.execute(select(TEAMS.c.area_id, TEAMS.c.id).where(TEAMS.c.area_id.in_(chunk)))
        teams.update({row.area_id: row.id for row in rows})
    return teams


async def _create_teams(session: AsyncSession, villages: list[Area], teams: dict[int, int]) -> int:
    """The teams of villages that have none; adds their ids to `teams`."""
    if not villages:
        return 0
    now = utcnow()
    values = [{"area_id": v.id, "name": default_team_name(v), "created_at": now} for v in villages]
    await session.execute(insert(TEAMS), values)
    teams.update(await _teams(session, {v.id for v in villages if v.id is not None}))
    return len(values)


async def _write(
    session: AsyncSession,
    records: list[Record],
    areas: dict[str, Area],
    teams: dict[int, int],
    existing: dict[str, Any],
    hashes: dict[str, str],
    report: MemberImportReport,
) -> None:
    now = utcnow()
    new_rows: list[dict[str, Any]] = []
    changed: list[dict[str, Any]] = []
    for record in records:
        area = areas.get(record.area_code) if record.area_code else None
        area_id = area.id if area is not None else None
        team_id = teams.get(area_id) if area_id is not None and record.role in FIELD_ROLES else None
        values = {
            "full_name": record.full_name,
            "phone": record.phone,
            "role": record.role.value,
            "team_id": team_id,
            "area_id": area_id,
            "has_smartphone": record.has_smartphone,
        }
        password_hash = hashes.get(record.password) if record.password is not None else None
        user = existing.get(record.username)
        if user is None:
            new_rows.append(values | {"username": record.username, "password_hash": password_hash, "created_at": now})
            continue
        differs = any(getattr(user, name) != values[name] for name in COMPARED)
        if differs or password_hash is not None:
            keep = {"password_hash": password_hash} if password_hash is not None else {}
            changed.append({"user_id": user.id} | {f"new_{k}": v for k, v in (values | keep).items()})
        report.updated += differs or password_hash is not None
        report.unchanged += not (differs or password_hash is not None)
    for chunk in chunks(new_rows):
        await session.execute(insert(USERS), list(chunk))
    for with_password in (False, True):
        rows = [row for row in changed if ("new_password_hash" in row) == with_password]
        names = (*COMPARED, "password_hash") if with_password else COMPARED
        statement = (
            update(USERS)
            .where(USERS.c.id == bindparam("user_id"))
            .values({name: bindparam(f"new_{name}") for name in names})
        )
        for chunk in chunks(rows):
            await session.execute(statement, list(chunk))
    report.created = len(new_rows)


def _manages(actor: Actor, role: Role) -> bool:
    try:
        require_manager_of(actor, role)
    except errors.DomainError:
        return False
    return True


def _parse(row: CsvRow) -> Record:
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
    assert full_name is not None  # _clean_full_name returned, or its problem was raised above
    return Record(
        line=row.line,
        username=username,
        full_name=full_name,
        phone=phone,
        role=role,
        area_code=None if role == Role.ADMIN else area_code,
        has_smartphone=has_smartphone,
        password=password,
    )
