"""Deliver a use case's notices over Telegram, after its transaction has committed.

Known Telegram answers are handled here, at the call site: a person who
blocked the bot is handed to the dispatch service (which takes a volunteer off
duty, marks their alert failed and widens the wave if nobody is left to
answer); an edit of an unchanged or vanished message is not an error. RetryAfter (429) is retried by the Application's rate limiter.
Everything else is logged per notice, so one failure never silences the rest.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime

from telegram import Bot, Message
from telegram.error import BadRequest, Forbidden, TelegramError

from bot.handlers.render import render
from bot.services import dispatch, team_vetting
from bot.services.config import DispatchConfig
from bot.services.notices import Notice, Outcome
from storage.db import Database
from storage.types import utcnow

log = logging.getLogger(__name__)


async def deliver(
    bot: Bot,
    db: Database,
    outcome: Outcome | list[Notice],
    cfg: DispatchConfig,
) -> dict[int, datetime | None]:
    """Send every notice; returns request timers set by what the failures caused.

    A person who blocked the bot is handed to ``dispatch.recipient_unreachable``
    (one at a time, so two failed alerts of one wave see each other's answer);
    the follow-up it returns (a widened wave) is delivered here too, and its
    timers are returned for the caller to schedule with the outcome's own.
    """
    notices = outcome.notices if isinstance(outcome, Outcome) else outcome
    timers: dict[int, datetime | None] = {}
    one_at_a_time = asyncio.Lock()

    async def send(notice: Notice) -> None:
        try:
            if await _deliver_one(bot, db, notice) or notice.to.person_id is None:
                return
            log.info("chat %s blocked the bot; %s not delivered", notice.to.chat_id, notice.event)
            async with one_at_a_time, db.session() as s:
                follow = await dispatch.recipient_unreachable(
                    s, cfg, person_id=notice.to.person_id, offer_id=notice.offer_id, now=utcnow()
                )
            timers.update(follow.timers)
            timers.update(await deliver(bot, db, follow, cfg))
        except Exception:
            # The use case has committed: one notice's failure (a database that said "busy")
            # must not cost the others, nor the timers the caller schedules.
            log.exception("delivering %s to chat %s failed", notice.event, notice.to.chat_id)

    if notices:
        await asyncio.gather(*(send(n) for n in notices))
    return timers


async def _deliver_one(bot: Bot, db: Database, notice: Notice) -> bool:
    """False when the recipient blocked the bot; every other failure is logged here."""
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
            return True
        if rendered.location is not None:
            await bot.send_location(notice.to.chat_id, *rendered.location)
        message: Message = await bot.send_message(
            notice.to.chat_id, rendered.text, reply_markup=rendered.markup
        )
        if notice.offer_id is not None:
            async with db.session() as s:
                closed = await dispatch.alert_delivered(
                    s,
                    offer_id=notice.offer_id,
                    chat_id=message.chat_id,
                    message_id=message.message_id,
                )
            for late in closed.notices:  # closed while it was on its way: edit it now
                await _deliver_one(bot, db, late)
        if notice.vetting_of is not None:  # a copy of an approval notice: edited on decision
            async with db.session() as s:
                decided = await team_vetting.vetting_delivered(
                    s,
                    volunteer_id=notice.vetting_of,
                    chat_id=message.chat_id,
                    message_id=message.message_id,
                    language=notice.to.language,
                )
            for late in decided:
                await _deliver_one(bot, db, late)
    except Forbidden:
        return False
    except TelegramError:
        log.exception("could not deliver %s to chat %s", notice.event, notice.to.chat_id)
    return True
