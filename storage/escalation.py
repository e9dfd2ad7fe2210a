"""Queries behind an operator's answer to an escalation (bot/services/dispatch/escalation.py)."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.enums import OfferStatus
from storage.models import Offer, OutboxMessage
from storage.outbox import SENT

ESCALATION_EVENT = "ops_escalation"  # bot.services.notices.Event.OPS_ESCALATION


async def escalation_copies(session: AsyncSession, request_id: int) -> list[tuple[int, int]]:
    """(chat id, message id) of every escalation of this request Telegram took, oldest first.

    A request escalated twice (a wider search that found nobody either) has two copies; each
    is edited once an operator has answered, so no live button is left on any of them.
    """
    stmt = (
        select(OutboxMessage.chat_id, OutboxMessage.message_id)
        .where(
            OutboxMessage.request_id == request_id,
            OutboxMessage.event == ESCALATION_EVENT,
            OutboxMessage.status == SENT,
            col(OutboxMessage.message_id).is_not(None),
        )
        .order_by(col(OutboxMessage.id))
    )
    return [(chat, int(message)) for chat, message in (await session.exec(stmt)).all() if message]


async def alert_named(
    session: AsyncSession,
    *,
    request_id: int,
    volunteer_id: int,
    wave: int,
    distance_m: int,
    at: datetime,
) -> Offer:
    """A fresh alert for a volunteer an operator named: their old row for this request (one
    per volunteer and request) is reset if they had one, whatever its answer was."""
    stmt = select(Offer).where(Offer.request_id == request_id, Offer.volunteer_id == volunteer_id)
    offer = (await session.exec(stmt)).first()
    if offer is None:
        offer = Offer(request_id=request_id, volunteer_id=volunteer_id, wave=wave, distance_m=0)
    offer.wave, offer.distance_m, offer.sent_at = wave, distance_m, at
    offer.status, offer.answered_at = str(OfferStatus.SENT), None
    offer.chat_id = offer.message_id = None
    session.add(offer)
    await session.flush()
    return offer
