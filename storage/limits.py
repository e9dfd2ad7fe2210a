"""Counts behind the abuse limits, read from the rows (so every worker sees the same count)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import HelpRequest


async def requests_created_since(session: AsyncSession, requester_id: int, since: datetime) -> int:
    """How many requests this person created after ``since`` (any status: a cancelled one was
    created too). Served by ix_help_request_requester_created."""
    stmt = select(func.count()).where(
        HelpRequest.requester_id == requester_id,
        HelpRequest.created_at > since,  # type: ignore[operator]
    )
    return int((await session.exec(stmt)).one())
