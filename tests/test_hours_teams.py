"""Hours meet teams, on SQLite and PostgreSQL: a leader exports their own team and no other,
the certificate names the volunteer's team, and disputes and low ratings go to the team's
leaders (the operators only for a volunteer without a team)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from bot.services import certificates, feedback, hours
from bot.services.config import DispatchConfig
from bot.services.notices import Result
from domain.enums import CreditStatus
from domain.periods import Period
from storage import teams as team_store
from storage.db import Database
from storage.team_models import Team
from tests.factories import person, volunteer
from tests.hours_data import job

OPS = 500
CFG = DispatchConfig(operator_ids=frozenset({OPS}))
NOW = datetime(2026, 7, 15, 9, 0, tzinfo=UTC)
JUNE = datetime(2026, 6, 10, 9, 0, tzinfo=UTC)
JUNE_PERIOD = Period(date(2026, 6, 1), date(2026, 6, 30))
LEADER_A, LEADER_B = 800, 801


async def team(db: Database, name: str, leader: int, members: tuple[int, ...]) -> int:
    """A team led by ``leader`` with ``members`` (volunteers already written)."""
    await person(db, leader)
    async with db.session() as s:
        made = await team_store.add_team(
            s,
            Team(
                name=name,
                lat=24.7,
                lon=46.7,
                radius_km=25,
                invite_code=f"code-{leader}",
                created_by=OPS,
            ),
        )
        assert made.id is not None
        await team_store.add_leader(s, team_id=made.id, person_id=leader, named_by=OPS, at=JUNE)
        for pid in members:
            await team_store.set_membership(s, person_id=pid, team_id=made.id, at=JUNE)
        return made.id


async def crews(db: Database) -> None:
    """Volunteers 10 and 11 in «الصقور» (led by A), 12 in Najd (led by B), 13 in no team; a
    credited June job each."""
    for pid in (10, 11, 12, 13):
        await volunteer(db, pid, (24.7, 46.7), JUNE)
        await job(db, pid, incident="fire", minutes=30 + pid, at=JUNE, requester_id=900 + pid)
    await team(db, "الصقور", LEADER_A, (10, 11))
    await team(db, "Najd", LEADER_B, (12,))


async def test_a_leader_exports_their_own_team_and_no_other(db: Database) -> None:
    await crews(db)
    async with db.session() as s:
        mine = await hours.export(s, CFG, person_id=LEADER_A, period=JUNE_PERIOD)
        theirs = await hours.export(s, CFG, person_id=LEADER_B, period=JUNE_PERIOD)
        everyone = await hours.export(s, CFG, person_id=OPS, period=JUNE_PERIOD)
        member = await hours.export(s, CFG, person_id=10, period=JUNE_PERIOD)
    assert member == Result.NOT_OPERATOR  # a member who leads nothing exports nothing
    assert not isinstance(mine, Result) and not isinstance(theirs, Result)
    assert not isinstance(everyone, Result)
    assert mine.team == "الصقور" and theirs.team == "Najd" and everyone.team is None
    assert sorted((r.volunteer_id, t) for r, t in mine.rows) == [(10, "الصقور"), (11, "الصقور")]
    assert [(r.volunteer_id, t) for r, t in theirs.rows] == [(12, "Najd")]
    assert sorted((r.volunteer_id, t) for r, t in everyone.rows) == [
        (10, "الصقور"),
        (11, "الصقور"),
        (12, "Najd"),
        (13, ""),
    ]


async def test_the_certificate_names_the_team(db: Database) -> None:
    await crews(db)
    async with db.session() as s:
        falcon = await certificates.issue(
            s, person_id=10, period=JUNE_PERIOD, language="ar", now=NOW
        )
        loner = await certificates.issue(
            s, person_id=13, period=JUNE_PERIOD, language="en", now=NOW
        )
    assert falcon is not None and falcon.team == "الصقور"
    assert loner is not None and loner.team is None


async def test_low_ratings_and_disputes_go_to_the_teams_leaders(db: Database) -> None:
    await crews(db)
    await person(db, OPS)
    async with db.session() as s:
        reviewers = {pid: await hours.reviewers(s, CFG, pid) for pid in (10, 11, 12, 13)}
    assert reviewers == {10: [LEADER_A], 11: [LEADER_A], 12: [LEADER_B], 13: [OPS]}
    async with db.session() as s:
        # Request ids follow the order crews() wrote the jobs: 10 → 1, 12 → 3, 13 → 4.
        in_team = await feedback.rate(s, CFG, request_id=3, citizen_id=912, rating=1, now=NOW)
        no_team = await feedback.rate(s, CFG, request_id=4, citizen_id=913, rating=2, now=NOW)
    assert [n.to.person_id for n in in_team.notices] == [LEADER_B]
    assert [n.to.person_id for n in no_team.notices] == [OPS]


async def test_a_leader_decides_their_own_teams_disputes_only(db: Database) -> None:
    await crews(db)
    for pid in (10, 12):  # jobs 1 (team A) and 3 (team B) disputed by their citizens
        await job(db, pid, incident="flood", minutes=20, at=JUNE, status=CreditStatus.DISPUTED)
    async with db.session() as s:
        listed_a = await hours.open_disputes(s, CFG, person_id=LEADER_A)
        listed_ops = await hours.open_disputes(s, CFG, person_id=OPS)
    assert [(rid, m) for rid, _, m in listed_a] == [(5, 20)]
    assert [rid for rid, _, _ in listed_ops] == [5, 6]
    async with db.session() as s:
        other_team = await hours.decide_dispute(
            s, CFG, operator_id=LEADER_A, request_id=6, credit_it=True, reason="x", now=NOW
        )
        member = await hours.decide_dispute(
            s, CFG, operator_id=11, request_id=5, credit_it=True, reason="x", now=NOW
        )
        own = await hours.decide_dispute(
            s, CFG, operator_id=LEADER_A, request_id=5, credit_it=True, reason="seen", now=NOW
        )
    assert (other_team.result, member.result, own.result) == (
        Result.NOT_YOURS,
        Result.NOT_OPERATOR,
        Result.OK,
    )
    assert [n.to.person_id for n in own.notices] == [10]
