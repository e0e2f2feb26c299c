"""The activity log rolled up for the report: per child area, per partner, per platform, per service.

Like the tallies, SQL groups per area id and Python adds each row into the child it belongs to (closed areas left
out), so a parent's figures are the sums of its children's by construction.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date

import msgspec
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from service.activities.services import ACTIVITIES
from service.auth.scope import path_prefix_filter
from service.tallies.tree import Node, Subtree

NO_PARTNER = "—"  # a training logged without a partner organisation, or an onboarding without a platform


class AreaActivities(msgspec.Struct, kw_only=True):
    code: str
    name: str
    trainings: int = 0
    training_attendees: int = 0
    conferences: int = 0
    guidance_sessions: int = 0
    zalo_groups: int = 0
    broadcasts: int = 0
    posts: int = 0
    wifi_points: int = 0
    ecommerce_households: int = 0
    ecommerce_businesses: int = 0
    one_stop_sessions: int = 0
    people_helped: int = 0

    def add(self, other: AreaActivities) -> None:
        for field in self.__struct_fields__[2:]:
            setattr(self, field, getattr(self, field) + getattr(other, field))


class PartnerCount(msgspec.Struct, kw_only=True):
    partner: str
    trainings: int
    attendees: int


class PlatformCount(msgspec.Struct, kw_only=True):
    platform: str
    households: int
    businesses: int


class ServiceCount(msgspec.Struct, kw_only=True):
    service: str
    people: int


class ActivitySummary(msgspec.Struct, kw_only=True):
    area: AreaActivities
    children: list[AreaActivities]
    by_partner: list[PartnerCount]
    by_platform: list[PlatformCount]
    by_service: list[ServiceCount]


def _bucket(node: Node) -> AreaActivities:
    return AreaActivities(code=node.code, name=node.name)


async def summarize(session: AsyncSession, tree: Subtree, start: date | None, end: date | None) -> ActivitySummary:
    a = ACTIVITIES.c
    where = [path_prefix_filter(a.area_path, tree.root.path)]
    if start is not None:
        where.append(a.held_on >= start)
    if end is not None:
        where.append(a.held_on <= end)
    buckets = {tree.root.id: _bucket(tree.root), **{child.id: _bucket(child) for child in tree.children}}
    partners: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    platforms: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    grouped = await session.execute(
        select(
            a.area_id,
            a.kind,
            a.channel,
            a.partner,
            a.beneficiary_kind,
            a.platform,
            func.count(),
            func.coalesce(func.sum(a.attendees), 0),
            func.coalesce(func.sum(a.quantity), 0),
            func.coalesce(func.sum(a.people_helped), 0),
        )
        .where(*where)
        .group_by(a.area_id, a.kind, a.channel, a.partner, a.beneficiary_kind, a.platform)
    )
    for area_id, kind, channel, partner, beneficiary_kind, platform, n, attendees, quantity, helped in grouped:
        bucket_id = tree.bucket_of.get(area_id)
        if bucket_id is None:  # a closed area
            continue
        b = buckets[bucket_id]
        if kind == "training":
            b.trainings += n
            b.training_attendees += attendees
            partners[partner or NO_PARTNER][0] += n
            partners[partner or NO_PARTNER][1] += attendees
        elif kind == "conference":
            b.conferences += n
        elif kind == "guidance":
            b.guidance_sessions += n
        elif kind == "communication":
            if channel == "zalo_group":
                b.zalo_groups += n
            elif channel == "loudspeaker":
                b.broadcasts += quantity
            else:
                b.posts += quantity
        elif kind == "wifi_point":
            b.wifi_points += n
        elif kind == "ecommerce":
            business = beneficiary_kind == "business"
            if business:
                b.ecommerce_businesses += n
            else:
                b.ecommerce_households += n
            platforms[platform or NO_PARTNER][1 if business else 0] += n
        elif kind == "one_stop_help":
            b.one_stop_sessions += n
            b.people_helped += helped
    services: dict[str, int] = defaultdict(int)
    # One row per help session (a commune's one-stop office logs a few a week): bounded by the period's sessions.
    helped_rows = await session.execute(select(a.area_id, a.services).where(*where, a.kind == "one_stop_help"))
    for area_id, by_service in helped_rows:
        if area_id in tree.bucket_of and by_service:
            for code, n in by_service.items():
                services[code] += int(n)
    total = _bucket(tree.root)
    for bucket in buckets.values():
        total.add(bucket)
    return ActivitySummary(
        area=total,
        children=[buckets[child.id] for child in tree.children],
        by_partner=[
            PartnerCount(partner=name, trainings=n, attendees=people)
            for name, (n, people) in sorted(partners.items(), key=lambda item: (-item[1][0], item[0]))
        ],
        by_platform=[
            PlatformCount(platform=name, households=h, businesses=b)
            for name, (h, b) in sorted(platforms.items(), key=lambda item: (-sum(item[1]), item[0]))
        ],
        by_service=[
            ServiceCount(service=code, people=n)
            for code, n in sorted(services.items(), key=lambda item: (-item[1], item[0]))
        ],
    )
