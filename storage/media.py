"""Queries on the citizen's media: the file ids (never the bytes) sent with a request."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import CitizenMedia


async def add_media(
    session: AsyncSession, request_id: int, items: Sequence[tuple[str, str]], *, at: datetime
) -> None:
    """Store ``(kind, file_id)`` pairs for a request, in the order they were sent."""
    session.add_all(
        CitizenMedia(request_id=request_id, kind=kind, file_id=file_id, created_at=at)
        for kind, file_id in items
    )
    await session.flush()


async def media_of(session: AsyncSession, request_id: int) -> list[CitizenMedia]:
    stmt = (
        select(CitizenMedia)
        .where(CitizenMedia.request_id == request_id)
        .order_by(col(CitizenMedia.id))
    )
    return list((await session.exec(stmt)).all())


async def forget_media(session: AsyncSession, request_ids: Sequence[int]) -> None:
    """Retention: a file id still fetches the file from Telegram, so it goes with the details."""
    if request_ids:
        await session.exec(  # type: ignore[call-overload]
            delete(CitizenMedia).where(col(CitizenMedia.request_id).in_(list(request_ids)))
        )
