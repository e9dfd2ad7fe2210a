"""The queries behind ``GET /healthz`` and the timer-lag gauge: is the database there, and
is any request's timer late.

A timer is late when ``help_request.next_timer_at`` lies in the past: the job queue should
have fired it and moved the request on (the sweep re-arms lost ones every ``TIMER_SWEEP_S``).
How late the most overdue one is says whether the bot is keeping up.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, literal
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import HelpRequest


async def ping(session: AsyncSession) -> None:
    """A trivial round trip; raises when the database does not answer."""
    await session.exec(select(literal(1)))


async def most_overdue_timer(session: AsyncSession, *, now: datetime) -> datetime | None:
    """The earliest ``next_timer_at`` before ``now``, or None when no timer is late.

    ``min`` keeps the column's type, so the value comes back timezone-aware on every backend.
    Cost: ``ix_help_request_timer`` leads with ``status``, so this reads the whole index (not
    the table); an index on ``next_timer_at`` alone would make it a single lookup.
    """
    stmt = select(func.min(HelpRequest.next_timer_at)).where(HelpRequest.next_timer_at < now)
    return (await session.exec(stmt)).one()
