"""Queries on where people stand: blocked citizens, and the operators' last word on a volunteer."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain import lifecycle
from storage.command_models import CitizenBlock, VolunteerStanding
from storage.models import HelpRequest, Person


async def block_of(session: AsyncSession, person_id: int) -> CitizenBlock | None:
    return await session.get(CitizenBlock, person_id, populate_existing=True)


async def block(
    session: AsyncSession, *, person_id: int, by: int, at: datetime, reason: str
) -> bool:
    """Record a block; False when the person was blocked already."""
    if await block_of(session, person_id) is not None:
        return False
    session.add(CitizenBlock(person_id=person_id, blocked_by=by, blocked_at=at, reason=reason))
    await session.flush()
    return True


async def unblock(session: AsyncSession, *, person_id: int) -> bool:
    result = await session.exec(  # type: ignore[call-overload]
        delete(CitizenBlock).where(CitizenBlock.person_id == person_id)  # type: ignore[arg-type]
    )
    return bool(result.rowcount)


async def standing_of(session: AsyncSession, person_id: int) -> VolunteerStanding | None:
    return await session.get(VolunteerStanding, person_id, populate_existing=True)


async def record_decision(
    session: AsyncSession,
    *,
    person_id: int,
    status: str,
    by: int | None,
    at: datetime,
    reason: str = "",
) -> None:
    """The operators' newest decision on a volunteer replaces the one before (the audit keeps all)."""
    row = await standing_of(session, person_id)
    if row is None:
        row = VolunteerStanding(person_id=person_id, status=str(status))
    row.status, row.decided_by, row.decided_at, row.reason = str(status), by, at, reason
    session.add(row)
    await session.flush()


async def person_by_username(session: AsyncSession, username: str) -> Person | None:
    """The person with this Telegram username (case-insensitive, with or without the @)."""
    from sqlalchemy import func

    name = username.lstrip("@").lower()
    stmt = select(Person).where(func.lower(Person.username) == name).limit(1)
    return (await session.exec(stmt)).first()


async def active_requests_of(session: AsyncSession, requester_id: int) -> list[HelpRequest]:
    """Every request of this citizen someone may still act on (open or waiting on the centre)."""
    stmt = (
        select(HelpRequest)
        .where(
            HelpRequest.requester_id == requester_id,
            HelpRequest.status.in_(sorted(lifecycle.ACTIVE)),  # type: ignore[attr-defined]
        )
        .order_by(HelpRequest.id)  # type: ignore[arg-type]
    )
    return list((await session.exec(stmt)).all())
