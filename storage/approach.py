"""Queries on ``approach``: the assignee's live location for one job, while it lasts.

The row holds the volunteer's position for this request's citizen alone; it is deleted when
the sharing stops or the job ends, so nothing of it outlives the job (bot/services/approach.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.enums import RequestStatus
from storage.models import Approach, HelpRequest


async def of_request(session: AsyncSession, request_id: int) -> Approach | None:
    return await session.get(Approach, request_id, populate_existing=True)


async def save(session: AsyncSession, row: Approach) -> Approach:
    """Insert or replace the request's row (a second live location replaces the first)."""
    merged = await session.merge(row)
    await session.flush()
    return merged


async def live_for(
    session: AsyncSession, volunteer_ids: Sequence[int], *, now: datetime
) -> list[tuple[Approach, HelpRequest]]:
    """The live approaches of these volunteers on their assigned jobs, with the requests:
    one query for a whole batch of fixes (bot/services/positions.py writes them in batches)."""
    if not volunteer_ids:
        return []
    stmt = (
        select(Approach, HelpRequest)
        .join(HelpRequest, col(HelpRequest.id) == Approach.request_id)
        .where(
            col(Approach.volunteer_id).in_(list(volunteer_ids)),
            Approach.until > now,
            HelpRequest.status == str(RequestStatus.ASSIGNED),
            col(HelpRequest.volunteer_id) == Approach.volunteer_id,
        )
        .order_by(col(Approach.request_id))
    )
    return [(a, r) for a, r in (await session.exec(stmt)).all()]


async def of_volunteer(session: AsyncSession, volunteer_id: int) -> list[Approach]:
    stmt = select(Approach).where(Approach.volunteer_id == volunteer_id)
    return list((await session.exec(stmt)).all())


async def set_message(session: AsyncSession, request_id: int, message_id: int) -> None:
    """The citizen's copy of the live location is this message (to move and stop it)."""
    await session.exec(  # type: ignore[call-overload]
        update(Approach).where(col(Approach.request_id) == request_id).values(message_id=message_id)
    )


async def end(session: AsyncSession, request_id: int) -> Approach | None:
    """Delete the request's row; the row as it was (its message to stop), or None."""
    row = await of_request(session, request_id)
    if row is None:
        return None
    await session.delete(row)
    await session.flush()
    return row


async def forget(session: AsyncSession, request_ids: Sequence[int]) -> int:
    """Retention's sweep: no position of a volunteer outlives a closed request."""
    if not request_ids:
        return 0
    result = await session.exec(  # type: ignore[call-overload]
        delete(Approach).where(col(Approach.request_id).in_(list(request_ids)))
    )
    return int(result.rowcount or 0)
