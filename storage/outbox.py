"""Queries on the outbox: add notices, claim the due ones, record how each send ended.

A claim is a conditional UPDATE (pending, and not held by a live lease), so one notice is
in the hands of one sender at a time, whichever process or worker asks; on PostgreSQL the
candidates are read with ``FOR UPDATE SKIP LOCKED`` so workers do not queue behind each
other's rows. Due rows leave by priority, then in the order they were written: a wave's
alerts, written nearest first, leave nearest first.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import delete, func, or_, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import OutboxMessage

PENDING, SENT, FAILED, DEAD = "pending", "sent", "failed", "dead"


async def add(session: AsyncSession, rows: Sequence[OutboxMessage]) -> list[int]:
    """Write rows in this transaction; their ids, in order."""
    session.add_all(rows)
    await session.flush()
    return [r.id for r in rows if r.id is not None]


def _claimable(now: datetime) -> list[object]:
    return [
        OutboxMessage.status == PENDING,
        OutboxMessage.next_attempt_at <= now,
        or_(OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until < now),
    ]


async def claim(
    session: AsyncSession,
    *,
    now: datetime,
    lease_s: float,
    ids: Sequence[int] | None = None,
    limit: int = 100,
) -> list[OutboxMessage]:
    """Take the due rows (only ``ids``, when given) for one sender, until the lease ends."""
    stmt = select(OutboxMessage.id).where(*_claimable(now))
    if ids is not None:
        stmt = stmt.where(col(OutboxMessage.id).in_(list(ids)))
    stmt = stmt.order_by(OutboxMessage.priority, OutboxMessage.id).limit(limit)
    if session.bind is not None and session.bind.dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True)
    candidates = list((await session.exec(stmt)).all())
    if not candidates:
        return []
    until = now + timedelta(seconds=lease_s)
    await session.exec(  # type: ignore[call-overload]
        update(OutboxMessage)
        .where(col(OutboxMessage.id).in_(candidates), *_claimable(now))
        .values(claimed_until=until, attempts=OutboxMessage.attempts + 1)
        .execution_options(synchronize_session=False)
    )
    rows = await session.exec(
        select(OutboxMessage)
        .where(col(OutboxMessage.id).in_(candidates), OutboxMessage.claimed_until == until)
        .order_by(OutboxMessage.priority, OutboxMessage.id)
        .execution_options(populate_existing=True)
    )
    return list(rows.all())


async def extend(
    session: AsyncSession,
    ids: Sequence[int],
    *,
    held_until: datetime,
    until: datetime,
) -> set[int]:
    """Extend this sender's lease on the rows of a batch it still holds; those it still holds.

    A batch is claimed at once but said one message at a time, each maybe waiting for
    Telegram's limits (one message a second to a chat, 30 a second in all): the lease taken at
    the claim could lapse before the last row's turn, and another worker would say it too.
    The sender renews it while it works (bot/handlers/outbox.py); a row missing from the
    answer was lost (its lease lapsed and another sender took it) or is done.
    """
    if not ids:
        return set()
    result = await session.exec(  # type: ignore[call-overload]
        update(OutboxMessage)
        .where(
            col(OutboxMessage.id).in_(list(ids)),
            OutboxMessage.status == PENDING,
            OutboxMessage.claimed_until == held_until,
        )
        .values(claimed_until=until)
        .returning(col(OutboxMessage.id))
        .execution_options(synchronize_session=False)
    )
    return {int(i) for i in result.scalars().all()}


async def finish(
    session: AsyncSession,
    row_id: int,
    *,
    status: str,
    at: datetime,
    message_id: int | None = None,
    error: str = "",
) -> bool:
    """Record how a claimed row ended (sent, failed for good); False if it was not pending."""
    result = await session.exec(  # type: ignore[call-overload]
        update(OutboxMessage)
        .where(OutboxMessage.id == row_id, OutboxMessage.status == PENDING)
        .values(
            status=status,
            sent_at=at if status == SENT else None,
            message_id=message_id,
            claimed_until=None,
            last_error=error[:500],
        )
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)


async def retry_later(session: AsyncSession, row_id: int, *, at: datetime, error: str) -> None:
    """Give a claimed row back, due again at ``at``."""
    await session.exec(  # type: ignore[call-overload]
        update(OutboxMessage)
        .where(OutboxMessage.id == row_id, OutboxMessage.status == PENDING)
        .values(next_attempt_at=at, claimed_until=None, last_error=error[:500])
        .execution_options(synchronize_session=False)
    )


async def depth(session: AsyncSession) -> int:
    """How many notices are still to be said."""
    stmt = select(func.count()).select_from(OutboxMessage).where(OutboxMessage.status == PENDING)
    return int((await session.exec(stmt)).one())


async def next_due(session: AsyncSession) -> datetime | None:
    """When the earliest pending row is due (for the sender's wake-up)."""
    stmt = select(func.min(OutboxMessage.next_attempt_at)).where(OutboxMessage.status == PENDING)
    return (await session.exec(stmt)).one()


async def on_its_way(session: AsyncSession, *, request_id: int, chat_id: int, event: str) -> bool:
    """True when a notice of this kind for this request and chat is sent or still being tried."""
    stmt = (
        select(func.count())
        .select_from(OutboxMessage)
        .where(
            OutboxMessage.request_id == request_id,
            OutboxMessage.chat_id == chat_id,
            OutboxMessage.event == event,
            col(OutboxMessage.status).in_([PENDING, SENT]),
        )
    )
    return int((await session.exec(stmt)).one()) > 0


async def forget_said(
    session: AsyncSession, *, request_ids: Sequence[int] = (), said_before: datetime | None = None
) -> int:
    """Delete notices already said (or given up on): those of ``request_ids``, and any said
    before ``said_before``. Their payloads hold what retention removes (a point, details, a
    phone); a pending notice is never deleted."""
    conditions = []
    if request_ids:
        conditions.append(col(OutboxMessage.request_id).in_(list(request_ids)))
    if said_before is not None:
        conditions.append(OutboxMessage.created_at < said_before)
    if not conditions:
        return 0
    result = await session.exec(  # type: ignore[call-overload]
        delete(OutboxMessage)
        .where(OutboxMessage.status != PENDING, or_(*conditions))
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)
