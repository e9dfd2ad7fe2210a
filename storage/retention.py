"""Queries behind retention: closed requests old enough to lose their personal details.

Only this module and the service that calls it (bot/services/retention.py) write these
columns; what is kept and why is said there.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import update
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.enums import RequestStatus
from storage.models import HelpRequest, Offer

# Nobody acts on these any more (``domain.lifecycle``): their ``closed_at`` is final.
CLOSED: tuple[RequestStatus, ...] = (
    RequestStatus.CONFIRMED,
    RequestStatus.DISPUTED,
    RequestStatus.CANCELLED,
    RequestStatus.UNANSWERED,
    RequestStatus.ESCALATED,
    # A linked report: ``closed_at`` is set only once the request it followed closed.
    RequestStatus.LINKED,
)


async def due_for_redaction(
    session: AsyncSession, *, closed_before: datetime, limit: int
) -> list[HelpRequest]:
    """Closed before ``closed_before`` and not redacted yet, oldest first, at most ``limit``."""
    stmt = (
        select(HelpRequest)
        .where(
            HelpRequest.status.in_([str(s) for s in CLOSED]),  # type: ignore[attr-defined]
            HelpRequest.closed_at < closed_before,  # type: ignore[operator]
            HelpRequest.redacted_at.is_(None),  # type: ignore[union-attr]
        )
        .order_by(HelpRequest.id)  # type: ignore[arg-type]
        .limit(limit)
    )
    return list((await session.exec(stmt)).all())


async def redact_request(
    session: AsyncSession, request_id: int, *, lat: float, lon: float, at: datetime
) -> bool:
    """Replace the point with ``(lat, lon)``, drop the details and the scene's number, mark
    the row; once only."""
    stmt = (
        update(HelpRequest)
        .where(HelpRequest.id == request_id, HelpRequest.redacted_at.is_(None))  # type: ignore[arg-type, union-attr]
        .values(
            lat=lat,
            lon=lon,
            description=None,
            scene_phone=None,
            status_message_id=None,
            redacted_at=at,
        )
    )
    return bool((await session.exec(stmt)).rowcount)  # type: ignore[call-overload]


async def forget_alert_messages(session: AsyncSession, request_ids: Sequence[int]) -> None:
    """The alerts' chat and message ids: nothing will edit those messages again."""
    if request_ids:
        await session.exec(  # type: ignore[call-overload]
            update(Offer)
            .where(Offer.request_id.in_(list(request_ids)))  # type: ignore[attr-defined]
            .values(chat_id=None, message_id=None)
        )
