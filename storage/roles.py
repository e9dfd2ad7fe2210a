"""Queries on promoted operators (operator_grant). OPERATOR_IDS are a setting, not rows."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.command_models import OperatorGrant


async def is_granted(session: AsyncSession, person_id: int) -> bool:
    return await session.get(OperatorGrant, person_id) is not None


async def grant(session: AsyncSession, *, person_id: int, by: int, at: datetime) -> bool:
    """Record a promotion; False when the person was promoted already."""
    if await is_granted(session, person_id):
        return False
    session.add(OperatorGrant(person_id=person_id, granted_by=by, granted_at=at))
    await session.flush()
    return True


async def revoke(session: AsyncSession, *, person_id: int) -> bool:
    """Drop a promotion; False when there was none."""
    result = await session.exec(  # type: ignore[call-overload]
        delete(OperatorGrant).where(OperatorGrant.person_id == person_id)  # type: ignore[arg-type]
    )
    return bool(result.rowcount)


async def granted_ids(session: AsyncSession) -> list[int]:
    stmt = select(OperatorGrant.person_id).order_by(OperatorGrant.granted_at)
    return [int(pid) for pid in (await session.exec(stmt)).all()]
