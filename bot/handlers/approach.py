"""The volunteer's locations during a job: relayed to the citizen as the volunteer comes.

A location *message* from a volunteer on their way (a live location starting, or a static
one) is the approach's (bot/services/dispatch/approach.py): answered once, and stored as
their position as any location is. Live fixes arrive as edited messages by the thousand on
a busy day, so they are not looked at here: the position writer stores them in batches and
hands each batch to ``relay_fixes``, which finds the few that belong to an approach with one
query. An edited location without ``live_period`` is Telegram saying the sharing stopped.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from telegram import Update
from telegram.ext import ApplicationHandlerStop, MessageHandler, filters

from bot.context import BotContext
from bot.handlers import duty, inputs
from bot.handlers.outbox import sender_of, unit_of_work
from bot.handlers.plumbing import run
from bot.services.config import DispatchConfig
from bot.services.dispatch import approach
from bot.services.notices import Result
from bot.services.positions import PositionUpdate
from storage.db import Database

log = logging.getLogger(__name__)


async def location(update: Update, context: BotContext) -> None:
    """A volunteer's location during a job; anyone else's travels on to the ordinary handlers."""
    msg = inputs.message(update)
    loc = msg.location
    if loc is None:
        return
    uid = inputs.sender_id(update)
    if update.edited_message is not None:
        if loc.live_period is None:  # the live location was stopped
            await run(context, approach.sharing_stopped, volunteer_id=uid)
        return  # a fix: the position writer stores it and relays it (relay_fixes)
    live = duty.live_seconds(loc.live_period)
    out = await run(
        context,
        approach.shared,
        volunteer_id=uid,
        lat=loc.latitude,
        lon=loc.longitude,
        live_period_s=live,
    )
    if out.result == Result.IDLE:
        return
    await duty.move(context, uid, loc.latitude, loc.longitude, live)  # their position, as always
    raise ApplicationHandlerStop


def handler() -> MessageHandler[BotContext, None]:
    return MessageHandler(filters.LOCATION, location)


def relay_fixes(
    bot_data: dict[str, Any], db: Database, cfg: DispatchConfig
) -> Callable[[Sequence[PositionUpdate]], Awaitable[None]]:
    """The position writer's hook: after a batch is stored, the fixes of volunteers on their
    way move their citizens' live copies. Said before the writer's next batch: a slow chat
    delays the next write, whose fixes meanwhile coalesce (a position is only worth its
    latest value), and nothing is said twice or out of order."""

    async def after_write(batch: Sequence[PositionUpdate]) -> None:
        await unit_of_work(
            sender_of(bot_data), db, lambda s, now: approach.fixes(s, cfg, batch=batch, now=now)
        )

    return after_write
