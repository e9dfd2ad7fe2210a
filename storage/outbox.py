"""Queries on the outbox: add notices, claim the due ones, record how each send ended.

A claim is a conditional UPDATE (pending, and not held by a live lease), so one notice is
in the hands of one sender at a time, whichever process or worker asks; on PostgreSQL the
candidates are read with ``FOR UPDATE SKIP LOCKED`` so workers do not queue behind each
other's rows. Due rows leave by priority (``_order``: first alerts of life-threatening
types, other first alerts, later waves, then status notices with a reserved share), the
request that has waited longest first, and a wave's alerts, written nearest first, nearest
first.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, case, delete, func, or_, update
from sqlalchemy.orm import aliased
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.bulk import insert_rows
from storage.models import OutboxMessage

PENDING, SENT, FAILED, DEAD = "pending", "sent", "failed", "dead"


async def add(session: AsyncSession, rows: Sequence[OutboxMessage]) -> list[int]:
    """Write rows in this transaction, in one statement; their ids, in order."""
    return await insert_rows(session, rows)


def _claimable(now: datetime) -> list[object]:
    return [
        OutboxMessage.status == PENDING,
        OutboxMessage.next_attempt_at <= now,
        or_(OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until < now),
        _not_behind(now),
    ]


def _not_behind(now: datetime) -> Any:
    """A status notice waits while an earlier one to its chat failed and is due again later:
    notices to one chat leave in the order they were written, a failure's retry included, so
    a citizen never gets "done, was it solved?" before the "arrived" that failed a moment
    earlier. An earlier one merely in a sender's hands holds nothing up (it is being said now;
    waiting for its batch to be recorded would delay every quick second notice to the next
    sweep). Alerts are not held: each volunteer gets one per request, and their order is the
    priority's."""
    earlier = aliased(OutboxMessage)
    waiting = (
        select(earlier.id)
        .where(
            earlier.chat_id == OutboxMessage.chat_id,
            earlier.status == PENDING,
            earlier.priority >= STATUS,
            earlier.id < OutboxMessage.id,
            earlier.next_attempt_at > now,
        )
        .exists()
    )
    return or_(OutboxMessage.priority < STATUS, ~waiting)


# Classes of notice, lower leaves first (bot/services/delivery.py gives each row its class).
FIRST_ALERT_URGENT, FIRST_ALERT, LATER_ALERT, STATUS = 0, 1, 2, 3
#: Of every claim, at least this share is kept for status notices (a citizen's, an edit of a
#: taken alert) when any is due: queued behind first alerts, never starved by them.
STATUS_SHARE = 0.2


def _order() -> list[Any]:
    """Priority, then (alerts only) the request that has waited longest, then write order.

    Request ids grow with creation time, so the lowest is the oldest; a wave's rows were
    written nearest first, so within a request the id order is nearest first. Status
    notices keep pure write order: notices to one chat leave in the order they were written.
    """
    alerts_by_request = case(
        (OutboxMessage.priority < STATUS, func.coalesce(OutboxMessage.request_id, 0)), else_=0
    )
    return [OutboxMessage.priority, alerts_by_request, OutboxMessage.id]


def sort_key(row: OutboxMessage) -> tuple[int, int, int]:
    """``_order`` in Python, for rows already in hand."""
    by_request = (row.request_id or 0) if row.priority < STATUS else 0
    return row.priority, by_request, row.id or 0


async def claim(
    session: AsyncSession,
    *,
    now: datetime,
    lease_s: float,
    ids: Sequence[int] | None = None,
    limit: int = 100,
    status_share: float = STATUS_SHARE,
) -> list[OutboxMessage]:
    """Take due rows for one sender until the lease ends, in the order they should leave.

    ``ids`` (the rows a unit of work just wrote): those, in one conditional UPDATE. Otherwise
    the ``limit`` first due rows by ``_order``, of which ``status_share`` (at least one) are
    status notices whenever any is due, however many alerts wait before them.
    """
    until = now + timedelta(seconds=lease_s)
    if ids is not None:
        candidates = list(ids)
    else:
        candidates = await _candidates(session, now, limit, status_share)
    if not candidates:
        return []
    result = await session.exec(  # type: ignore[call-overload]
        update(OutboxMessage)
        .where(col(OutboxMessage.id).in_(candidates), *_claimable(now))
        .values(claimed_until=until, attempts=OutboxMessage.attempts + 1)
        .returning(OutboxMessage)
        .execution_options(synchronize_session=False, populate_existing=True)
    )
    return sorted(result.scalars().all(), key=sort_key)


async def _candidates(
    session: AsyncSession, now: datetime, limit: int, status_share: float
) -> list[int]:
    """The ids to claim: alerts first by ``_order``, with the status notices' share kept."""
    reserved = max(1, int(limit * status_share))
    alerts = await _due(session, now, limit, OutboxMessage.priority < STATUS)
    status = await _due(session, now, limit, OutboxMessage.priority >= STATUS)
    keep = min(len(status), max(reserved, limit - len(alerts)))
    return (alerts[: limit - keep] + status[:keep])[:limit]


async def _due(session: AsyncSession, now: datetime, limit: int, where: Any) -> list[int]:
    stmt = select(OutboxMessage.id).where(*_claimable(now), where).order_by(*_order()).limit(limit)
    if session.bind is not None and session.bind.dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True)
    return [int(i) for i in (await session.exec(stmt)).all()]


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


async def finish_sent(
    session: AsyncSession, sent: Sequence[tuple[int, int | None, datetime]]
) -> None:
    """Several claimed rows said, ``(row id, message id, when Telegram answered)``:
    ``finish`` in one executemany."""
    if not sent:
        return
    table: Any = OutboxMessage.__table__  # type: ignore[attr-defined]
    stmt = (
        update(table)
        .where(table.c.id == bindparam("row_id"), table.c.status == PENDING)
        .values(
            status=SENT,
            sent_at=bindparam("at"),
            message_id=bindparam("message"),
            claimed_until=None,
            last_error="",
        )
    )
    await session.exec(  # type: ignore[call-overload]
        stmt, params=[{"row_id": r, "message": m, "at": at} for r, m, at in sent]
    )


async def retry_later(session: AsyncSession, row_id: int, *, at: datetime, error: str) -> None:
    """Give a claimed row back, due again at ``at``."""
    await session.exec(  # type: ignore[call-overload]
        update(OutboxMessage)
        .where(OutboxMessage.id == row_id, OutboxMessage.status == PENDING)
        .values(next_attempt_at=at, claimed_until=None, last_error=error[:500])
        .execution_options(synchronize_session=False)
    )


async def wait_behind(session: AsyncSession, row_ids: Sequence[int], *, at: datetime) -> None:
    """Give back claimed rows that were not tried because an earlier row of their chat failed:
    due again at ``at``, that row's next attempt, so they still leave after it; the claim's
    attempt is not counted against them."""
    if not row_ids:
        return
    await session.exec(  # type: ignore[call-overload]
        update(OutboxMessage)
        .where(col(OutboxMessage.id).in_(list(row_ids)), OutboxMessage.status == PENDING)
        .values(next_attempt_at=at, claimed_until=None, attempts=OutboxMessage.attempts - 1)
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
