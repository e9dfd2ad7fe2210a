"""Queries on teams: who leads, who belongs, invites, and the copies of approval notices.

Membership is one row per person (``team_member``'s key), so "one team at a time" is the
schema's rule, not a check that two requests could both pass.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, update
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.enums import CreditStatus
from storage.models import HourCredit, Person, Volunteer
from storage.team_models import Team, TeamJoinPending, TeamLeader, TeamMember, VettingCopy


async def add_team(session: AsyncSession, team: Team) -> Team:
    session.add(team)
    await session.flush()
    return team


async def get_team(session: AsyncSession, team_id: int) -> Team | None:
    return await session.get(Team, team_id, populate_existing=True)


async def team_by_code(session: AsyncSession, code: str) -> Team | None:
    return (await session.exec(select(Team).where(Team.invite_code == code))).first()


async def all_teams(session: AsyncSession) -> list[Team]:
    return list((await session.exec(select(Team).order_by(Team.id))).all())  # type: ignore[arg-type]


async def set_code(session: AsyncSession, *, team_id: int, code: str) -> bool:
    result = await session.exec(  # type: ignore[call-overload]
        update(Team).where(Team.id == team_id).values(invite_code=code)  # type: ignore[arg-type]
    )
    return bool(result.rowcount)


# --- leaders -------------------------------------------------------------------------------


async def add_leader(
    session: AsyncSession, *, team_id: int, person_id: int, named_by: int | None, at: datetime
) -> bool:
    """False when they already lead this team."""
    if await session.get(TeamLeader, (team_id, person_id)) is not None:
        return False
    session.add(TeamLeader(team_id=team_id, person_id=person_id, named_by=named_by, named_at=at))
    await session.flush()
    return True


async def remove_leader(session: AsyncSession, *, team_id: int, person_id: int) -> bool:
    result = await session.exec(  # type: ignore[call-overload]
        delete(TeamLeader).where(
            TeamLeader.team_id == team_id,  # type: ignore[arg-type]
            TeamLeader.person_id == person_id,  # type: ignore[arg-type]
        )
    )
    return bool(result.rowcount)


async def is_leader(session: AsyncSession, *, team_id: int, person_id: int) -> bool:
    stmt = select(TeamLeader.person_id).where(
        TeamLeader.team_id == team_id, TeamLeader.person_id == person_id
    )
    return (await session.exec(stmt)).first() is not None


async def led_teams(session: AsyncSession, person_id: int) -> list[Team]:
    stmt = (
        select(Team)
        .join(TeamLeader, TeamLeader.team_id == Team.id)  # type: ignore[arg-type]
        .where(TeamLeader.person_id == person_id)
        .order_by(Team.id)  # type: ignore[arg-type]
    )
    return list((await session.exec(stmt)).all())


async def leaders_of(session: AsyncSession, team_id: int) -> list[Person]:
    stmt = (
        select(Person)
        .join(TeamLeader, TeamLeader.person_id == Person.id)  # type: ignore[arg-type]
        .where(TeamLeader.team_id == team_id)
        .order_by(Person.id)  # type: ignore[arg-type]
    )
    return list((await session.exec(stmt)).all())


async def all_leaderships(session: AsyncSession) -> list[tuple[TeamLeader, Team]]:
    stmt = select(TeamLeader, Team).join(Team, Team.id == TeamLeader.team_id)  # type: ignore[arg-type]
    return [(leader, team) for leader, team in (await session.exec(stmt)).all()]


# --- members -------------------------------------------------------------------------------


async def membership(session: AsyncSession, person_id: int) -> TeamMember | None:
    return await session.get(TeamMember, person_id, populate_existing=True)


async def set_membership(
    session: AsyncSession, *, person_id: int, team_id: int, at: datetime
) -> int | None:
    """Put a person in a team; returns the team they were in before (None: none)."""
    current = await membership(session, person_id)
    if current is None:
        session.add(TeamMember(person_id=person_id, team_id=team_id, joined_at=at))
        await session.flush()
        return None
    before = current.team_id
    await session.exec(  # type: ignore[call-overload]
        update(TeamMember)
        .where(TeamMember.person_id == person_id)  # type: ignore[arg-type]
        .values(team_id=team_id, joined_at=at)
        .execution_options(synchronize_session="fetch")
    )
    return before


async def drop_membership(
    session: AsyncSession, *, person_id: int, team_id: int | None = None
) -> bool:
    """Out of their team (only of ``team_id`` when given: a move meanwhile is left alone)."""
    stmt = delete(TeamMember).where(TeamMember.person_id == person_id)  # type: ignore[arg-type]
    if team_id is not None:
        stmt = stmt.where(TeamMember.team_id == team_id)  # type: ignore[arg-type]
    result = await session.exec(stmt)  # type: ignore[call-overload]
    return bool(result.rowcount)


@dataclass(frozen=True)
class MemberRow:
    """One member as /team lists them."""

    person_id: int
    name: str
    status: str | None  # the volunteer's status; None when they have no profile
    on_duty: bool
    busy: bool
    position_at: datetime | None
    month_minutes: int


async def member_count(session: AsyncSession, team_id: int) -> int:
    stmt = select(func.count()).select_from(TeamMember).where(TeamMember.team_id == team_id)
    return int((await session.exec(stmt)).one())


async def members(
    session: AsyncSession,
    team_id: int,
    *,
    month_start: datetime,
    offset: int = 0,
    limit: int | None = None,
) -> list[MemberRow]:
    """Members by name, with confirmed minutes credited since ``month_start``."""
    minutes = (
        select(HourCredit.volunteer_id, func.sum(HourCredit.minutes).label("minutes"))
        .where(HourCredit.status == CreditStatus.CONFIRMED, HourCredit.decided_at >= month_start)  # type: ignore[operator]
        .group_by(HourCredit.volunteer_id)
        .subquery()
    )
    stmt = (
        select(
            TeamMember.person_id,
            Person.first_name,
            Volunteer.status,
            Volunteer.on_duty,
            Volunteer.busy_request_id,
            Volunteer.position_at,
            minutes.c.minutes,
        )
        .join(Person, Person.id == TeamMember.person_id)  # type: ignore[arg-type]
        .outerjoin(Volunteer, Volunteer.person_id == TeamMember.person_id)  # type: ignore[arg-type]
        .outerjoin(minutes, minutes.c.volunteer_id == TeamMember.person_id)
        .where(TeamMember.team_id == team_id)
        .order_by(Person.first_name, TeamMember.person_id)
        .offset(offset)
    )
    if limit is not None:
        stmt = stmt.limit(limit)
    return [
        MemberRow(int(pid), str(name), status, bool(duty), busy is not None, at, int(mins or 0))
        for pid, name, status, duty, busy, at, mins in (await session.exec(stmt)).all()  # type: ignore[call-overload]
    ]


async def member_volunteers(session: AsyncSession, team_id: int) -> list[tuple[Person, Volunteer]]:
    """Every member with a volunteer profile, and their person."""
    stmt = (
        select(Person, Volunteer)
        .join(TeamMember, TeamMember.person_id == Person.id)  # type: ignore[arg-type]
        .join(Volunteer, Volunteer.person_id == Person.id)  # type: ignore[arg-type]
        .where(TeamMember.team_id == team_id)
        .order_by(Person.first_name, Person.id)  # type: ignore[arg-type]
    )
    return [(p, v) for p, v in (await session.exec(stmt)).all()]


# --- joining after sign-up -----------------------------------------------------------------


async def set_join_pending(
    session: AsyncSession, *, person_id: int, team_id: int, at: datetime
) -> None:
    row = await session.get(TeamJoinPending, person_id)
    if row is None:
        session.add(TeamJoinPending(person_id=person_id, team_id=team_id, created_at=at))
    else:
        row.team_id, row.created_at = team_id, at
        session.add(row)
    await session.flush()


async def take_join_pending(session: AsyncSession, person_id: int) -> int | None:
    """The team an invite before sign-up named, forgotten as it is read."""
    row = await session.get(TeamJoinPending, person_id)
    if row is None:
        return None
    team_id = row.team_id
    await session.delete(row)
    await session.flush()
    return team_id


# --- copies of approval notices ------------------------------------------------------------


async def add_vetting_copy(
    session: AsyncSession, *, volunteer_id: int, chat_id: int, message_id: int, language: str
) -> None:
    session.add(
        VettingCopy(
            volunteer_id=volunteer_id, chat_id=chat_id, message_id=message_id, language=language
        )
    )
    await session.flush()


async def vetting_copies(session: AsyncSession, volunteer_id: int) -> list[VettingCopy]:
    stmt = select(VettingCopy).where(VettingCopy.volunteer_id == volunteer_id)
    return list((await session.exec(stmt.order_by(VettingCopy.id))).all())  # type: ignore[arg-type]
