"""Queries behind the leaders' digests, and the record that makes each one go out once.

The figures are plain reads of the request, credit and volunteer rows. The record is one row
per (kind, team, leader, local date) with a unique key: the worker whose INSERT lands owns
that digest; everyone else (another worker, the same one after a restart) sees the row.
"""

from __future__ import annotations

import math
from collections.abc import Collection
from datetime import datetime

from sqlalchemy import func, or_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.enums import CreditStatus, DigestStatus, RequestStatus
from storage.models import HelpRequest, HourCredit
from storage.team_models import DigestRecord

OPEN = (RequestStatus.DISPATCHING, RequestStatus.ASSIGNED, RequestStatus.ON_SCENE)


async def handled_by(
    session: AsyncSession, member_ids: Collection[int], start: datetime, end: datetime
) -> list[HelpRequest]:
    """Requests a member accepted in [start, end), oldest first."""
    if not member_ids:
        return []
    stmt = (
        select(HelpRequest)
        .where(
            HelpRequest.volunteer_id.in_(list(member_ids)),  # type: ignore[union-attr]
            HelpRequest.assigned_at >= start,  # type: ignore[operator]
            HelpRequest.assigned_at < end,  # type: ignore[operator]
        )
        .order_by(HelpRequest.assigned_at, HelpRequest.id)  # type: ignore[arg-type]
    )
    return list((await session.exec(stmt)).all())


async def credited_to(
    session: AsyncSession, member_ids: Collection[int], start: datetime, end: datetime
) -> list[tuple[int, datetime, int]]:
    """(volunteer, when confirmed, minutes) of the credits confirmed in [start, end)."""
    if not member_ids:
        return []
    stmt = select(HourCredit.volunteer_id, HourCredit.decided_at, HourCredit.minutes).where(
        HourCredit.volunteer_id.in_(list(member_ids)),  # type: ignore[attr-defined]
        HourCredit.status == CreditStatus.CONFIRMED,
        HourCredit.decided_at >= start,  # type: ignore[operator]
        HourCredit.decided_at < end,  # type: ignore[operator]
    )
    rows = (await session.exec(stmt)).all()  # type: ignore[call-overload]
    return [(int(v), at, int(m)) for v, at, m in rows if at is not None]


async def near(
    session: AsyncSession, *, lat: float, lon: float, radius_km: float, since: datetime
) -> list[HelpRequest]:
    """Requests in a box around the point made since ``since``, or open now whenever made.

    A bounding box in SQL; the caller keeps those within the radius (a circle is the region).
    """
    dlat = radius_km / 111.0
    dlon = radius_km / (111.0 * max(0.01, math.cos(math.radians(lat))))
    stmt = select(HelpRequest).where(
        HelpRequest.lat.between(lat - dlat, lat + dlat),  # type: ignore[attr-defined]
        HelpRequest.lon.between(lon - dlon, lon + dlon),  # type: ignore[attr-defined]
        or_(
            HelpRequest.created_at >= since,  # type: ignore[operator]
            HelpRequest.status.in_([str(s) for s in OPEN]),  # type: ignore[attr-defined]
        ),
    )
    return list((await session.exec(stmt.order_by(HelpRequest.id))).all())  # type: ignore[arg-type]


# --- the record ------------------------------------------------------------------------------


async def records(session: AsyncSession, keys: Collection[str]) -> dict[str, DigestRecord]:
    if not keys:
        return {}
    stmt = select(DigestRecord).where(DigestRecord.key.in_(list(keys)))  # type: ignore[attr-defined]
    return {r.key: r for r in (await session.exec(stmt)).all()}


async def claim(
    session: AsyncSession,
    *,
    key: str,
    kind: str,
    team_id: int,
    leader_id: int,
    period_end: datetime,
    now: datetime,
) -> bool:
    """True when this caller now owns the digest ``key``.

    INSERT … ON CONFLICT DO NOTHING: of two workers, one row lands (the other waits for the
    first to commit, then inserts nothing). The caller writes the digest to the outbox in the
    same transaction, so a claim is never left without its digest: no lease to take over.
    """
    values = {
        "key": key,
        "kind": kind,
        "team_id": team_id,
        "leader_id": leader_id,
        "period_end": period_end,
        "status": str(DigestStatus.QUEUED),
        "queued_at": now,
        "messages": 0,
        "chars": 0,
    }
    conn = await session.connection()
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    table = DigestRecord.__table__  # type: ignore[attr-defined]
    inserted = await conn.execute(
        dialect.insert(table).values(**values).on_conflict_do_nothing(index_elements=["key"])
    )
    return bool(inserted.rowcount)


async def finish(
    session: AsyncSession, *, key: str, status: str, now: datetime, messages: int, chars: int
) -> None:
    """What became of the digest: sent (with its size), blocked, failed or not built."""
    await session.exec(  # type: ignore[call-overload]
        update(DigestRecord)
        .where(DigestRecord.key == key)  # type: ignore[arg-type]
        .values(
            status=str(status),
            sent_at=now if status == DigestStatus.SENT else None,
            messages=messages,
            chars=chars,
        )
    )


async def sent_count(session: AsyncSession, *, leader_id: int | None = None) -> int:
    stmt = select(func.count()).select_from(DigestRecord).where(DigestRecord.status == "sent")
    if leader_id is not None:
        stmt = stmt.where(DigestRecord.leader_id == leader_id)
    return int((await session.exec(stmt)).one())
