"""Eight weeks of field work for the demo: visits with photos, flags, reviews, return visits and merged
duplicates, written in bulk right after each batch of households, so a demo opens with data on every page.

Deterministic: the same scale gives the same history relative to the day it is seeded (`now`), from RNGs
seeded per scale. Every scale has the same rates; only the number of households differs.

Consistent with the write paths it bypasses (tests/demo/test_history.py holds it to them):
- answers are checked and scored by the service's own evaluation (service/demo/answers.py);
- flags come from the evidence rules themselves (`gps_flags`, `photo_flags`, `reused_flag`) with the default
  thresholds, given each visit's fix, household location and photo EXIF;
- each household's assessment is its latest visit that stands (the rule of service/assessments), so a rebuild
  from the visits changes nothing;
- photos are real JPEGs with EXIF time and GPS, stored under the same content-addressed keys (demo/photos.py).
  Only about `OWN_PHOTOS` of the newest photos get objects of their own (all of them at small scale; at
  district the last ~1.6 days, at province the last ~2 hours: a million distinct photos would be gigabytes and
  an hour of fsyncs); older visits show one of a few shared pictures without EXIF, not flagged as reused.
Not simulated: travel speed between a member's visits (no `gps.impossible_travel`) and mock locations.
"""

from __future__ import annotations

import hashlib
import math
import random
import uuid
from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any

import msgspec
from sqlalchemy.ext.asyncio import AsyncSession

import forms
from forms.bundled import bundled_form_paths
from service.assessments.models import Assessment
from service.common.clock import VIETNAM, local_day_start, utcnow
from service.demo import answers as demo_answers
from service.demo import photos as demo_photos
from service.demo.bulk import bulk, is_postgresql, json_value
from service.demo.history_rows import (
    COMMENTS,
    PHOTO_QUESTION,
    Batch,
    Team,
    Village,
    assessment_rows,
    decide,
    moved,
    photo_row,
)
from service.households.models import Household
from service.registry import services as registry
from service.reviews.models import VisitReview
from service.settings import Settings
from service.tallies import cells
from service.visits import evidence_rules as rules
from service.visits.models import Visit, VisitFlag, VisitPhoto
from service.visits.receipts import AWAITING_PHOTOS, COMPLETE
from storage import ObjectStore

DAYS = 56  # eight weeks
HISTORY_TABLES = ("visits", "visit_photos", "visit_flags", "visit_reviews", "assessments")
# Shares of visits (the same at every scale).
FAR_FROM_HOUSEHOLD = 0.03  # the phone was far from the house
LOW_ACCURACY = 0.05  # a poor GPS fix
REUSED_PHOTO = 0.012  # a photo already sent for another household of the village
PHOTO_AT_ANOTHER_TIME = 0.01  # a photo taken hours before the visit
TWO_PHOTOS = 0.3
AWAITING_PHOTO = 0.02  # of the last two days' visits: the photo is still on its way
REPEAT_VISIT = 0.05  # households visited again later (a follow-up, not a correction)
MERGED_EVERY = 300  # one household in this many was added twice by a member, and merged by a supervisor since
# About this many photos get objects of their own (three files each, written with an fsync): the newest visits'.
OWN_PHOTOS = 2_500


class History:
    """`begin`, then `add(households)` after each batch of households is inserted, then `finish`."""

    form_id: str
    form_version: str
    accuracy_threshold: float | None
    profiles: list[demo_answers.Profile]
    pictures: list[demo_photos.BasePicture]
    postgresql: bool
    own_photos_since: datetime

    def __init__(self, session: AsyncSession, store: ObjectStore, scale: str, now: datetime | None) -> None:
        self.session, self.store, self.scale = session, store, scale
        self.now = (now or utcnow()).replace(microsecond=0)
        self.rng = random.Random(f"gocua-demo/{scale}/history")
        self.settings = Settings()
        self.counts: dict[str, int] = defaultdict(int)
        self.villages: dict[int, Village] = {}
        self.next_seq = 0
        self.seen = 0  # households so far
        self.shared_written: set[str] = set()  # shared pictures already bound for the store

    @classmethod
    async def begin(
        cls,
        session: AsyncSession,
        store: ObjectStore,
        scale: str,
        plan: Any,
        users: list[dict[str, Any]],
        households: int,
        now: datetime | None = None,
    ) -> History:
        self = cls(session, store, scale, now)
        definition = None
        for path in bundled_form_paths():  # published as `serve --demo` does (again: a no-op)
            parsed = registry.parse_definition(path.read_bytes())
            await registry.publish(session, parsed, None)
            definition = definition or parsed
        assert definition is not None
        self.form_id, self.form_version = definition.id, definition.version
        form = forms.compile_form(definition)
        self.accuracy_threshold = next(
            (
                q.question.accuracy_threshold_m
                for q in form.questions.values()
                if isinstance(q.question, forms.GeopointQuestion)
            ),
            None,
        )
        self.profiles = demo_answers.profiles(form, f"gocua-demo/{scale}/answers")
        self.pictures = demo_photos.base_pictures()
        self.postgresql = await is_postgresql(session)
        self.next_seq = households  # duplicates get change numbers after the seeded households
        self.own_photos_since = self.now - timedelta(days=own_photo_days(households))
        self._plan_villages(plan, users)
        return self

    def _plan_villages(self, plan: Any, users: list[dict[str, Any]]) -> None:
        rng = random.Random(f"gocua-demo/{self.scale}/coverage")
        province_supervisor = next(
            u["id"] for u in users if u["role"] == "supervisor" and u["area_id"] == plan.areas[0]["id"]
        )
        supervisors = {u["area_id"]: u["id"] for u in users if u["role"] == "supervisor"}
        maturity = {c["id"]: rng.uniform(0.25, 0.75) for c in plan.communes}
        count = len(plan.villages)
        # From barely started to nearly done, in a shuffled order.
        shares = [0.04 + 0.92 * (i / max(1, count - 1)) ** 0.85 for i in range(count)]
        rng.shuffle(shares)
        for village, share in zip(plan.villages, shares, strict=True):
            reviewers = [supervisors.get(village["parent_id"], province_supervisor), province_supervisor]
            self.villages[village["id"]] = Village(
                village["id"], village["path"], share, maturity[village["parent_id"]], reviewers
            )
        teams = {t["id"]: t for t in plan.teams}
        for user in users:
            if user["team_id"] is None:
                continue
            village = self.villages[teams[user["team_id"]]["area_id"]]
            if village.team is None:
                village.team = Team(user["team_id"], 0, [])
            if user["role"] == "leader":
                village.team.leader = user["id"]
            village.team.members.append((user["id"], user["has_smartphone"]))

    # ---- times ---------------------------------------------------------------------------------------------

    def _visit_time(self, rng: random.Random) -> datetime:
        """A working hour of one of the last 56 days; more visits lately (the campaign picks up), fewer on
        Sundays; never in the future."""
        today = (self.now.astimezone(VIETNAM)).date()
        while True:
            days_ago = int(DAYS * (1 - math.sqrt(rng.random())))  # density rising towards today
            day = today - timedelta(days=days_ago)
            if day.weekday() == 6 and rng.random() < 0.7:
                continue
            moment = local_day_start(day) + timedelta(hours=7.5 + rng.random() * 10)
            if moment < self.now - timedelta(minutes=20):
                return moment.replace(microsecond=0)

    def _later(self, start: datetime, rng: random.Random, low_h: float, high_h: float) -> datetime | None:
        moment = start + timedelta(hours=rng.uniform(low_h, high_h))
        return moment.replace(microsecond=0) if moment < self.now - timedelta(minutes=5) else None

    def _later_visit(self, start: datetime, rng: random.Random, low_h: float, high_h: float) -> datetime | None:
        """`_later`, moved into the working hours of its day (or the next morning): teams knock by day."""
        moment = self._later(start, rng, low_h, high_h)
        if moment is None:
            return None
        local = moment.astimezone(VIETNAM)
        day = local.date() if local.hour < 17 else local.date() + timedelta(days=1)
        opening = local_day_start(day) + timedelta(hours=7.5)
        if moment < opening or local.hour >= 17:
            moment = (opening + timedelta(minutes=rng.uniform(0, 120))).replace(microsecond=0)
        return moment if moment < self.now - timedelta(minutes=20) else None

    # ---- one batch -----------------------------------------------------------------------------------------

    async def add(self, households: list[dict[str, Any]]) -> None:
        batch = Batch(household_flags={h["id"]: (h["elderly_only"], h["temporary_resident"]) for h in households})
        rng = self.rng
        for household in households:
            village = self.villages[household["area_id"]]
            if village.team is None:
                continue
            self.seen += 1
            if self.seen % MERGED_EVERY == MERGED_EVERY // 2:
                self._duplicate(batch, household, village, rng)
            if rng.random() >= village.coverage:
                continue
            profile = demo_answers.pick(self.profiles, rng, village.maturity)
            first = self._visit(batch, household, village, profile, self._visit_time(rng), rng)
            follow = self._review(batch, first, village, rng)
            if follow is not None:  # a correction after "has issues" or "rejected"
                better = demo_answers.pick(self.profiles, rng, village.maturity, at_least=profile.level)
                again = self._visit(batch, household, village, better, follow, rng, corrects=first["id"], clean=True)
                self._review(batch, again, village, rng)
            elif rng.random() < REPEAT_VISIT:
                later = self._later_visit(first["finished_at"], rng, 24 * 7, 24 * 30)
                if later is not None:
                    again = self._visit(batch, household, village, profile, later, rng, clean=True)
                    self._review(batch, again, village, rng)
        await self._write(batch)

    def _duplicate(self, batch: Batch, household: dict[str, Any], village: Village, rng: random.Random) -> None:
        created = self._visit_time(rng)
        merged = self._later(created, rng, 2, 24 * 5) or created
        self.next_seq += 1
        assert village.team is not None
        lat, lon = moved(household["lat"], household["lon"], rng, 25)
        batch.duplicates.append(
            dict(
                household,
                id=uuid.UUID(int=rng.getrandbits(128), version=4),
                official_code=None,
                lat=lat,
                lon=lon,
                status="merged",
                merged_into_id=household["id"],
                created_by=rng.choice(village.team.members)[0],
                created_at=created,
                updated_at=merged,
                change_seq=self.next_seq,
            )
        )

    def _visit(
        self,
        batch: Batch,
        household: dict[str, Any],
        village: Village,
        profile: demo_answers.Profile,
        finished: datetime,
        rng: random.Random,
        *,
        corrects: uuid.UUID | None = None,
        clean: bool = False,
    ) -> dict[str, Any]:
        team = village.team
        assert team is not None
        member, smartphone = rng.choice(team.members)
        submitted_by, on_behalf_of = (member, None) if smartphone else (team.leader, member)
        started = finished - timedelta(minutes=rng.randint(6, 20))
        delay = rng.random()
        received = finished + (
            timedelta(minutes=rng.uniform(0.2, 8))
            if delay < 0.7
            else timedelta(hours=rng.uniform(1, 8 if delay < 0.95 else 60))
        )
        received = min(received, self.now - timedelta(minutes=1)).replace(microsecond=0)
        home = (household["lat"], household["lon"])
        far = not clean and rng.random() < FAR_FROM_HOUSEHOLD
        poor = not clean and rng.random() < LOW_ACCURACY
        lat, lon = moved(*home, rng, rng.uniform(450, 2500) if far else rng.uniform(4, 25))
        accuracy = round(rng.uniform(60, 250) if poor else rng.uniform(4, 20), 1)
        fix = rules.Fix(lat, lon, accuracy)
        visit_id = uuid.UUID(int=rng.getrandbits(128), version=4)
        flags = rules.gps_flags(
            fix,
            accuracy_threshold_m=self.accuracy_threshold,
            household_location=home,
            far_from_household_m=self.settings.far_from_household_m,
            previous=None,
            finished_at=finished,
            impossible_travel_kmh=self.settings.impossible_travel_kmh,
            min_travel_time=timedelta(seconds=self.settings.min_travel_time_s),
        )
        awaiting = finished > self.now - timedelta(days=2) and rng.random() < AWAITING_PHOTO
        photo_count = 0 if awaiting else (2 if rng.random() < TWO_PHOTOS else 1)
        for index in range(photo_count):
            slot = f"{PHOTO_QUESTION}[{index}]"
            reuse = index == 0 and not clean and village.last_photo is not None and rng.random() < REUSED_PHOTO
            if reuse:
                assert village.last_photo is not None
                photo = dict(village.last_photo, visit_id=visit_id, idx=index, created_at=received)
                reused = rules.reused_flag(slot, 1)
                flags += [reused] if reused is not None else []
            else:
                off_time = not clean and rng.random() < PHOTO_AT_ANOTHER_TIME
                taken = (
                    started - timedelta(hours=rng.uniform(2, 6))
                    if off_time
                    else finished - timedelta(minutes=rng.uniform(0, 5))
                )
                photo = photo_row(
                    batch,
                    self.pictures,
                    self.own_photos_since,
                    self.shared_written,
                    visit_id,
                    index,
                    received,
                    taken,
                    moved(lat, lon, rng, 8),
                    rng,
                )
                if index == 0 and photo["exif_time"] is not None:
                    village.last_photo = photo
            batch.photos.append(photo)
            exif_gps = (photo["exif_lat"], photo["exif_lon"]) if photo["exif_lat"] is not None else None
            flags += rules.photo_flags(
                slot,
                exif_time=photo["exif_time"],
                exif_gps=exif_gps,
                fix=fix,
                started_at=started,
                finished_at=finished,
                far_m=self.settings.far_from_household_m,
                time_slack=timedelta(minutes=self.settings.photo_time_slack_min),
            )
        answers = dict(profile.answers, location={"lat": lat, "lon": lon, "accuracy_m": accuracy})
        body = msgspec.json.encode({"id": str(visit_id), "household_id": str(household["id"]), "answers": answers})
        row = {
            "id": visit_id,
            "form_id": self.form_id,
            "form_version": self.form_version,
            "household_id": household["id"],
            "submitted_by": submitted_by,
            "on_behalf_of": on_behalf_of,
            "team_id": team.team_id,
            "area_id": village.id,
            "area_path": village.path,
            "started_at": started,
            "finished_at": finished,
            "received_at": received,
            "lat": lat,
            "lon": lon,
            "accuracy_m": accuracy,
            "location_captured_at": finished - timedelta(minutes=1),
            "is_mock": False,
            "answers": json_value(answers, self.postgresql),
            "app_name": "Gõ Cửa",
            "app_version": "1.4.0",
            "payload_hash": hashlib.sha256(body).hexdigest(),
            "status": AWAITING_PHOTOS if awaiting else COMPLETE,
            "skill_level": profile.level,
            "review_status": "pending",
            "reviewed_by": None,
            "reviewed_at": None,
            "review_note": None,
            "corrects": corrects,
        }
        batch.visits.append(row)
        batch.flags += [
            {"visit_id": visit_id, "code": f.code, "value": f.value, "unit": f.unit, "detail": f.detail} for f in flags
        ]
        batch.by_household[household["id"]].append((row, profile))
        row["_flagged"] = bool(flags)
        return row

    def _review(self, batch: Batch, visit: dict[str, Any], village: Village, rng: random.Random) -> datetime | None:
        """Decides on the visit as its supervisors would; the time of a return visit it calls for, if any."""
        age_days = (self.now - visit["received_at"]).total_seconds() / 86400
        chance = 0.9 if age_days > 7 else 0.55 if age_days > 2 else 0.1
        flagged = visit.pop("_flagged", False)
        if flagged:  # a flagged visit takes longer to decide on
            chance *= 0.75
        if visit["status"] != COMPLETE or rng.random() >= chance:
            return None
        at = self._later(visit["received_at"], rng, 2, min(72.0, max(2.5, age_days * 24)))
        if at is None:
            return None
        if flagged:
            decision = rng.choices(["approved", "has_issues", "rejected"], [0.35, 0.35, 0.3])[0]
        else:
            decision = rng.choices(["approved", "has_issues", "rejected"], [0.86, 0.09, 0.05])[0]
        comment = rng.choice(COMMENTS[decision]) if decision != "approved" or rng.random() < 0.25 else None
        reviewer = village.reviewers[0] if rng.random() < 0.9 else village.reviewers[1]
        decide(batch, visit, reviewer, at, decision, comment)
        if decision == "has_issues" and rng.random() < 0.2:
            later = self._later(at, rng, 4, 72)
            if later is not None:  # settled by a phone call
                decide(batch, visit, reviewer, later, "approved", rng.choice(COMMENTS["after_call"]))
                return None
        wants_return = (decision == "rejected" and rng.random() < 0.75) or (
            decision == "has_issues" and rng.random() < 0.4
        )
        return self._later_visit(at, rng, 20, 24 * 6) if wants_return else None

    # ---- writing -------------------------------------------------------------------------------------------

    async def _write(self, batch: Batch) -> None:
        self.counts["photo_objects"] += await demo_photos.write_objects(self.store, batch.objects)
        for visit in batch.visits:
            visit.pop("_flagged", None)
        await bulk(self.session, Household, batch.duplicates)
        await bulk(self.session, Visit, batch.visits)
        await bulk(self.session, VisitPhoto, batch.photos)
        await bulk(self.session, VisitFlag, batch.flags)
        await bulk(self.session, VisitReview, batch.reviews)
        await bulk(self.session, Assessment, assessment_rows(batch, self.now, self.postgresql))
        for name, rows in (
            ("visits", batch.visits),
            ("photos", batch.photos),
            ("flags", batch.flags),
            ("reviews", batch.reviews),
            ("merged_households", batch.duplicates),
        ):
            self.counts[name] += len(rows)
        self.counts["return_visits"] += sum(1 for v in batch.visits if v["corrects"] is not None)

    async def finish(self) -> dict[str, int]:
        """Brings the tally cells up to date (the first tally would otherwise count every village)."""
        from service.households import changes

        await changes.set_at_least(self.session, self.next_seq)
        await cells.refresh_in_transaction(await self.session.connection())
        return dict(self.counts)


def own_photo_days(households: int) -> float:
    """How many recent days of visits get photos of their own: about `OWN_PHOTOS` photos (visits reach about
    55 % of households, 1.3 photos each, and the newest day holds 2/DAYS of them); every day at small scale."""
    newest_day_photos = households * 0.55 * 1.3 * 2 / DAYS
    return min(float(DAYS), OWN_PHOTOS / newest_day_photos)
