"""Claiming a due request timer: one worker fires it, whichever asks first.

A request's timer is its row (``help_request.next_timer_at``), not a job in some process's
memory. A worker that wants to fire timers takes one due row at a time with
``SELECT … FOR UPDATE SKIP LOCKED``: the row lock *is* the claim. It is held while the
timer's use case runs in the same transaction, so no other worker can take that row until
the step is committed (after which it is no longer due), and rows another worker holds are
skipped, not waited for. A worker killed mid-step loses its connection, PostgreSQL rolls its
transaction back and drops the lock, and the next worker to look finds the row due again:
nothing to expire, no lease to wait out.

SQLite is one process and its transactions hold the write lock from ``BEGIN``
(storage/db.py), so the same query without the row lock is just as exclusive there.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any, TypeVar

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from sqlmodel.sql.expression import Select, SelectOfScalar

from domain.enums import RequestStatus
from storage.command_models import MajorIncident
from storage.models import HelpRequest

# Every status, on purpose: ``ix_help_request_timer`` leads with ``status``, so naming them
# all turns "any row whose timer is due" into one short index range per status (PostgreSQL
# has no skip scan) instead of a walk over the whole index, and still misses no row.
_ALL_STATUSES = [str(s) for s in RequestStatus]
SelectT = TypeVar("SelectT", Select[Any], SelectOfScalar[Any])


async def claim_due(
    session: AsyncSession, *, now: datetime, skip: Collection[int] = ()
) -> int | None:
    """The id of one request whose timer is due at ``now``, locked for this transaction;
    None when there is none this worker may take (every due row is taken, or in ``skip``).

    The most overdue first. ``skip`` holds the rows this pass already fired: a step that left
    its row due (it should not, but a bug must not turn into a loop) is not fired again.
    """
    stmt = (
        select(HelpRequest.id)
        .where(
            col(HelpRequest.status).in_(_ALL_STATUSES),
            col(HelpRequest.next_timer_at) <= now,
        )
        .order_by(col(HelpRequest.next_timer_at))
        .limit(1)
    )
    stmt = _claimable(session, stmt, col(HelpRequest.id), skip)
    return (await session.exec(stmt)).first()


async def claim_due_major(
    session: AsyncSession, *, now: datetime, skip: Collection[int] = ()
) -> MajorIncident | None:
    """One major-incident area whose timer is due (its next summary, or its end), locked for
    this transaction: claimed exactly as a request's timer is, above."""
    stmt = (
        select(MajorIncident)
        .where(col(MajorIncident.ended_at).is_(None), col(MajorIncident.next_timer_at) <= now)
        .order_by(col(MajorIncident.next_timer_at))
        .limit(1)
    )
    stmt = _claimable(session, stmt, col(MajorIncident.id), skip)
    return (await session.exec(stmt.execution_options(populate_existing=True))).first()


def _claimable(session: AsyncSession, stmt: SelectT, ident: Any, skip: Collection[int]) -> SelectT:
    """The statement as a claim: none of the rows in ``skip``, and on PostgreSQL the row locked
    for this transaction, rows another worker holds skipped rather than waited for (SQLite's
    BEGIN already holds the write lock)."""
    if skip:
        stmt = stmt.where(ident.not_in(list(skip)))
    if session.bind is not None and session.bind.dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True)
    return stmt
