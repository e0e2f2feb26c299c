"""The roll-up identity on a generated district (the `small` demo seed plus random visits and reviews): at
every level, a parent's counts, numerators and denominators are the sums of its children's own tallies."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import msgspec
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from forms.bundled import bundled_form_paths
from service.areas.models import Area
from service.assessments.services import apply_visits
from service.auth.actor import Actor, Role
from service.demo.seed import seed
from service.households.models import Household
from service.people.models import User
from service.registry import services as registry
from service.tallies import services as tallies
from service.visits.models import Visit
from tests.support.scenario import LEVEL_0, LEVEL_1, LEVEL_3
from tests.visits.support import answers

ADMIN = Actor(
    user_id=0, username="t", full_name="t", role=Role.ADMIN, team_id=None, area_id=None, area_path=None, via="session"
)


def _sums(entry: dict[str, Any]) -> dict[str, Any]:
    """Everything additive in an area's tally, flattened."""
    flat: dict[str, Any] = {
        "total": entry["households"]["total"],
        "visited": entry["households"]["visited"],
        "assessed": entry["assessed"],
        "teams": entry["teams"],
        "members": entry["members"],
        "active": entry["active_members"],
        **{f"visits.{k}": v for k, v in entry["visits"].items()},
        **{f"flag.{k}": v for k, v in entry["open_flags"].items()},
    }
    flat.update({f"level.{item['value']}": item["households"] for item in entry["levels"]})
    for item in entry["indicators"]:
        flat[f"{item['name']}.num"], flat[f"{item['name']}.den"] = item["numerator"], item["denominator"]
    for group in ("elderly_only", "temporary_resident"):
        flat[f"{group}.total"] = entry["hard_to_reach"][group]["total"]
        flat[f"{group}.visited"] = entry["hard_to_reach"][group]["visited"]
    flat["no_smartphone"] = entry["hard_to_reach"]["no_smartphone_households"]
    return flat


def _add(into: dict[str, Any], other: dict[str, Any]) -> None:
    for key, value in other.items():
        into[key] = into.get(key, 0) + value


async def _tally(db: AsyncSession, code: str) -> dict[str, Any]:
    body = msgspec.to_builtins(await tallies.get_tally(db, ADMIN, code))
    await db.commit()
    return body


async def test_every_parent_is_the_sum_of_its_children(db: AsyncSession) -> None:
    await seed(db, "small")
    published = await registry.publish(db, registry.parse_definition(bundled_form_paths()[0].read_bytes()), None)
    await db.commit()
    rng = random.Random(38)
    members = (await db.execute(select(User).where(User.role.in_(("member", "leader"))))).scalars().all()
    by_area = {m.area_id: m for m in members}
    homes = (await db.execute(select(Household))).scalars().all()
    paths = {a.id: a.path for a in (await db.execute(select(Area))).scalars().all()}
    rows = []
    for home in homes:
        member = by_area.get(home.area_id)
        if member is None or rng.random() < 0.3:
            continue
        for _ in range(rng.randrange(1, 3)):
            finished = datetime(2026, 10, 1, tzinfo=UTC) + timedelta(minutes=rng.randrange(80_000))
            rows.append(
                {
                    "id": uuid.uuid4(),
                    "form_id": published.form_id,
                    "form_version": published.version,
                    "household_id": home.id,
                    "submitted_by": member.id,
                    "on_behalf_of": None,
                    "team_id": member.team_id,
                    "area_id": home.area_id,
                    "area_path": paths[home.area_id],
                    "started_at": None,
                    "finished_at": finished,
                    "received_at": finished,
                    "lat": None,
                    "lon": None,
                    "accuracy_m": None,
                    "location_captured_at": None,
                    "is_mock": False,
                    "answers": answers(**rng.choice([{}, LEVEL_0, LEVEL_1, LEVEL_3])),
                    "app_name": None,
                    "app_version": None,
                    "payload_hash": uuid.uuid4().hex * 2,
                    "status": "complete",
                    "skill_level": None,
                    "review_status": rng.choice(["pending", "approved", "approved", "rejected"]),
                    "reviewed_by": None,
                    "reviewed_at": None,
                    "review_note": None,
                }
            )
    connection = await db.connection()
    for start in range(0, len(rows), 50):
        await connection.execute(Visit.__table__.insert(), rows[start : start + 50])
        await apply_visits(connection, rows[start : start + 50])
    await db.commit()
    root = (await db.execute(select(Area).where(Area.parent_id.is_(None)))).scalars().one()
    checked = 0
    pending = [root.code]
    while pending:
        code = pending.pop()
        body = await _tally(db, code)
        if not body["children"]:
            continue
        summed: dict[str, Any] = {}
        for child in body["children"]:
            own = await _tally(db, child["code"])
            assert _sums(own["area"]) == _sums(child), child["code"]  # the same figures asked either way
            _add(summed, _sums(child))
            pending.append(child["code"])
        assert {k: v for k, v in summed.items() if v} == {k: v for k, v in _sums(body["area"]).items() if v}, code
        for item in body["area"]["indicators"]:  # a rate is sum of numerators over sum of denominators
            assert item["rate"] == (item["numerator"] / item["denominator"] if item["denominator"] else None)
        checked += 1
    assert checked >= 4  # the province and its communes
    assert _sums((await _tally(db, root.code))["area"])["visited"] > 100
