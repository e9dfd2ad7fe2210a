"""The leaders' digests at service level, on SQLite and PostgreSQL: a seeded day checked
figure by figure, the weekly figures, the schedule's keys and the claim that sends once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.services import delivery, digests, teams
from bot.services.config import DispatchConfig
from bot.services.digests import DigestConfig, DueDigest
from bot.services.notices import Result
from bot.services.notices.teams import (
    DailyDigest,
    DayFigures,
    HandledLine,
    MemberMinutes,
    Readiness,
    RegionLine,
    WeeklyDigest,
)
from domain.enums import DigestKind, DigestStatus, VolunteerStatus
from domain.incidents import IncidentType
from domain.matching.geo import city_by_name
from storage import digests as dstore
from storage import outbox, requests
from storage import teams as tstore
from storage.db import Database
from storage.models import HelpRequest, HourCredit
from tests.factories import RIYADH, offset, person, volunteer
from tests.outcomes import payload

HERE = (RIYADH.lat, RIYADH.lon)
JEDDAH = city_by_name("Jeddah")
T = datetime(2026, 6, 4, 17, 0, tzinfo=UTC)  # Thursday 4 June, 20:00 in Riyadh
CFG = DispatchConfig(operator_ids=frozenset({900}))
DCFG = DigestConfig()
H = timedelta(hours=1)
M = timedelta(minutes=1)


async def seed_team(db: Database, *, leader: int = 800) -> int:
    await person(db, 900, name="Ops")
    await person(db, leader, name="Huda")
    async with db.session() as s:
        out = await teams.create_team(
            s,
            CFG,
            now=T - 10 * 24 * H,
            operator_id=900,
            name="Falcons",
            city="Riyadh",
            lat=HERE[0],
            lon=HERE[1],
            radius_km=25,
            leader_ids=(leader,),
        )
    assert out.team_id is not None
    return out.team_id


async def member(db: Database, team_id: int, pid: int, **fields: object) -> None:
    at = fields.pop("position_at", T)
    await volunteer(db, pid, offset(*HERE, 1), at, **fields)  # type: ignore[arg-type]
    async with db.session() as s:
        await tstore.set_membership(s, person_id=pid, team_id=team_id, at=T - 5 * 24 * H)


async def add(db: Database, incident: str, created: datetime, status: str, **fields: object) -> int:
    where = fields.pop("at", offset(*HERE, 2, 3))
    async with db.session() as s:
        r = await requests.add_request(
            s,
            HelpRequest(
                requester_id=1,
                incident=incident,
                lat=where[0],  # type: ignore[index]
                lon=where[1],  # type: ignore[index]
                status=status,
                created_at=created,
                **fields,  # type: ignore[arg-type]
            ),
        )
    assert r.id is not None
    return r.id


async def credit(db: Database, vid: int, rid: int, minutes: int, decided: datetime) -> None:
    async with db.session() as s:
        await requests.add_credit(
            s,
            HourCredit(
                volunteer_id=vid,
                request_id=rid,
                minutes=minutes,
                status="confirmed",
                created_at=decided,
                decided_at=decided,
            ),
        )


async def seeded_day(db: Database) -> tuple[int, dict[str, int]]:
    team = await seed_team(db)
    await person(db, 1, name="Citizen")
    await member(db, team, 11, skills=(IncidentType.FIRE,))  # ready
    await member(db, team, 12, position_at=T - 3 * H)  # on duty, position stale
    await member(db, team, 13, status=VolunteerStatus.PENDING, on_duty=False, submitted_at=T)
    await member(db, team, 14, on_duty=False)
    ids = {
        "r1": await add(db, "fire", T - 5 * H, "confirmed", volunteer_id=11,
                        assigned_at=T - 5 * H + 2 * M, arrived_at=T - 5 * H + 14 * M),
        "r2": await add(db, "flood", T - 2 * H, "assigned", volunteer_id=12,
                        assigned_at=T - 2 * H + timedelta(seconds=30)),
        "r3": await add(db, "lost_desert", T - 4 * H, "unanswered"),
        "r4": await add(db, "fire", T - 3 * H, "escalated"),
        "r5": await add(db, "first_aid", T - 1 * H, "dispatching"),
        "r6": await add(db, "fire", T - 3 * H, "unanswered", at=(JEDDAH.lat, JEDDAH.lon)),  # type: ignore[union-attr]
        "r7": await add(db, "fire", T - 48 * H, "confirmed", volunteer_id=11,
                        assigned_at=T - 48 * H + M, arrived_at=T - 47 * H),
        "r8": await add(db, "first_aid", T - timedelta(seconds=10), "dispatching"),
    }  # fmt: skip
    await credit(db, 11, ids["r1"], 45, T - 3 * H)
    await credit(db, 11, ids["r7"], 30, T - 30 * H)  # confirmed before the window
    return team, ids


async def test_daily_digest_of_a_seeded_day_figure_by_figure(db: Database) -> None:
    team_id, r = await seeded_day(db)
    async with db.session() as s:
        team = await tstore.get_team(s, team_id)
        assert team is not None
        got = await digests.daily(s, CFG, team, until=T, now=T)
    assert got == DailyDigest(
        team="Falcons",
        until=T,
        members=4,
        on_duty=1,
        handled=(
            HandledLine(r["r1"], "fire", "P11", 120, 720, "confirmed"),
            HandledLine(r["r2"], "flood", "P12", 30, None, "assigned"),
        ),
        credited=(MemberMinutes("P11", 45),),
        region=(
            RegionLine(r["r2"], "flood", "stalled_arrival", T - 2 * H + timedelta(seconds=30)),
            RegionLine(r["r3"], "lost_desert", "unanswered", T - 4 * H),
            RegionLine(r["r4"], "fire", "escalated", T - 3 * H),
            RegionLine(r["r5"], "first_aid", "stalled_dispatch", T - 1 * H),
        ),
        open_in_region=1,  # r8: dispatching for ten seconds, on track
        pending=("P13",),
        stale=("P12",),
        readiness=(
            Readiness("fire", 1, 3),  # r1, r4, r7; Jeddah's r6 is another region
            Readiness("lost_desert", 0, 1),
            Readiness("flood", 0, 1),
            Readiness("first_aid", 0, 2),
        ),
    )
    assert not got.quiet


async def test_a_team_with_no_members_has_a_quiet_day(db: Database) -> None:
    team_id = await seed_team(db)
    async with db.session() as s:
        team = await tstore.get_team(s, team_id)
        got = await digests.daily(s, CFG, team, until=T, now=T)  # type: ignore[arg-type]
    assert got.quiet and got.members == 0 and got.readiness == ()


async def test_weekly_figures_per_local_day(db: Database) -> None:
    team_id, _ = await seeded_day(db)
    async with db.session() as s:
        team = await tstore.get_team(s, team_id)
        got = await digests.weekly(s, DCFG, team, until=T)  # type: ignore[arg-type]
    # Riyadh days 29 May .. 4 June; r7 was accepted on 2 June (local), r1 and r2 on 4 June.
    assert got == WeeklyDigest(
        team="Falcons",
        until=T,
        members=4,
        days=(
            DayFigures("2026-05-29", 0, 0),
            DayFigures("2026-05-30", 0, 0),
            DayFigures("2026-05-31", 0, 0),
            DayFigures("2026-06-01", 0, 0),
            DayFigures("2026-06-02", 0, 1),
            DayFigures("2026-06-03", 30, 0),
            DayFigures("2026-06-04", 45, 2),
        ),
        unanswered=1,  # r3 (r6 is Jeddah's)
        escalated=1,
    )
    assert (got.minutes, got.requests) == (75, 3)


@pytest.mark.parametrize(
    ("now", "daily", "weekly"),
    [
        (T - M, T - 24 * H, T - 7 * 24 * H),  # 19:59 Thursday: yesterday's and last week's
        (T, T, T),  # 20:00 Thursday: today's, this week's
        (T + 30 * H, T + 24 * H, T),
    ],
)
def test_the_period_due_is_the_last_digest_time_passed(
    now: datetime, daily: datetime, weekly: datetime
) -> None:
    assert digests.period_end(DigestKind.DAILY, now, DCFG) == daily
    assert digests.period_end(DigestKind.WEEKLY, now, DCFG) == weekly


async def test_a_due_digest_is_claimed_once_with_its_outbox_row(db: Database) -> None:
    team_id = await seed_team(db)
    async with db.session() as s:
        due = await digests.due(s, DCFG, now=T)
    assert sorted(d.key for d in due) == [
        f"daily:{team_id}:800:2026-06-04",
        f"weekly:{team_id}:800:2026-06-04",
    ]
    daily = next(d for d in due if d.kind is DigestKind.DAILY)
    async with db.session() as s:  # the unit of work: the claim and the outbox row together
        out = await digests.queue(s, CFG, now=T, dcfg=DCFG, due=daily)
        await delivery.enqueue(s, out.notices, now=T)
    assert out.result is Result.OK and [n.to.chat_id for n in out.notices] == [800]
    async with db.session() as s:
        again = await digests.queue(s, CFG, now=T, dcfg=DCFG, due=daily)  # a second worker
        assert (again.result, again.notices) == (Result.ALREADY, [])
        assert [d.kind for d in await digests.due(s, DCFG, now=T)] == [DigestKind.WEEKLY]
        (row,) = await outbox.claim(s, now=T, lease_s=60)
    said = delivery.notice_of(row)  # what the sender reads back
    assert payload(said, DailyDigest) == payload(out.notices[0], DailyDigest)
    assert payload(said, DailyDigest).key == daily.key
    async with db.session() as s:
        rec = (await dstore.records(s, [daily.key]))[daily.key]
        assert (rec.status, rec.sent_at) == ("queued", None)
        # The sender's hook, in the transaction that marks the row sent.
        await digests.said(s, said, status=DigestStatus.SENT, messages=2, chars=5000, now=T + M)
    async with db.session() as s:
        rec = (await dstore.records(s, [daily.key]))[daily.key]
    assert (rec.status, rec.sent_at, rec.messages, rec.chars) == ("sent", T + M, 2, 5000)


async def test_a_digest_on_demand_has_no_record(db: Database) -> None:
    team_id = await seed_team(db)
    async with db.session() as s:
        out = await digests.on_demand(
            s, CFG, now=T, dcfg=DCFG, actor_id=800, team_id=team_id, kind=DigestKind.WEEKLY
        )
        assert payload(out.notices[0], WeeklyDigest).key == ""
        await digests.said(s, out.notices[0], status=DigestStatus.SENT, messages=1, chars=9, now=T)
        assert await dstore.sent_count(s) == 0
        refused = await digests.on_demand(
            s, CFG, now=T, dcfg=DCFG, actor_id=801, team_id=team_id, kind=DigestKind.DAILY
        )
    assert (refused.result, refused.notices) == (Result.NOT_YOURS, [])


async def test_a_leader_named_after_the_digest_time_waits_for_the_next(db: Database) -> None:
    team_id = await seed_team(db)
    await person(db, 801, name="Omar")
    async with db.session() as s:
        await tstore.add_leader(s, team_id=team_id, person_id=801, named_by=900, at=T + M)
        keys = [d.key for d in await digests.due(s, DCFG, now=T + 2 * M)]
    assert all(":800:" in k for k in keys) and len(keys) == 2


async def test_build_skips_a_leader_removed_meanwhile(db: Database) -> None:
    team_id = await seed_team(db)
    d = DueDigest("daily:x", DigestKind.DAILY, team_id, 800, T)
    async with db.session() as s:
        assert await digests.build(s, CFG, DCFG, d, now=T) is not None
        await tstore.remove_leader(s, team_id=team_id, person_id=800)
    async with db.session() as s:
        assert await digests.build(s, CFG, DCFG, d, now=T) is None
