"""Deliver a use case's notices over Telegram, after its transaction has committed.

Known Telegram answers are handled here, at the call site: a volunteer who
blocked the bot is taken off duty and their alert marked failed (so the
ladder moves on without them); an edit of an unchanged or vanished message is
not an error. RetryAfter (429) is retried by the Application's rate limiter.
Everything else is logged per notice, so one failure never silences the rest.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime

from telegram import Bot, Message
from telegram.error import BadRequest, Forbidden, TelegramError

from bot.handlers.render import render
from bot.services.notices import Notice, Outcome
from storage import people, requests, volunteers
from storage.db import Database
from storage.enums import OfferStatus
from storage.types import utcnow

log = logging.getLogger(__name__)


async def deliver(bot: Bot, db: Database, outcome: Outcome | list[Notice]) -> None:
    notices = outcome.notices if isinstance(outcome, Outcome) else outcome
    if notices:
        await asyncio.gather(*(_deliver_one(bot, db, n) for n in notices))


async def _deliver_one(bot: Bot, db: Database, notice: Notice) -> None:
    try:
        rendered = render(notice)
        if notice.edit is not None:
            try:
                await bot.edit_message_text(
                    rendered.text,
                    chat_id=notice.edit.chat_id,
                    message_id=notice.edit.message_id,
                    reply_markup=rendered.markup,
                )
            except BadRequest as exc:
                if (
                    "not modified" not in exc.message.lower()
                    and "not found" not in exc.message.lower()
                ):
                    raise
            return
        if rendered.location is not None:
            await bot.send_location(notice.to.chat_id, *rendered.location)
        message: Message = await bot.send_message(
            notice.to.chat_id, rendered.text, reply_markup=rendered.markup
        )
        if notice.offer_id is not None:
            async with db.session() as s:
                await requests.record_offer_message(
                    s, notice.offer_id, chat_id=message.chat_id, message_id=message.message_id
                )
    except Forbidden:
        await _recipient_unreachable(db, notice, utcnow())
    except TelegramError:
        log.exception("could not deliver %s to chat %s", notice.event, notice.to.chat_id)


async def _recipient_unreachable(db: Database, notice: Notice, now: datetime) -> None:
    """The person blocked the bot: stop alerting them until they write to us again."""
    log.info("chat %s blocked the bot; %s not delivered", notice.to.chat_id, notice.event)
    if notice.to.person_id is None:
        return
    async with db.session() as s:
        await people.mark_blocked(s, person_id=notice.to.person_id)
        await volunteers.set_duty(s, person_id=notice.to.person_id, on_duty=False)
        if notice.offer_id is not None:
            offer = await requests.get_offer(s, notice.offer_id)
            if offer is not None:
                await requests.answer_offer(
                    s,
                    notice.offer_id,
                    from_status=[OfferStatus.SENT],
                    to_status=OfferStatus.FAILED,
                    at=now,
                )
