"""Queries behind major-incident mode (bot/services/major.py): the declared areas, their timers,
the escalations a summary gathers, and the volunteers a call-out reaches."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.enums import RequestStatus, VolunteerStatus
from domain.matching.grid import box_around
from storage.command_models import MajorIncident
from storage.models import HelpRequest, Person, Volunteer


async def add(session: AsyncSession, row: MajorIncident) -> MajorIncident:
    session.add(row)
    await session.flush()
    return row


async def active(session: AsyncSession, now: datetime) -> list[MajorIncident]:
    """The areas in major-incident mode at ``now`` (not ended, period not over), oldest first."""
    stmt = select(MajorIncident).where(
        col(MajorIncident.ended_at).is_(None), col(MajorIncident.ends_at) > now
    )
    return list((await session.exec(stmt.order_by(col(MajorIncident.id)))).all())


async def get(session: AsyncSession, major_id: int) -> MajorIncident | None:
    return await session.get(MajorIncident, major_id, populate_existing=True)


async def lock(session: AsyncSession, major_id: int) -> MajorIncident | None:
    stmt = (
        select(MajorIncident)
        .where(MajorIncident.id == major_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return (await session.exec(stmt)).first()


async def end(session: AsyncSession, major_id: int, *, at: datetime, by: int | None) -> bool:
    """End it once: True for the caller that did (an operator, or the timer)."""
    stmt = (
        update(MajorIncident)
        .where(col(MajorIncident.id) == major_id, col(MajorIncident.ended_at).is_(None))
        .values(ended_at=at, ended_by=by, next_timer_at=None)
        .execution_options(synchronize_session="fetch")
    )
    return bool((await session.exec(stmt)).rowcount)  # type: ignore[call-overload]


async def summary_due(session: AsyncSession, major_id: int, *, at: datetime) -> None:
    """Bring the area's timer forward to ``at`` (an escalation waits for the next summary);
    a timer already due sooner is left alone."""
    await session.exec(  # type: ignore[call-overload]
        update(MajorIncident)
        .where(
            col(MajorIncident.id) == major_id,
            col(MajorIncident.ended_at).is_(None),
            col(MajorIncident.next_timer_at) > at,
        )
        .values(next_timer_at=at)
    )


async def escalated_between(
    session: AsyncSession, major_id: int, *, since: datetime, until: datetime
) -> list[HelpRequest]:
    """The area's requests escalated in (since, until] and still escalated, oldest first."""
    stmt = select(HelpRequest).where(
        HelpRequest.major_id == major_id,
        HelpRequest.status == RequestStatus.ESCALATED,
        col(HelpRequest.closed_at) > since,
        col(HelpRequest.closed_at) <= until,
    )
    return list((await session.exec(stmt.order_by(col(HelpRequest.closed_at)))).all())


async def volunteers_in_box(
    session: AsyncSession, *, lat: float, lon: float, radius_m: float
) -> list[tuple[Volunteer, Person]]:
    """Verified volunteers whose last position is in the box around the area (the caller
    measures the distance), with their person: a call-out reaches them on duty or not."""
    box = box_around(lat, lon, radius_m)
    stmt = (
        select(Volunteer, Person)
        .join(Person, col(Person.id) == col(Volunteer.person_id))
        .where(
            Volunteer.status == VolunteerStatus.VERIFIED,
            col(Volunteer.lat).between(box.south, box.north),
            col(Volunteer.lon).between(box.west, box.east),
            col(Person.blocked).is_(False),
        )
        .order_by(col(Volunteer.person_id))
    )
    return [(v, p) for v, p in (await session.exec(stmt)).all()]
