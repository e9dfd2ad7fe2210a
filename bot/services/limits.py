"""Abuse limits: how many help requests one person may create in an hour.

The limit (MAX_REQUESTS_PER_HOUR, default 5) is far above what a person in distress needs
(one open request at a time, so five means four closed in the last hour) and stops a script
or a prank from alerting the same volunteers again and again. Counted from the database,
so a restart or a second worker does not reset it.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.services.config import DispatchConfig
from storage.limits import requests_created_since

WINDOW = timedelta(hours=1)


async def over_limit(
    session: AsyncSession, cfg: DispatchConfig, *, requester_id: int, now: datetime
) -> bool:
    """True when this person already created the most requests allowed in the last hour."""
    made = await requests_created_since(session, requester_id, now - WINDOW)
    return made >= cfg.max_requests_per_hour
